export { dockerEnv } from './docker-host-driver.js';
export type { DockerConnection, DockerHost, DockerHostDriver, DriverChoice, DriverContext, DriverFactory, DriverResolver, DriverOptionDescriptor, EnsureHostRequest, HostSelfStop, ListedHost, Reachability, TunnelAddress } from './docker-host-driver.js';
export { chooseDriver, resolveDriverOptions } from './resolve-driver-options.js';
export type { DriverOptionLayers } from './resolve-driver-options.js';
export { listenOnLoopback, remoteAgentReaches } from './loopback-listener.js';
export type { LoopbackListener, LoopbackListenerOptions } from './loopback-listener.js';
