import type { KeyObject } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import ssh2, { type Client as SshClient } from 'ssh2';
import { authorizedKeyLine, clientIdFromKey, EXEC_HELLO, generateOpenSshEd25519, sshBlobFromEd25519Key, type HelloReply } from '@preevy/tunnel-protocol';

/** A client key in the two forms the tests need: OpenSSH for ssh2, a KeyObject for signing tokens. */
export interface TestKey {
  openssh: string;
  signingKey: KeyObject;
  publicLine: string;
  /** What the server derives from this key. */
  clientId: string;
}

export const generateTestKey = (): TestKey => {
  const { openssh, privateKey, publicKey } = generateOpenSshEd25519('test');
  return { openssh, publicLine: authorizedKeyLine(publicKey), signingKey: privateKey, clientId: clientIdFromKey(sshBlobFromEd25519Key(publicKey)) };
};

export interface Forward {
  request: string;
  target: { host: string; port: number };
}

export interface ForwardingClient extends AsyncDisposable {
  conn: SshClient;
  socket: Socket;
  /** Resolves true when the server accepted the forward. */
  forward(f: Forward): Promise<boolean>;
  hello(): Promise<HelloReply>;
  /** Any exec command, e.g. `metadata {...}`, with its exit code and output. */
  exec(command: string): Promise<{ code: number | undefined; stdout: string; stderr: string }>;
  close(): Promise<void>;
}

/**
 * A minimal real ssh2 client that holds reverse forwards and pipes each visitor channel to a
 * local target: enough to test the server on its own, without the agent's Docker discovery.
 */
export const connectForwardingClient = async ({ sshPort, key, envId }: { sshPort: number; key: TestKey; envId: string }): Promise<ForwardingClient> => {
  const socket = netConnect({ host: '127.0.0.1', port: sshPort });
  socket.setNoDelay(true);
  const conn = new ssh2.Client();
  const targets = new Map<string, Forward['target']>();
  conn.on('tcp connection', (info, accept, reject) => {
    const target = targets.get(info.destIP);
    if (!target) return reject();
    const channel = accept();
    const upstream = netConnect({ ...target, allowHalfOpen: true }); // as the real agent: a half-close passes through
    upstream.setNoDelay(true);
    upstream.on('error', () => channel.destroy());
    channel.on('error', () => upstream.destroy());
    channel.pipe(upstream).pipe(channel);
  });
  await new Promise<void>((resolve, reject) => {
    conn.once('ready', resolve).once('error', reject);
    conn.connect({ sock: socket, username: envId, privateKey: key.openssh, readyTimeout: 5_000 });
  });
  conn.on('error', () => {});
  const close = async (): Promise<void> => {
    conn.end();
    await new Promise((r) => (socket.destroyed ? r(undefined) : socket.once('close', r)));
  };
  return {
    conn,
    socket,
    forward: ({ request, target }) =>
      new Promise((resolve) => {
        targets.set(request, target);
        conn.forwardIn(request, 80, (err) => resolve(!err));
      }),
    hello: () =>
      new Promise((resolve, reject) =>
        conn.exec(EXEC_HELLO, (err, stream) => {
          if (err) return reject(err);
          let out = '';
          stream.on('data', (d: Buffer) => (out += d.toString())).on('close', () => {
            try {
              resolve(JSON.parse(out) as HelloReply);
            } catch (e) {
              reject(e instanceof Error ? e : new Error(String(e)));
            }
          });
        }),
      ),
    exec: (command) =>
      new Promise((resolve, reject) =>
        conn.exec(command, (err, stream) => {
          if (err) return reject(err);
          let stdout = '';
          let stderr = '';
          let code: number | undefined;
          stream.on('exit', (c: number | null) => (code = c ?? undefined));
          stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          stream.on('data', (d: Buffer) => (stdout += d.toString())).on('close', () => resolve({ code, stdout, stderr }));
        }),
      ),
    close,
    [Symbol.asyncDispose]: close,
  };
};
