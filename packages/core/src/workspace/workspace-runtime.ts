import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { DEFAULT_AGENT_BASE_IMAGE, LABELS, MANAGED_BY } from '@preevy/tunnel-protocol';
import type { DockerConnection } from '../driver/docker-host-driver.js';
import { PreevyError } from '../errors/preevy-error.js';
import { ensureImage, type ImageContext } from '../images/ensure-image.js';
import { LOCAL_ENGINE } from '../images/inspect-image.js';
import { transferImages } from '../images/transfer-images.js';
import type { ProgressReporter } from '../progress.js';
import type { ProcessPipe } from '../process/pipe-processes.js';
import type { ProcessRunner } from '../process/process-runner.js';
import type { DockerCli } from '../up/agent-state-reader.js';

/** One volume per Docker host holds every runtime version, each in a folder named after its image tag. */
export const RUNTIME_VOLUME = 'preevy-workspace-runtime';
/** Where that volume is mounted in every workspace container. */
export const RUNTIME_MOUNT = '/.preevy';

export interface WorkspaceRuntime {
  /** The folder of this version inside the container, e.g. `/.preevy/3f2a…`. */
  dir: string;
  /** sha256 of the agent bundle as this CLI built it: the launcher refuses any other. */
  agentSha256: string;
}

export interface RuntimeRequest {
  /** The runtime image's inputs (templates/workspace/Dockerfile and the agent bundle). */
  context: ImageContext;
  baseImage?: string | undefined;
  /** The image with sh and cp the runtime stage is copied onto (the sync's helper image, on the host anyway). */
  helperImage: string;
  conn: Pick<DockerConnection, 'dockerHost' | 'seesLocalFiles'>;
  docker: DockerCli;
  run: ProcessRunner;
  pipe: ProcessPipe;
  /** Shows the image transfer to a host that cannot see local files. */
  progress?: ProgressReporter | undefined;
  signal?: AbortSignal | undefined;
}

const failed = (what: string, stderr: string): PreevyError =>
  new PreevyError(`Installing the workspace runtime on the Docker host failed: ${what}`, {
    code: 'WORKSPACE_RUNTIME_FAILED',
    kind: 'unavailable',
    suggestions: ['Check that the Docker host answers and has free disk space; run again with --debug.'],
    cause: new Error(stderr.trim().split('\n').slice(-10).join('\n')),
  });

/**
 * Makes sure the host's runtime volume has this CLI's runtime (Node.js with its libraries and the
 * agent bundle): built once per content as an image (on the host when it sees local files, else
 * locally and sent), copied out into the volume once, then found by a marker volume in one listing.
 */
export const ensureWorkspaceRuntime = async ({ context, baseImage = DEFAULT_AGENT_BASE_IMAGE, helperImage, conn, docker, run, pipe, progress, signal }: RuntimeRequest): Promise<WorkspaceRuntime> => {
  const bundle = context.files.find((f) => f.name.endsWith('/agent.mjs') || f.name === 'agent.mjs');
  if (!bundle) throw new PreevyError('The workspace runtime has no agent bundle', { code: 'IMAGE_INPUT_MISSING', kind: 'internal', suggestions: ['Rebuild preevy.'] });
  const agentSha256 = createHash('sha256').update(await readFile(bundle.source)).digest('hex');
  const buildOn = conn.seesLocalFiles ? conn : LOCAL_ENGINE;
  const { tag } = await ensureImage({ repository: 'preevy/workspace-runtime', context, buildArgs: { BASE_IMAGE: baseImage, HELPER_IMAGE: helperImage }, dockerHost: buildOn.dockerHost, run });
  const version = tag.slice(tag.lastIndexOf(':') + 1);
  const dir = `${RUNTIME_MOUNT}/${version}`;
  const marker = `${RUNTIME_VOLUME}.${version}`;

  const listed = await docker(['volume', 'ls', '--quiet', '--filter', `name=${RUNTIME_VOLUME}`]);
  if (listed.exitCode !== 0) throw failed('could not list its volumes', listed.stderr);
  if (listed.stdout.split('\n').includes(marker)) return { dir, agentSha256 };

  if (!conn.seesLocalFiles) await transferImages({ images: [tag], from: LOCAL_ENGINE, to: conn, run, pipe, progress, signal });
  const labels = ['--label', `${LABELS.managedBy}=${MANAGED_BY}`];
  // Copied into a temporary folder and renamed, so a cut copy never looks complete.
  const copy = await docker([
    'run', '--rm', '--network', 'none', ...labels, '-v', `${RUNTIME_VOLUME}:/out`, '--entrypoint', 'sh', tag, '-c',
    `set -e; rm -rf /out/${version}.tmp; cp -a /opt/preevy /out/${version}.tmp; rm -rf /out/${version}; mv /out/${version}.tmp /out/${version}`,
  ]);
  if (copy.exitCode !== 0) throw failed(`could not copy it into volume ${RUNTIME_VOLUME}`, copy.stderr);
  await docker(['volume', 'create', ...labels, marker]);
  return { dir, agentSha256 };
};

/**
 * Node code run with `-e` before the agent: it hashes the bundle and imports it only when the hash
 * is the one this CLI built, so a swapped file in the volume is refused, not run.
 */
const VERIFY = [
  "import{createHash as h}from'node:crypto';import{readFileSync as r}from'node:fs';import{pathToFileURL as u}from'node:url';",
  'const[,e,f]=process.argv;',
  "if(h('sha256').update(r(f)).digest('hex')!==e){process.stderr.write('preevy: the workspace agent bundle does not match its checksum; refusing to run it. Run preevy workspace up again.\\n');process.exit(97)}",
  'process.argv.splice(1,2,f);await import(u(f).href)',
].join('');

/** The command that runs the agent in a workspace container with `args`, checksum first. Pure. */
export const agentCommand = ({ dir, agentSha256 }: WorkspaceRuntime, args: readonly string[]): string[] => [
  `${dir}/lib/ld.so`, '--library-path', `${dir}/lib`, `${dir}/node`, '--input-type=module', '-e', VERIFY, '--', agentSha256, `${dir}/agent.mjs`, ...args,
];
