import { EXEC_HELLO, parseHelloReply } from '@preevy/tunnel-protocol';
import { PreevyError, type TunnelEndpoint } from '@preevy/core';
import ssh2 from 'ssh2';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/;

/** `ssh-ed25519 AAAA…` from an SSH wire-format public key blob. */
const keyLine = (blob: Buffer): string => `${blob.subarray(4, 4 + blob.readUInt32BE(0)).toString()} ${blob.toString('base64')}`;

const unreachable = (url: string, cause: unknown): PreevyError =>
  new PreevyError(`The tunnel server ${url} did not answer`, {
    code: 'TUNNEL_SERVER_UNREACHABLE',
    kind: 'unavailable',
    suggestions: ['Check the profile\'s tunnel URL: preevy profile config view', 'Or use the local tunnel server: preevy profile config update --unset-tunnel-url'],
    cause,
  });

/**
 * Asks a tunnel server who it is (`hello` over SSH, with the profile's key): its base URL and
 * host key, which the agent then pins. First contact trusts the key the server shows.
 */
export const remoteTunnelEndpoint = async (tunnelUrl: string, privateKey: string, { timeoutMs = 10_000 } = {}): Promise<TunnelEndpoint> => {
  const url = new URL(tunnelUrl);
  if (url.protocol !== 'ssh:') {
    throw new PreevyError(`${tunnelUrl}: only ssh:// tunnel URLs are supported by up so far`, { code: 'TUNNEL_URL_UNSUPPORTED', kind: 'invalid-input', suggestions: ['Use ssh://HOST:PORT.'] });
  }
  const host = url.hostname;
  const port = Number(url.port || 22);
  let hostKey = '';
  const conn = new ssh2.Client();
  try {
    await new Promise<void>((resolve, reject) => {
      conn.once('ready', resolve).once('error', reject);
      conn.connect({
        host,
        port,
        username: 'preevy',
        privateKey,
        readyTimeout: timeoutMs,
        hostVerifier: (key: Buffer) => {
          hostKey = keyLine(key);
          return true;
        },
      });
    });
    const text = await new Promise<string>((resolve, reject) =>
      conn.exec(EXEC_HELLO, (err, stream) => {
        if (err) return reject(err);
        let out = '';
        stream.on('data', (d: Buffer) => (out += d.toString())).on('close', () => resolve(out));
      }),
    );
    const hello = parseHelloReply(text);
    return {
      sshHost: host,
      sshPort: port,
      hostKey,
      baseUrl: new URL(hello.baseUrl),
      // A server on this machine's loopback is reachable from the host network only.
      agentNetwork: LOOPBACK.test(host) ? 'host' : 'project',
    };
  } catch (err) {
    throw err instanceof PreevyError ? err : unreachable(tunnelUrl, err);
  } finally {
    conn.end();
  }
};
