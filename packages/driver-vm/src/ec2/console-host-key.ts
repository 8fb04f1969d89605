/**
 * The ed25519 host key in an EC2 console output: cloud-init prints the machine's keys between
 * `-----BEGIN SSH HOST KEY KEYS-----` and `-----END SSH HOST KEY KEYS-----` at first boot, through
 * a channel only the account's API reaches (an impostor on the network cannot write it).
 */
export const hostKeyFromConsole = (output: string): string | undefined => {
  const block = /-----BEGIN SSH HOST KEY KEYS-----\r?\n([\s\S]*?)-----END SSH HOST KEY KEYS-----/.exec(output)?.[1];
  const line = block?.split(/\r?\n/).find((l) => l.startsWith('ssh-ed25519 '));
  const [type, key] = line?.trim().split(/\s+/) ?? [];
  return type && key && /^[A-Za-z0-9+/]+=*$/.test(key) ? `${type} ${key}` : undefined;
};
