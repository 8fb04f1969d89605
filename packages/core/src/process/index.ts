export { execFileRunner, ProcessStartError } from './process-runner.js';
export type { ProcessResult, ProcessRunner, RunOptions } from './process-runner.js';
