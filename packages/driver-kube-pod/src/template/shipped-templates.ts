import { fileURLToPath } from 'node:url';

// templates/ sits at the repo root; this module is four levels below it both as source
// (packages/driver-kube-pod/src/template/) and built (packages/driver-kube-pod/dist/template/).
const shipped = (name: string): string => fileURLToPath(new URL(`../../../../templates/kube-pod/${name}`, import.meta.url));

/** The template used when the `template` option is unset: a privileged dind Deployment. */
export const DEFAULT_TEMPLATE = shipped('default.yaml.njk');

/** A documented alternative without a privileged container, for clusters running Sysbox. */
export const ROOTLESS_TEMPLATE = shipped('rootless-sysbox.yaml.njk');
