import { spawn } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  dockerEnv,
  knownHostsLine,
  preevyHome,
  shellWord,
  sshConfigBlock,
  sshHostAlias,
  workspaceIds,
  workspaceOf,
  type DockerConnection,
  type DriverResolver,
  type EnvRecord,
  type Profile,
  type ProfileStore,
  type WorkspaceRecord,
} from '@preevy/core';

const CLI_BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url));

/** A workspace's record and a live connection to its host (closed when disposed). */
export const openWorkspace = async (
  store: ProfileStore,
  profile: Profile,
  driver: DriverResolver,
  name: string,
): Promise<{ ws: WorkspaceRecord & { record: EnvRecord }; conn: DockerConnection }> => {
  const { envId } = workspaceIds(name);
  const ws = workspaceOf(await store.envs(profile.name).read(envId), name);
  const d = await driver({ recorded: ws.record.driver });
  const conn = await d.connect(ws.record.host ?? { driver: d.name, envId, state: {} });
  return { ws, conn };
};

/** Runs docker against the connection with this process's stdio; resolves to its exit code. */
export const dockerInteractive = (conn: Pick<DockerConnection, 'dockerHost'>, args: readonly string[]): Promise<number> =>
  new Promise((resolve, reject) => {
    const child = spawn('docker', [...args], { stdio: 'inherit', env: dockerEnv(conn) });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });

/** The ProxyCommand that reaches a workspace: this CLI's `workspace stdio`, with the profile it was made in. */
export const proxyCommand = (name: string, profile: string): string =>
  [process.execPath, CLI_BIN, 'workspace', 'stdio', name, '--profile', profile].map(shellWord).join(' ');

/**
 * Writes the pinned host keys of `workspaces` to the profile's known_hosts (0600) and returns the
 * ssh_config text for them; the config is also written beside it when `writeConfig` is set.
 */
export const sshConfigFor = async (profile: string, workspaces: readonly WorkspaceRecord[], env: NodeJS.ProcessEnv = process.env): Promise<{ config: string; configFile: string; knownHostsFile: string }> => {
  const dir = join(preevyHome(env), 'ssh', profile);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const knownHostsFile = join(dir, 'known_hosts');
  const configFile = join(dir, 'config');
  await writeFile(knownHostsFile, workspaces.map((w) => knownHostsLine(sshHostAlias(w.name, profile), w.hostKey)).join(''), { mode: 0o600 });
  await chmod(knownHostsFile, 0o600);
  const config = workspaces
    .map((w) => sshConfigBlock({ alias: sshHostAlias(w.name, profile), user: w.remoteUser, proxyCommand: proxyCommand(w.name, profile), knownHostsFile }))
    .join('\n');
  await writeFile(configFile, config, { mode: 0o600 });
  return { config, configFile, knownHostsFile };
};
