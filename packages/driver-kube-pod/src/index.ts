export { waitForDeployment } from './deployment-rollout.js';
export type { DeploymentRef, RolloutOptions } from './deployment-rollout.js';
export { loadKubeConfig } from './kube-config.js';
export type { KubeConfigSource } from './kube-config.js';
export { kubeError } from './kube-errors.js';
export { execInPod } from './pod-exec.js';
export type { ContainerRef, ExecOptions, ExecResult } from './pod-exec.js';
export { forwardPort } from './port-forward.js';
export type { LocalPortForward, PodPort, PortForwardOptions } from './port-forward.js';
