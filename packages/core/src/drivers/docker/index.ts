export { createDockerDriver, dockerDriver } from './docker-driver.js';
export type { DockerDriverOptions } from './docker-driver.js';
