import ssh2, { type ParsedKey } from 'ssh2';

/** Parses one SSH key (private or public, any format ssh2 reads), or throws with `source` named. */
export const parseSshKey = (data: string | Buffer, source: string): ParsedKey => {
  const parsed: ParsedKey | ParsedKey[] | Error = ssh2.utils.parseKey(data);
  if (parsed instanceof Error) throw new Error(`${source} is not a usable SSH key: ${parsed.message}`);
  // Array.isArray narrows to any[]: keep the element type explicit.
  const key: ParsedKey | undefined = Array.isArray(parsed) ? (parsed as ParsedKey[])[0] : parsed;
  if (!key) throw new Error(`${source} holds no SSH key`);
  return key;
};
