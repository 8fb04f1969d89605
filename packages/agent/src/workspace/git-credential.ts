import { parseArgs } from 'node:util';
import { formatGitCredentialAttributes, parseGitCredentialAttributes, type GitCredentialAttributes } from '@preevy/tunnel-protocol';
import type { AskLaptop } from './credential-client.js';

export const GIT_CREDENTIAL_USAGE = `Usage: git-credential-preevy get|store|erase [--token-file FILE]
  git's credential helper in a workspace: asks the laptop during a \`preevy workspace ssh\` session,
  else answers from FILE (a token \`preevy workspace up --git-token\` placed), else says nothing.
`;

export interface GitCredentialIo {
  argv: readonly string[];
  /** git's request (attribute lines). */
  readStdin: () => Promise<string>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  askLaptop: AskLaptop;
  /** The token file's text, undefined when there is none. */
  readTokenFile: (path: string) => string | undefined;
}

/** The attributes git may send on that the laptop (or the token) is asked about: never more. */
const narrowed = (attrs: GitCredentialAttributes): GitCredentialAttributes => {
  const out: GitCredentialAttributes = {};
  for (const key of ['protocol', 'host', 'path', 'username', 'password', 'password_expiry_utc']) if (attrs[key] !== undefined) out[key] = attrs[key];
  return out;
};

/** The token file's answer for this request: same protocol and host, and username when git names one. Pure. */
export const tokenAnswer = (tokenFileText: string | undefined, request: GitCredentialAttributes): GitCredentialAttributes | undefined => {
  if (!tokenFileText) return undefined;
  const token = parseGitCredentialAttributes(tokenFileText);
  if (!token.password || !token.host || token.host !== request.host) return undefined;
  if ((token.protocol ?? 'https') !== (request.protocol ?? 'https')) return undefined;
  if (request.username && token.username && request.username !== token.username) return undefined;
  return { username: token.username ?? request.username ?? 'x-access-token', password: token.password };
};

/**
 * `git-credential-preevy OP`: `get` answers from the laptop, then from the token file, else prints
 * nothing (git goes on to its next helper or prompt); `store`/`erase` go to the laptop, which acts
 * only on a credential it gave out itself. Always exits 0, as git expects of helpers.
 */
export const runGitCredential = async (io: GitCredentialIo): Promise<number> => {
  let parsed;
  try {
    parsed = parseArgs({ args: [...io.argv], options: { 'token-file': { type: 'string' } }, allowPositionals: true, strict: true });
  } catch (err) {
    io.stderr(`git-credential-preevy: ${(err as Error).message}\n${GIT_CREDENTIAL_USAGE}`);
    return 2;
  }
  const [op] = parsed.positionals;
  // git may add operations later; a helper ignores those it does not know.
  if (op !== 'get' && op !== 'store' && op !== 'erase') return 0;
  const request = narrowed(parseGitCredentialAttributes(await io.readStdin()));
  if (!request.host) return 0;
  if (op !== 'get') {
    await io.askLaptop({ kind: 'git', op, attributes: request });
    return 0;
  }
  const { password: _password, ...question } = request;
  const fromLaptop = await io.askLaptop({ kind: 'git', op: 'get', attributes: question });
  const answer = fromLaptop.found && 'git' in fromLaptop ? fromLaptop.git : (parsed.values['token-file'] ? tokenAnswer(io.readTokenFile(parsed.values['token-file']), question) : undefined);
  if (answer?.password !== undefined) io.stdout(formatGitCredentialAttributes(answer));
  return 0;
};
