import type { AskLaptop } from './credential-client.js';

export interface DockerCredentialIo {
  argv: readonly string[];
  readStdin: () => Promise<string>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  askLaptop: AskLaptop;
}

/** What the docker CLI takes for "no credentials here" (it then goes on anonymously). */
const NOT_FOUND = 'credentials not found in native keychain';

/**
 * `docker-credential-preevy OP` (docker's credential helper protocol): `get` asks the laptop during
 * a `preevy workspace ssh` session; `store` is refused (the laptop's login is the source), `erase`
 * and `list` have nothing kept here to act on.
 */
export const runDockerCredential = async (io: DockerCredentialIo): Promise<number> => {
  const [op] = io.argv;
  if (op === 'list') {
    io.stdout('{}\n');
    return 0;
  }
  if (op === 'erase') return 0;
  if (op === 'store') {
    io.stderr('docker-credential-preevy: these registry credentials come from the laptop during `preevy workspace ssh`; run `docker login` there\n');
    return 1;
  }
  if (op !== 'get') {
    io.stderr(`docker-credential-preevy: unknown operation ${op ?? '(none)'}; expected get, store, erase or list\n`);
    return 2;
  }
  const serverUrl = (await io.readStdin()).trim();
  const res = serverUrl ? await io.askLaptop({ kind: 'docker', op: 'get', serverUrl }) : { found: false as const };
  if (!res.found || !('docker' in res)) {
    io.stdout(`${NOT_FOUND}\n`);
    return 1;
  }
  io.stdout(`${JSON.stringify({ ServerURL: serverUrl, Username: res.docker.username, Secret: res.docker.secret })}\n`);
  return 0;
};
