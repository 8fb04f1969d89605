import { EXEC_HELLO, hostKeyLine, parseHelloReply } from '@preevy/tunnel-protocol';
import { PreevyError, silentLogger, tunnelHostKeyChanged, tunnelHostKeyFingerprint, tunnelHostKeyMatches, type Logger, type Profile, type ProfileStore, type TunnelEndpoint } from '@preevy/core';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/;

const unreachable = (url: string, cause: unknown): PreevyError =>
  new PreevyError(`The tunnel server ${url} did not answer`, {
    code: 'TUNNEL_SERVER_UNREACHABLE',
    kind: 'unavailable',
    suggestions: ['Check the profile\'s tunnel URL: preevy profile config view', 'Or use the local tunnel server: preevy profile config update --unset-tunnel-url'],
    cause,
  });

export interface RemoteTunnelOptions {
  timeoutMs?: number;
  /** The profile's pin: a server presenting another key is refused during the handshake, before authentication. */
  pinnedHostKey?: string | undefined;
  /** Named in the error a refused key raises. */
  profileName?: string;
  /** The URL is a project's (`x-preevy.tunnelServer`): the remedy of a refused key says where its pin is. */
  forProject?: boolean;
}

/**
 * Asks a tunnel server who it is (`hello` over SSH, with the profile's key): its base URL and the
 * host key it presented (checked against `pinnedHostKey` when given), which the agent then pins.
 */
export const remoteTunnelEndpoint = async (tunnelUrl: string, privateKey: string, { timeoutMs = 10_000, pinnedHostKey, profileName = 'default', forProject = false }: RemoteTunnelOptions = {}): Promise<TunnelEndpoint> => {
  const url = new URL(tunnelUrl);
  if (url.protocol !== 'ssh:') {
    throw new PreevyError(`${tunnelUrl}: only ssh:// tunnel URLs are supported by up so far`, { code: 'TUNNEL_URL_UNSUPPORTED', kind: 'invalid-input', suggestions: ['Use ssh://HOST:PORT.'] });
  }
  const host = url.hostname;
  const port = Number(url.port || 22);
  let hostKey = '';
  let refused = false;
  // Loaded here: only `up` with a profile's tunnel server speaks SSH from the CLI.
  const { default: ssh2 } = await import('ssh2');
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
        // Runs in the key exchange: returning false ends the connection before our key is ever offered.
        hostVerifier: (key: Buffer) => {
          hostKey = hostKeyLine(key);
          refused = pinnedHostKey !== undefined && !tunnelHostKeyMatches(pinnedHostKey, hostKey);
          return !refused;
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
    if (refused && pinnedHostKey !== undefined) throw tunnelHostKeyChanged({ profile: profileName, tunnelUrl, pinned: pinnedHostKey, presented: hostKey, forProject });
    throw err instanceof PreevyError ? err : unreachable(tunnelUrl, err);
  } finally {
    conn.end();
  }
};

export interface ProfileTunnelDeps {
  store: Pick<ProfileStore, 'get' | 'readPrivateKey' | 'pinTunnelHostKey'>;
  logger?: Logger;
  /** How to reach the server (tests shorten the timeout). */
  connect?: typeof remoteTunnelEndpoint;
}

/**
 * The tunnel server of a profile, its identity checked: a pinned host key must match; without a
 * pin, the key the server shows is pinned into the profile (trust on first use) and said so.
 */
export const profileTunnelEndpoint = async (
  profile: Profile,
  tunnelUrl: string,
  { store, logger = silentLogger, connect = remoteTunnelEndpoint }: ProfileTunnelDeps,
): Promise<TunnelEndpoint> => {
  // A project's own server (x-preevy.tunnelServer) is pinned apart from the profile's.
  const forProject = tunnelUrl !== profile.tunnelUrl;
  // Read again: another command may have pinned a key since this one loaded the profile.
  const fresh = await store.get(profile.name);
  const pinnedHostKey = forProject ? fresh.projectTunnelHostKeys?.[tunnelUrl] : fresh.tunnelUrl === profile.tunnelUrl ? fresh.tunnelHostKey : profile.tunnelHostKey;
  const endpoint = await connect(tunnelUrl, await store.readPrivateKey(profile.name), { pinnedHostKey, profileName: profile.name, forProject });
  if (pinnedHostKey === undefined) {
    // Under the profile's lock: a key another command pinned meanwhile is checked, not overwritten.
    const { pinned } = await store.pinTunnelHostKey(profile.name, { tunnelUrl, hostKey: endpoint.hostKey, forProject });
    if (pinned) logger.info(`pinned tunnel server host key ${tunnelHostKeyFingerprint(endpoint.hostKey)} for ${tunnelUrl} in profile "${profile.name}"`);
  }
  return endpoint;
};
