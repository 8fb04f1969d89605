import { hostKeyMatchesPin, parseHostKeyPin } from '@preevy/tunnel-protocol';
import { AgentError } from './errors.js';

/** Checks the server's host key blob (SSH wire format) against what the operator pinned. */
export type HostKeyCheck = (hostKeyBlob: Buffer) => boolean;

/**
 * The check for the pinned host key (PREEVY_TUNNEL_HOST_KEY): an OpenSSH public key line or its
 * `SHA256:` fingerprint, in the one format tunnel-protocol defines for every client.
 */
export const hostKeyCheck = (pin: string | undefined): HostKeyCheck => {
  // Typed as required everywhere, checked anyway: accepting any key would hand our channels to an impostor.
  if (!pin?.trim()) {
    throw new AgentError('No tunnel server host key is pinned: refusing to connect to a server whose identity cannot be checked.', {
      code: 'HOST_KEY_REQUIRED',
      suggestions: ["Set PREEVY_TUNNEL_HOST_KEY to the server's host key line or its SHA256 fingerprint (`preevy up` sets it)."],
    });
  }
  const parsed = parseHostKeyPin(pin);
  if (!parsed.ok) {
    throw new AgentError(`PREEVY_TUNNEL_HOST_KEY is not a valid host key: ${parsed.error}`, {
      code: 'INVALID_HOST_KEY',
      suggestions: ["Use the tunnel server's public host key line or the fingerprint from `ssh-keygen -lf <host key>.pub`."],
    });
  }
  return (blob) => hostKeyMatchesPin(parsed.value, blob);
};
