import { PreevyError } from '@preevy/core';
import { hostKeyLine, hostKeyMatchesPin, keyFingerprint, parseHostKeyPin, type HostKeyPin } from '@preevy/tunnel-protocol';

/** The pin in force for a connection, and where it came from (the remedy differs). */
export interface SshHostKeyPin {
  pin: HostKeyPin;
  /** `option`: --ssh-host-key and its layers; `record`: pinned in the environment's record on first use; `console`: the key the machine printed on its console at first boot. */
  source: 'option' | 'record' | 'console';
}

/** Reads a pin given as an option or kept in a record (a public key line or a `SHA256:` fingerprint). */
export const parseSshHostKey = (text: string, where: string): HostKeyPin => {
  const parsed = parseHostKeyPin(text);
  if (parsed.ok) return parsed.value;
  throw new PreevyError(`Invalid SSH host key in ${where}: ${parsed.error}`, {
    code: 'SSH_HOST_KEY_INVALID',
    kind: 'invalid-input',
    suggestions: ["Give the host's public key line (`cat /etc/ssh/ssh_host_ed25519_key.pub` on it: 'ssh-ed25519 AAAA...') or its fingerprint ('SHA256:...', from `ssh-keygen -lf` on that file)."],
  });
};

/** An explicit pin (an option) wins over the record's: that is how a user re-pins a host whose key changed. */
export const pinInForce = ({ option, recorded, console: printed }: { option?: string | undefined; recorded?: string | undefined; console?: string | undefined }): SshHostKeyPin | undefined => {
  if (option) return { pin: parseSshHostKey(option, '--ssh-host-key'), source: 'option' };
  if (recorded) return { pin: parseSshHostKey(recorded, "the environment's record"), source: 'record' };
  if (printed) return { pin: parseSshHostKey(printed, "the machine's console output"), source: 'console' };
  return undefined;
};

const PIN_SOURCES: Readonly<Record<SshHostKeyPin['source'], string>> = { option: '--ssh-host-key', record: "the environment's record", console: "the machine's console output" };

/** How a presented host key stands against the pin: trusted, new (no pin: trust on first use), or refused. */
export type HostKeyVerdict = 'match' | 'first-use' | 'mismatch';

export const judgeHostKey = (pin: SshHostKeyPin | undefined, presented: Uint8Array): HostKeyVerdict => {
  if (!pin) return 'first-use';
  return hostKeyMatchesPin(pin.pin, presented) ? 'match' : 'mismatch';
};

/** The presented key as the record keeps it: the whole key line, which pins harder than a fingerprint. */
export const recordedHostKey = (presented: Uint8Array): string => hostKeyLine(presented);

/** A host showing another key than the pinned one: maybe an impostor, so nothing was sent to it. */
/** `flag`: the option that pins this driver's hosts (`--ssh-host-key`, `--ec2-host-key`). */
export const sshHostKeyChanged = ({ target, pin, presented, flag = '--ssh-host-key' }: { target: string; pin: SshHostKeyPin; presented: Uint8Array; flag?: string }): PreevyError => {
  const line = hostKeyLine(presented);
  const source = pin.source === 'option' ? flag : PIN_SOURCES[pin.source];
  return new PreevyError(
    `The SSH host ${target} presented host key ${keyFingerprint(presented)}, but ${source} pins ${pin.pin.fingerprint}: refusing to connect (another machine may be answering at that address).`,
    {
      code: 'SSH_HOST_KEY_CHANGED',
      kind: 'conflict',
      suggestions: [
        "Check with the host's administrator whether its key changed (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the host prints it).",
        pin.source === 'option'
          ? `If the host is right, correct the pin (${flag}, its environment variable, x-preevy or the profile's) to '${line}'.`
          : `If it did change, pin the new key: preevy up ${flag} '${line}' (the record keeps it from then on).`,
      ],
    },
  );
};
