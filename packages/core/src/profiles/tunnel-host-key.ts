import { formatHostKeyPin, hostKeyMatchesPin, parseHostKeyPin, type HostKeyPin } from '@preevy/tunnel-protocol';
import { PreevyError } from '../errors/index.js';

const invalid = (why: string): PreevyError =>
  new PreevyError(`Invalid tunnel server host key: ${why}.`, {
    code: 'TUNNEL_HOST_KEY_INVALID',
    kind: 'invalid-input',
    suggestions: [
      'Give the public key line of the server (e.g. the .pub file of its host key: "ssh-ed25519 AAAA...") or its fingerprint ("SHA256:...", as `ssh-keygen -lf <host key>.pub` prints it).',
      'The `preevy tunnel-server` log prints its host key on start ("ready", hostKey).',
    ],
  });

/** Parses a pin given by a user or read from a profile (format: tunnel-protocol's). */
export const parseTunnelHostKey = (text: string): HostKeyPin => {
  const parsed = parseHostKeyPin(text);
  if (!parsed.ok) throw invalid(parsed.error);
  return parsed.value;
};

/** The form profiles store: the key line without its comment, or the unpadded fingerprint. */
export const canonicalTunnelHostKey = (text: string): string => formatHostKeyPin(parseTunnelHostKey(text));

/** The `SHA256:` fingerprint of a pin, for messages: short, and what operators compare. */
export const tunnelHostKeyFingerprint = (text: string): string => parseTunnelHostKey(text).fingerprint;

/** Whether the key a server presented (its key line) is the pinned one. */
export const tunnelHostKeyMatches = (pinned: string, presentedLine: string): boolean => {
  const presented = parseTunnelHostKey(presentedLine);
  return presented.kind === 'key' && hostKeyMatchesPin(parseTunnelHostKey(pinned), presented.blob);
};

/** What a command reports when the server's key is not the pinned one: a possible impostor, so never connected. */
export const tunnelHostKeyChanged = ({ profile, tunnelUrl, pinned, presented, forProject = false }: { profile: string; tunnelUrl: string; pinned: string; presented: string; forProject?: boolean }): PreevyError =>
  new PreevyError(
    `The tunnel server at ${tunnelUrl} presented host key ${tunnelHostKeyFingerprint(presented)}, but profile "${profile}" pinned ${tunnelHostKeyFingerprint(pinned)}: refusing to connect (another server may be answering at that address).`,
    {
      code: 'TUNNEL_HOST_KEY_CHANGED',
      kind: 'conflict',
      suggestions: [
        "Check with the tunnel server's operator whether its host key changed (they can print it with `ssh-keygen -lf <host key>.pub`).",
        ...(forProject
          ? [`If it did, replace the pin of ${tunnelUrl} under projectTunnelHostKeys in profile "${profile}"'s profile.json with '${canonicalTunnelHostKey(presented)}' (or delete that entry, so the next \`preevy up\` pins what it is shown).`]
          : [
              `If it did, pin the new key: preevy profile config update --profile ${profile} --tunnel-host-key '${canonicalTunnelHostKey(presented)}'`,
              `Or remove the pin, so the next \`preevy up\` trusts and pins the key it is shown: preevy profile config update --profile ${profile} --unset-tunnel-host-key`,
            ]),
      ],
    },
  );
