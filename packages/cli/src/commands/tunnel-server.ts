import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Flags } from '@oclif/core';
import { LocalProfileStore, PreevyError, preevyHome } from '@preevy/core';
import { ConfigError, DEFAULT_LIMITS, DEFAULT_PORTS, limitEnvName, optionsFromEnv, TUNNEL_SERVER_ENV as ENV } from '@preevy/tunnel-server/config';
import { BaseCommand } from '../base-command.js';
import { waitUntilHomeIdle } from '../embedded-idle-stop.js';
import { EMBEDDED_IDLE_ENV, embeddedIdleMs } from '../embedded-idle-time.js';
import { preevyErrorOfTunnelServer } from '../tunnel-server-error.js';

export default class TunnelServer extends BaseCommand<typeof TunnelServer> {
  static override summary = 'Run a preevy tunnel server (SSH for agents, HTTP(S) for visitors) until stopped.';
  static override description =
    'Agents connect over SSH with their key and publish each service at {service}-{port}-{env}-{client}.{base host}. ' +
    'Listens on 127.0.0.1 unless --listen-host says otherwise. Logs are JSON lines on stdout; SIGTERM drains open connections.';
  static override examples = [
    '<%= config.bin %> tunnel-server',
    '<%= config.bin %> tunnel-server --base-url https://preview.example.com --listen-host 0.0.0.0 --https-port 443 --tls-cert cert.pem --tls-key key.pem',
  ];

  static override flags = {
    'base-url': Flags.string({ description: 'Public URL of the server (no path). Default: http://localhost:<http-port>.', env: ENV.baseUrl }),
    'listen-host': Flags.string({ description: 'Interface to listen on.', default: '127.0.0.1', env: ENV.listenHost }),
    'ssh-port': Flags.integer({ description: 'SSH port for agents.', default: DEFAULT_PORTS.ssh, env: ENV.sshPort }),
    'http-port': Flags.integer({ description: 'HTTP port for visitors.', default: DEFAULT_PORTS.http, env: ENV.httpPort }),
    'https-port': Flags.integer({ description: 'HTTPS port for visitors (needs --tls-cert and --tls-key).', env: ENV.httpsPort }),
    'tls-cert': Flags.file({ description: 'PEM certificate covering *.<base host>.', exists: true, env: ENV.tlsCert }),
    'tls-key': Flags.file({ description: 'PEM private key of --tls-cert.', exists: true, env: ENV.tlsKey }),
    'admin-port': Flags.integer({ description: 'Port of /metrics and /healthz.', default: DEFAULT_PORTS.admin, env: ENV.adminPort }),
    'admin-listen-host': Flags.string({ description: 'Interface of the admin port (not --listen-host: metrics are not for visitors).', default: '127.0.0.1', env: ENV.adminListenHost }),
    limit: Flags.string({
      description: `Override a limit, NAME=VALUE, repeatable (or ${limitEnvName('tunnelsPerKey')}=… style variables). Names: ${Object.keys(DEFAULT_LIMITS).join(', ')}.`,
      multiple: true,
    }),
    'host-key-file': Flags.string({ description: 'SSH host key file, created (0600) on first start. Default: <preevy home>/tunnel-server/ssh_host_ed25519_key.', env: ENV.hostKeyFile }),
    'authorized-keys': Flags.file({ description: 'Only keys in this authorized_keys file may register tunnels.', exists: true, env: ENV.authorizedKeysFile }),
    // Set by `up` when it starts the home's embedded server; not for users.
    embedded: Flags.boolean({ hidden: true, description: `Stop once the preevy home has had no environment for ${EMBEDDED_IDLE_ENV} seconds.` }),
  };

  async run(): Promise<void> {
    const f = this.flags;
    // One validation path for flags and the standalone server's environment variables.
    const settings: Record<string, string | undefined> = {
      [ENV.baseUrl]: f['base-url'],
      [ENV.listenHost]: f['listen-host'],
      [ENV.sshPort]: String(f['ssh-port']),
      [ENV.httpPort]: String(f['http-port']),
      [ENV.httpsPort]: f['https-port'] === undefined ? undefined : String(f['https-port']),
      [ENV.tlsCert]: f['tls-cert'],
      [ENV.tlsKey]: f['tls-key'],
      [ENV.adminPort]: String(f['admin-port']),
      [ENV.adminListenHost]: f['admin-listen-host'],
      ...Object.fromEntries(Object.keys(DEFAULT_LIMITS).map((name) => [limitEnvName(name), process.env[limitEnvName(name)]])),
      [ENV.hostKeyFile]: f['host-key-file'] ?? join(preevyHome(), 'tunnel-server', 'ssh_host_ed25519_key'),
      [ENV.authorizedKeysFile]: f['authorized-keys'],
    };
    for (const pair of f.limit ?? []) {
      const [name = '', value] = pair.split('=', 2);
      if (!(name in DEFAULT_LIMITS) || value === undefined) {
        throw new PreevyError(`--limit ${pair}: expected NAME=VALUE with NAME one of ${Object.keys(DEFAULT_LIMITS).join(', ')}`, { code: 'TUNNEL_SERVER_CONFIG', kind: 'usage', suggestions: ['e.g. --limit tunnelsPerKey=500'] });
      }
      settings[limitEnvName(name)] = value;
    }
    let options;
    try {
      options = optionsFromEnv(settings, (p) => readFileSync(p));
    } catch (err) {
      if (err instanceof ConfigError) throw new PreevyError(err.message, { code: 'TUNNEL_SERVER_CONFIG', kind: 'usage', suggestions: ['See `preevy tunnel-server --help`.'] });
      throw err;
    }
    // Read before starting, so a bad value fails the start and `up` reports it.
    const idleMs = f.embedded ? embeddedIdleMs() : undefined;
    // Loaded here, not at the top: every command's module is imported at start-up, and only this one runs the server.
    const { createTunnelServerLogger, guardProcess, runUntilSignal, startTunnelServer } = await import('@preevy/tunnel-server');
    const logger = createTunnelServerLogger(this.flags.debug ? 'debug' : this.flags['log-level']);
    const server = await startTunnelServer({ ...options, logger }).catch((err: NodeJS.ErrnoException) => {
      const operatorError = preevyErrorOfTunnelServer(err);
      if (operatorError) throw operatorError;
      if (err.code === 'EADDRINUSE') {
        throw new PreevyError(`A port is already in use: ${err.message}`, { code: 'PORT_IN_USE', kind: 'conflict', suggestions: ['Pick other ports with --ssh-port, --http-port and --admin-port.'], cause: err });
      }
      throw err;
    });
    guardProcess(logger);
    logger.info({ hostKey: server.hostKey.publicKey, url: server.baseUrl.origin }, 'ready');
    if (idleMs === undefined) {
      await runUntilSignal(server);
      return;
    }
    const idle = new AbortController();
    const ended = new AbortController();
    const home = preevyHome();
    void waitUntilHomeIdle({ home, store: new LocalProfileStore(), idleMs, pid: process.pid, signal: ended.signal }).then((stop) => {
      if (!stop) return;
      logger.info({ home, idleSeconds: idleMs / 1000 }, 'no environment left in this preevy home: stopping');
      idle.abort();
    });
    await runUntilSignal(server, { stop: idle.signal });
    ended.abort();
  }
}
