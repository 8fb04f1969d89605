export * from './errors/index.js';
export { isLevelEnabled, LOG_LEVELS, silentLogger } from './logger.js';
export type { Logger, LogLevel } from './logger.js';
export { silentProgress } from './progress.js';
export type { ProgressReporter } from './progress.js';
export { preevyHome } from './paths.js';
