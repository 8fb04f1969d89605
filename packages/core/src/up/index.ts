export { AGENT_SERVICE, agentStatePort } from './agent-service.js';
export type { TunnelEndpoint } from './agent-service.js';
export { down } from './down.js';
export type { DownResult } from './down.js';
export { probeUrl } from './probe-url.js';
export { DEFAULT_AGENT_BASE_IMAGE, up } from './up.js';
export type { ServiceUrl, UpDeps, UpRequest, UpResult } from './up.js';
export { transformModel } from './transform-model.js';
