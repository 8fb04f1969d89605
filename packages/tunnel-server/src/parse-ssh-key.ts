import ssh2, { type ParsedKey } from 'ssh2';
import { TunnelServerError } from './tunnel-server-error.js';

/** What to report when a key cannot be used: the code and remedy fit where the key came from. */
export interface SshKeyProblem {
  code: string;
  suggestions: readonly string[];
}

/** Parses one SSH key (private or public, any format ssh2 reads), or throws a TunnelServerError naming `source`. */
export const parseSshKey = (data: string | Buffer, source: string, problem: SshKeyProblem): ParsedKey => {
  const parsed: ParsedKey | ParsedKey[] | Error = ssh2.utils.parseKey(data);
  if (parsed instanceof Error) throw new TunnelServerError(`${source} is not a usable SSH key: ${parsed.message}`, { ...problem, cause: parsed });
  // Array.isArray narrows to any[]: keep the element type explicit.
  const key: ParsedKey | undefined = Array.isArray(parsed) ? (parsed as ParsedKey[])[0] : parsed;
  if (!key) throw new TunnelServerError(`${source} holds no SSH key`, problem);
  return key;
};
