import type { DockerConnection } from '../driver/docker-host-driver.js';
import { PreevyError } from '../errors/preevy-error.js';
import type { WorkspaceRecord } from '../profiles/profile-schema.js';
import { execFileRunner, type ProcessRunner } from '../process/process-runner.js';
import { dockerCli } from '../up/agent-state-reader.js';

/** The workspace container's state as its host reports it (`running`, `exited`, …), `missing` when it is gone. */
export const workspaceState = async (ws: Pick<WorkspaceRecord, 'containerId'>, conn: Pick<DockerConnection, 'dockerHost'>, run: ProcessRunner = execFileRunner): Promise<string> => {
  const res = await dockerCli(run, conn.dockerHost)(['inspect', '--format', '{{.State.Status}}', ws.containerId]);
  return res.exitCode === 0 ? res.stdout.trim() : 'missing';
};

/** Stops the workspace container (its volume and the container stay). */
export const stopWorkspace = async (ws: Pick<WorkspaceRecord, 'containerId' | 'name'>, conn: Pick<DockerConnection, 'dockerHost'>, run: ProcessRunner = execFileRunner): Promise<void> => {
  const res = await dockerCli(run, conn.dockerHost)(['stop', '--time', '10', ws.containerId]);
  if (res.exitCode !== 0) {
    throw new PreevyError(`Could not stop workspace ${ws.name}: ${res.stderr.trim()}`, { code: 'WORKSPACE_STOP_FAILED', kind: 'unavailable', suggestions: ['`preevy workspace up` remakes a container that is gone.'] });
  }
};
