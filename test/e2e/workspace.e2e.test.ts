import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stopEmbeddedTunnelServer } from '@preevy/cli';
import { execFile } from '../support/exec-file.js';
import { CLI_BIN, REPO_ROOT } from '../support/paths.js';
import { getViaLoopback, labelledResources, offlineEnv } from '../support/preevy-e2e.js';

interface UpJson {
  name: string;
  envId: string;
  containerId: string;
  remoteUser: string;
  workspaceFolder: string;
  created: boolean;
  sync: { sent: number; unchanged: number; deleted: number };
  urls: Array<{ service: string; port: number; name: string; url: string }>;
}


// A devcontainer workspace on the docker driver, as a user runs it: the built binary, a folder
// with a Dockerfile devcontainer and a local feature, the local engine.
describe('preevy workspace on the docker driver (built binary)', () => {
  const root = mkdtempSync(join(tmpdir(), 'preevy-e2e-ws-'));
  const name = `ws${randomBytes(3).toString('hex')}`;
  const folder = join(root, name);
  const home = join(root, 'home');
  const env = { ...offlineEnv(home), PREEVY_SYNC_IMAGE: 'preevy-test/busybox:latest' };
  const preevy = (...args: string[]) => execFile(process.execPath, [CLI_BIN, ...args], { cwd: root, env, timeoutMs: 300_000 });
  const inContainer = async (id: string, script: string) => execFile('docker', ['exec', id, 'sh', '-c', script]);
  const record = () => join(home, 'profiles', 'default', 'envs', `ws-${name}.json`);
  let up: UpJson;

  cpSync(join(REPO_ROOT, 'test/fixtures/workspace-basic'), folder, { recursive: true });
  // The forwarded port gets a label: its URL's first label.
  const devcontainerJson = join(folder, '.devcontainer/devcontainer.json');
  writeFileSync(devcontainerJson, readFileSync(devcontainerJson, 'utf8').replace('"forwardPorts": [8080],', '"forwardPorts": [8080],\n  "portsAttributes": { "8080": { "label": "Notes Server" } },'));
  /** Changes a folder's postCreateCommand and runs up: a new container from the prebuilt image `tag`, nothing built. */
  const remadeFromPrebuilt = async (dir: string, tag: string | undefined): Promise<UpJson> => {
    const file = join(dir, '.devcontainer', 'devcontainer.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('date >> /tmp/post-create.log', 'echo changed >> /tmp/post-create.log'));
    const remade = await preevy('workspace', 'up', dir, '--json');
    expect(remade.exitCode, remade.stderr).toBe(0);
    expect(remade.stderr).toContain(`Reusing the devcontainer image ${tag}`);
    expect(remade.stderr).not.toContain('Building');
    const again = JSON.parse(remade.stdout) as UpJson;
    expect(again).toMatchObject({ created: true });
    return again;
  };
  const agentId = async () => (await execFile('docker', ['inspect', '--format', '{{.Id}}', `ws-${name}-preevy_agent-1`])).stdout.trim();
  const signedToken = async (envId: string) => {
    const signed = await preevy('urls', '--id', envId, '--include-access-credentials', '--json');
    expect(signed.exitCode, signed.stderr).toBe(0);
    return new URL((JSON.parse(signed.stdout) as Array<{ url: string }>)[0]!.url).searchParams.get('preevy_token')!;
  };

  afterAll(async () => {
    await preevy('workspace', 'down', name, '--yes');
    await stopEmbeddedTunnelServer(home);
    rmSync(root, { recursive: true, force: true });
  });

  it('should refuse a bad devcontainer.json naming the file and the key, creating nothing', async () => {
    const bad = join(root, 'bad');
    cpSync(folder, bad, { recursive: true });
    const file = join(bad, '.devcontainer', 'devcontainer.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"forwardPorts": [8080]', '"forwardPorts": [true]'));
    const res = await preevy('workspace', 'up', bad);
    expect(res.exitCode, res.stderr).toBe(3);
    expect(res.stderr).toContain('.devcontainer/devcontainer.json');
    expect(res.stderr).toContain('"forwardPorts[0]"');
    expect(await labelledResources('ws-bad')).toEqual([]);
    expect(existsSync(join(home, 'profiles', 'default', 'envs', 'ws-bad.json'))).toBe(false);
  });

  it('should build and start the devcontainer with the sources under /workspaces', async () => {
    const res = await preevy('workspace', 'up', folder, '--json');
    expect(res.exitCode, `${res.stderr}${res.stdout}`).toBe(0);
    up = JSON.parse(res.stdout) as UpJson;
    expect(up).toMatchObject({ name, envId: `ws-${name}`, created: true, workspaceFolder: `/workspaces/${name}`, remoteUser: 'root' });
    expect(up.sync.sent).toBeGreaterThan(0);
    const seen = await inContainer(up.containerId, `cat /workspaces/${name}/notes.txt /built.txt /feature.txt; echo "$WS_FLAVOUR"; wc -l < /tmp/post-create.log`);
    expect(seen.stdout.split('\n').map((l) => l.trim())).toEqual(['the original text', 'from-dockerfile', 'hi from the feature', 'basic', '1', '']);
    // /workspaces is the named volume, not a bind of the laptop's folder.
    const mounts = await execFile('docker', ['inspect', '--format', '{{range .Mounts}}{{.Type}}:{{.Name}}:{{.Destination}} {{end}}', up.containerId]);
    expect(mounts.stdout).toContain(`volume:preevy-ws-${name}:/workspaces`);
  });

  it('should start a second workspace of the same sources from the prebuilt image, and a remade container too, with no build', async () => {
    const [imageId, tag] = (await execFile('docker', ['inspect', '--format', '{{.Image}} {{.Config.Image}}', up.containerId])).stdout.trim().split(' ');
    expect(tag).toMatch(/^preevy-ws-[0-9a-f]{16}$/);
    const second = join(root, `${name}-again`);
    cpSync(folder, second, { recursive: true });
    try {
      const res = await preevy('workspace', 'up', second, '--json');
      expect(res.exitCode, res.stderr).toBe(0);
      expect(res.stderr).toContain(`Reusing the devcontainer image ${tag}`);
      expect(res.stderr).not.toContain('Building the devcontainer');
      const other = JSON.parse(res.stdout) as UpJson;
      expect((await execFile('docker', ['inspect', '--format', '{{.Image}}', other.containerId])).stdout.trim()).toBe(imageId);
      // The Dockerfile's and the feature's work is in the image; the lifecycle commands ran once.
      const seen = await inContainer(other.containerId, 'cat /built.txt /feature.txt; echo "$WS_FLAVOUR"; wc -l < /tmp/post-create.log');
      expect(seen.stdout.split('\n').map((l) => l.trim())).toEqual(['from-dockerfile', 'hi from the feature', 'basic', '1', '']);
      // A lifecycle change remakes the container from the same image.
      const again = await remadeFromPrebuilt(second, tag);
      expect((await execFile('docker', ['inspect', '--format', '{{.Image}}', again.containerId])).stdout.trim()).toBe(imageId);
      expect((await inContainer(again.containerId, 'cat /tmp/post-create.log')).stdout).toBe('changed\n');
    } finally {
      await preevy('workspace', 'down', `${name}-again`, '--yes');
    }
  });

  it('should publish forwardPorts as a private tunnel URL named by its label that answers with no ssh session open', async () => {
    const url = expect.stringMatching(new RegExp(`^http://notes-server-ws-${name}-[a-z0-9]+\\.localhost:\\d+$`)) as string;
    expect(up.urls).toEqual([{ service: 'workspace', port: 8080, name: 'notes-server', url }]);
    expect((await getViaLoopback(up.urls[0]!.url)).status).toBe(401);
    expect(await getViaLoopback(up.urls[0]!.url, await signedToken(`ws-${name}`))).toEqual({ status: 200, body: 'the original text\n' });
    const listed = JSON.parse((await preevy('workspace', 'ls', '--json')).stdout) as Array<{ name: string; urls: unknown[] }>;
    expect(listed.find((w) => w.name === name)?.urls).toEqual([{ service: 'workspace', port: 8080, url: up.urls[0]!.url }]);
  });

  it('should sync an edit on the next up without remaking the container, and run postCreateCommand once', async () => {
    writeFileSync(join(folder, 'notes.txt'), 'edited on the laptop\n');
    const agent = await agentId();
    const res = await preevy('workspace', 'up', folder, '--json');
    expect(res.exitCode, res.stderr).toBe(0);
    const again = JSON.parse(res.stdout) as UpJson;
    expect(again).toMatchObject({ created: false, containerId: up.containerId });
    expect(again.sync.sent).toBe(1);
    const seen = await inContainer(up.containerId, `cat /workspaces/${name}/notes.txt; wc -l < /tmp/post-create.log`);
    expect(seen.stdout.split('\n').map((l) => l.trim())).toEqual(['edited on the laptop', '1', '']);
    expect(again.urls).toEqual(up.urls);
    // The agent (and its tunnels) stays: nothing it depends on changed.
    expect(await agentId()).toBe(agent);
  });

  it('should run a command over SSH through the driver, with its exit code', async () => {
    const res = await preevy('workspace', 'ssh', name, '--', 'cat', `/workspaces/${name}/notes.txt`);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toBe('edited on the laptop\n');
    // As with ssh, the words after -- are one command line for the remote shell.
    expect((await preevy('workspace', 'ssh', name, '--', 'exit 7')).exitCode).toBe(7);
  });

  it('should give an interactive shell a terminal with the window size, and pass its exit code on', async () => {
    // `script` gives the CLI a terminal, as a user's would be.
    const shell = `stty cols 123 rows 45; ${process.execPath} ${CLI_BIN} workspace ssh ${name}`;
    const res = await execFile('sh', ['-c', `(sleep 2; echo 'tty; stty size; echo "user=$(id -un)"; exit 5') | script -qec '${shell}' /dev/null`], { env, timeoutMs: 60_000 });
    // eslint-disable-next-line no-control-regex -- the terminal's escape sequences (bracketed paste) go
    const out = res.stdout.replaceAll('\r', '').replace(/\u001b\[[?0-9;]*[a-zA-Z]/g, '');
    expect(out).toMatch(/^\/dev\/pts\/\d+$/m);
    expect(out).toMatch(/^45 123$/m);
    expect(out).toMatch(/^user=root$/m);
    expect(res.exitCode).toBe(5);
  });

  it('should work with stock ssh, scp and ssh -L through the ssh-config block', async () => {
    const printed = await preevy('workspace', 'ssh-config', '--json');
    expect(printed.exitCode, printed.stderr).toBe(0);
    const { config, configFile } = JSON.parse(printed.stdout) as { config: string; configFile: string };
    expect(config).toContain(`Host ${name}.preevy`);
    const ssh = (...args: string[]) => execFile('ssh', ['-F', configFile, ...args], { env, timeoutMs: 60_000 });
    expect((await ssh(`${name}.preevy`, 'echo', 'over', 'ssh')).stdout).toBe('over ssh\n');
    const local = join(root, 'to-copy.txt');
    writeFileSync(local, 'copied by scp\n');
    const sent = await execFile('scp', ['-F', configFile, local, `${name}.preevy:/workspaces/${name}/copied.txt`], { env, timeoutMs: 60_000 });
    expect(sent.exitCode, sent.stderr).toBe(0);
    expect((await inContainer(up.containerId, `cat /workspaces/${name}/copied.txt`)).stdout).toBe('copied by scp\n');
    const back = join(root, 'back.txt');
    expect((await execFile('scp', ['-F', configFile, `${name}.preevy:/workspaces/${name}/notes.txt`, back], { env, timeoutMs: 60_000 })).exitCode).toBe(0);
    expect(readFileSync(back, 'utf8')).toBe('edited on the laptop\n');
    // ssh -L to the workspace's own server on 8080, bound to this machine's loopback.
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const forward = spawn('ssh', ['-F', configFile, '-N', '-o', 'ExitOnForwardFailure=yes', '-L', `127.0.0.1:${port}:127.0.0.1:8080`, `${name}.preevy`], { env, stdio: 'ignore' });
    try {
      let body = '';
      for (let i = 0; i < 40 && !body; i += 1) {
        body = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text(), async () => {
          await new Promise((r) => setTimeout(r, 250));
          return '';
        });
      }
      expect(body).toBe('edited on the laptop\n');
    } finally {
      forward.kill();
    }
  });

  it('should stop the container, show it in ls, and start it again with /workspaces intact', async () => {
    expect((await preevy('workspace', 'stop', name)).exitCode).toBe(0);
    const listed = JSON.parse((await preevy('workspace', 'ls', '--json')).stdout) as Array<{ name: string; state: string }>;
    expect(listed.find((w) => w.name === name)?.state).toBe('exited');
    const started = await preevy('workspace', 'start', name, '--json');
    expect(started.exitCode, started.stderr).toBe(0);
    const seen = await inContainer(up.containerId, `cat /workspaces/${name}/notes.txt; wc -l < /tmp/post-create.log`);
    expect(seen.stdout.split('\n').map((l) => l.trim())).toEqual(['edited on the laptop', '1', '']);
  });

  it('should stop the container when idle, show it in ls, and resume it with start', async () => {
    const set = await preevy('workspace', 'up', folder, '--container-inactivity-timeout', '15s', '--json');
    expect(set.exitCode, set.stderr).toBe(0);
    type Listed = { name: string; state: string; idleStop?: { timeoutSeconds: number; lastActivityAt?: string; stoppedAt?: string } };
    const mine = async (): Promise<Listed | undefined> => (JSON.parse((await preevy('workspace', 'ls', '--json')).stdout) as Listed[]).find((w) => w.name === name);
    expect((await mine())?.idleStop?.timeoutSeconds).toBe(15);
    // An open SSH session is activity: the container outlives the timeout while it lasts.
    const session = await preevy('workspace', 'ssh', name, '--', 'sleep 20; echo done');
    expect(session.stdout).toBe('done\n');
    expect((await mine())?.state).toBe('running');
    let listed: Listed | undefined;
    // The agent reports stoppedAt a moment after the engine shows the container exited: wait for both.
    for (let i = 0; i < 40 && (listed?.state !== 'exited' || !listed.idleStop?.stoppedAt); i += 1) {
      await new Promise((r) => setTimeout(r, 2_000));
      listed = await mine();
    }
    expect(listed).toMatchObject({ state: 'exited', idleStop: { timeoutSeconds: 15, stoppedAt: expect.any(String) as string } });
    const started = await preevy('workspace', 'start', name, '--json');
    expect(started.exitCode, started.stderr).toBe(0);
    expect((await mine())?.state).toBe('running');
    expect((await inContainer(up.containerId, `cat /workspaces/${name}/notes.txt`)).stdout).toBe('edited on the laptop\n');
  });

  it('should ask before deleting the volume, then remove everything labelled', async () => {
    const refused = await preevy('workspace', 'down', name);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('--yes');
    expect(await labelledResources(`ws-${name}`)).not.toEqual([]);
    const res = await preevy('workspace', 'down', name, '--yes');
    expect(res.exitCode, res.stderr).toBe(0);
    expect(await labelledResources(`ws-${name}`)).toEqual([]);
    expect(existsSync(record())).toBe(false);
  });
  it('should make a workspace from a git URL and ref, and move it to new commits on the next up', async () => {
    // A repository served by file:// (the same fetch as https or ssh, offline), branch `feature`.
    const repo = join(root, 'gitsrc');
    cpSync(join(REPO_ROOT, 'test/fixtures/workspace-basic'), repo, { recursive: true });
    const git = (...args: string[]) => execFile('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args]);
    for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['commit', '-qm', 'first'], ['checkout', '-qb', 'feature']]) expect((await git(...args)).exitCode).toBe(0);
    writeFileSync(join(repo, 'notes.txt'), 'on the feature branch\n');
    expect((await git('commit', '-qam', 'feature')).exitCode).toBe(0);
    const gitName = `${name}g`;
    const made = await preevy('workspace', 'up', `file://${repo}#feature`, '--name', gitName, '--json');
    expect(made.exitCode, `${made.stderr}${made.stdout}`).toBe(0);
    const out = JSON.parse(made.stdout) as UpJson;
    expect(out).toMatchObject({ name: gitName, workspaceFolder: '/workspaces/gitsrc' });
    expect((await inContainer(out.containerId, 'cat /workspaces/gitsrc/notes.txt')).stdout).toBe('on the feature branch\n');
    writeFileSync(join(repo, 'notes.txt'), 'a newer commit\n');
    expect((await git('commit', '-qam', 'newer')).exitCode).toBe(0);
    const again = await preevy('workspace', 'up', `file://${repo}#feature`, '--name', gitName, '--json');
    expect(again.exitCode, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ created: false });
    expect((await inContainer(out.containerId, 'cat /workspaces/gitsrc/notes.txt')).stdout).toBe('a newer commit\n');
    expect((await preevy('workspace', 'down', gitName, '--yes')).exitCode).toBe(0);
    expect(await labelledResources(`ws-${gitName}`)).toEqual([]);
  });

  it("should publish the ports of a compose devcontainer's services as private tunnel URLs that answer", async () => {
    const composeName = `${name}c`;
    const dir = join(root, composeName);
    cpSync(join(REPO_ROOT, 'test/fixtures/workspace-compose'), dir, { recursive: true });
    // web publishes port 80 (on a random host port); the devcontainer's own service forwards a port a labelled range holds.
    const composeFile = join(dir, '.devcontainer/compose.yaml');
    writeFileSync(composeFile, readFileSync(composeFile, 'utf8').replace('command: httpd -f -p 80 -h /www', 'command: httpd -f -p 80 -h /www\n    ports: ["80"]'));
    const json = join(dir, '.devcontainer/devcontainer.json');
    writeFileSync(json, readFileSync(json, 'utf8').replace('"service": "app",', '"service": "app",\n  "forwardPorts": [3000],\n  "portsAttributes": { "3000-3009": { "label": "App" } },'));
    try {
      const made = await preevy('workspace', 'up', dir, '--json');
      expect(made.exitCode, `${made.stderr}${made.stdout}`).toBe(0);
      const out = JSON.parse(made.stdout) as UpJson;
      const urlOf = (first: string) => expect.stringMatching(new RegExp(`^http://${first}-ws-${composeName}-[a-z0-9]+\\.localhost:\\d+$`)) as string;
      expect(out.urls).toEqual([
        { service: 'app', port: 3000, name: 'app-3000', url: urlOf('app-3000') },
        { service: 'web', port: 80, name: 'web-80', url: urlOf('web-80') },
      ]);
      const web = out.urls[1]!.url;
      expect((await getViaLoopback(web)).status).toBe(401);
      const seen = await getViaLoopback(web, await signedToken(`ws-${composeName}`));
      expect({ status: seen.status, body: seen.body.trim() }).toEqual({ status: 200, body: 'hello from web' });
    } finally {
      // Also after a failed assertion: nothing of it may outlive the test.
      expect((await preevy('workspace', 'down', composeName, '--yes')).exitCode).toBe(0);
    }
    expect(await labelledResources(`ws-${composeName}`)).toEqual([]);
  });

  it("should build a compose devcontainer's service image (Dockerfile and feature) once, keep it after down, and start a second workspace of the same sources and a remade container from it", async () => {
    const firstName = `${name}p`;
    const secondName = `${name}q`;
    const first = join(root, firstName);
    cpSync(join(REPO_ROOT, 'test/fixtures/workspace-compose'), first, { recursive: true });
    // The dev service builds from a Dockerfile and gets a local feature; the lockfile the build writes is not copied in.
    const dev = join(first, '.devcontainer');
    cpSync(join(REPO_ROOT, 'test/fixtures/workspace-basic/.devcontainer/hello'), join(dev, 'hello'), { recursive: true });
    // This run's own name in the Dockerfile: an image left by an earlier run is not this one's.
    writeFileSync(join(dev, 'Dockerfile'), `FROM preevy-test/node:20\n# ${name}\nRUN echo from-compose-dockerfile > /built.txt\n`);
    const composeFile = join(dev, 'compose.yaml');
    writeFileSync(composeFile, readFileSync(composeFile, 'utf8').replace('    image: preevy-test/node:20\n', '    build: { context: ., dockerfile: Dockerfile }\n'));
    const json = join(dev, 'devcontainer.json');
    writeFileSync(json, readFileSync(json, 'utf8').replace('"service": "app",', '"service": "app",\n  "features": { "./hello": { "greeting": "hi from the compose feature" } },'));
    const imageOf = async (container: string) => (await execFile('docker', ['inspect', '--format', '{{.Image}} {{.Config.Image}}', container])).stdout.trim().split(' ');
    const seenIn = async (container: string) => (await inContainer(container, 'cat /built.txt /feature.txt; wc -l < /tmp/post-create.log')).stdout.split('\n').map((l) => l.trim());
    let tag: string | undefined;
    try {
      const made = await preevy('workspace', 'up', first, '--json');
      expect(made.exitCode, `${made.stderr}${made.stdout}`).toBe(0);
      const out = JSON.parse(made.stdout) as UpJson;
      const [imageId, madeFrom] = await imageOf(out.containerId);
      tag = madeFrom;
      expect(tag).toMatch(/^preevy-ws-[0-9a-f]{16}$/);
      expect(made.stderr).toContain(`Building the devcontainer image ${tag}`);
      expect(await seenIn(out.containerId)).toEqual(['from-compose-dockerfile', 'hi from the compose feature', '1', '']);
      // The image carries the prebuild label and the feature's metadata, not the config's own (the lifecycle ran once above).
      const labels = JSON.parse((await execFile('docker', ['image', 'inspect', '--format', '{{json .Config.Labels}}', tag!])).stdout) as Record<string, string>;
      expect(labels['dev.preevy.workspace-prebuild']).toBe('1');
      expect(labels['devcontainer.metadata']).not.toContain('post-create');

      // Unchanged: a no-op, nothing built, the container kept.
      const same = await preevy('workspace', 'up', first, '--json');
      expect(same.exitCode, same.stderr).toBe(0);
      expect(JSON.parse(same.stdout)).toMatchObject({ created: false, containerId: out.containerId });
      expect(same.stderr).not.toMatch(/Building|Reusing/);
      expect(await seenIn(out.containerId)).toEqual(['from-compose-dockerfile', 'hi from the compose feature', '1', '']);

      // The image is a cache: the workspace's down (compose `--rmi local` of the project that built it) keeps it.
      expect((await preevy('workspace', 'down', firstName, '--yes')).exitCode).toBe(0);
      expect((await execFile('docker', ['image', 'inspect', '--format', '{{.Id}}', tag!])).stdout.trim()).toBe(imageId);

      // A copy of the sources (with the lockfile the first build wrote) under another name: no build.
      const second = join(root, secondName);
      cpSync(first, second, { recursive: true });
      const res = await preevy('workspace', 'up', second, '--json');
      expect(res.exitCode, `${res.stderr}${res.stdout}`).toBe(0);
      expect(res.stderr).toContain(`Reusing the devcontainer image ${tag}`);
      expect(res.stderr).not.toContain('Building');
      const other = JSON.parse(res.stdout) as UpJson;
      expect(other.containerId).not.toBe(out.containerId);
      expect(await imageOf(other.containerId)).toEqual([imageId, tag]);
      expect(await seenIn(other.containerId)).toEqual(['from-compose-dockerfile', 'hi from the compose feature', '1', '']);
      const ssh = await preevy('workspace', 'ssh', secondName, '--', 'cat', `/workspaces/${secondName}/notes.txt`, '/built.txt');
      expect(ssh.exitCode, ssh.stderr).toBe(0);
      expect(ssh.stdout).toBe('compose notes\nfrom-compose-dockerfile\n');

      // A lifecycle change remakes the container from the same image, and its new command runs once.
      const again = await remadeFromPrebuilt(second, tag);
      expect(await imageOf(again.containerId)).toEqual([imageId, tag]);
      expect((await inContainer(again.containerId, 'cat /tmp/post-create.log /feature.txt')).stdout).toBe('changed\nhi from the compose feature\n');
    } finally {
      // Also after a failed assertion (down of one already removed is a no-op).
      expect((await preevy('workspace', 'down', firstName, '--yes')).exitCode).toBe(0);
      expect((await preevy('workspace', 'down', secondName, '--yes')).exitCode).toBe(0);
      // This run's image: left on the host as a cache by down, removed here.
      if (tag) await execFile('docker', ['image', 'rm', tag]);
    }
    expect(await labelledResources(`ws-${firstName}`)).toEqual([]);
    expect(await labelledResources(`ws-${secondName}`)).toEqual([]);
  });
});
