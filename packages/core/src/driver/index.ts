export type { DockerConnection, DockerHost, DockerHostDriver, DriverFactory, DriverOptionDescriptor, EnsureHostRequest } from './docker-host-driver.js';
