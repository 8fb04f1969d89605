export { execFileRunner, ProcessStartError } from './process-runner.js';
export type { ProcessResult, ProcessRunner, RunOptions } from './process-runner.js';
export { spawnAttached } from './spawn-attached.js';
export type { AttachedRunner } from './spawn-attached.js';
export { pipeProcesses } from './pipe-processes.js';
export type { PipeCommand, PipeResult, PipeSideResult, ProcessPipe } from './pipe-processes.js';
export { directComposeRunner, dockerProcessRunner, findComposePlugin } from './compose-plugin.js';
