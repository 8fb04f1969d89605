import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CLI_BIN } from './paths.js';
import { freePort } from './preevy-e2e.js';
import { startTcpProxy } from './tcp-proxy.js';

/** A `preevy tunnel-server` on an address a remote Docker host reaches, visited through loopback. */
export interface TestTunnelServer {
  sshPort: number;
  /** `ssh://<listenHost>:<sshPort>`: the profile's --tunnel-url. */
  tunnelUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts the built CLI's tunnel server on `listenHost` (the caller has checked that address is
 * this machine's: a veth or the docker bridge) with a loopback proxy in front of its HTTP port, so
 * the `*.localhost` URLs it hands out reach it; resolves once its /healthz answers.
 */
export const startTestTunnelServer = async ({ listenHost, home, dir, name }: { listenHost: string; home: string; dir: string; name: string }): Promise<TestTunnelServer> => {
  const [ssh, http, admin] = [await freePort(), await freePort(), await freePort()];
  const visitors = await startTcpProxy({ host: listenHost, port: http });
  const server = spawn(process.execPath, [CLI_BIN, 'tunnel-server', '--listen-host', listenHost, '--ssh-port', String(ssh), '--http-port', String(http), '--admin-port', String(admin),
    '--base-url', `http://${name}.localhost:${visitors.port}`, '--host-key-file', join(dir, `${name}_tunnel_host_key`)], { stdio: 'ignore', env: { ...process.env, PREEVY_HOME: home } });
  const stop = async (): Promise<void> => {
    if (server.exitCode === null) server.kill('SIGTERM');
    await visitors.close();
  };
  const deadline = Date.now() + 15_000;
  while (!(await fetch(`http://127.0.0.1:${admin}/healthz`).then((r) => r.ok, () => false))) {
    if (server.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error('the tunnel server did not start');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { sshPort: ssh, tunnelUrl: `ssh://${listenHost}:${ssh}`, stop };
};
