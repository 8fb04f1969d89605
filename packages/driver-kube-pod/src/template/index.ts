export { hostId, MAX_HOST_ID_LENGTH } from './host-id.js';
export type { KubeObject } from './kube-object.js';
export { renderHostTemplate } from './render-template.js';
export type { RenderedTemplate, RenderHostTemplateRequest } from './render-template.js';
export { DEFAULT_TEMPLATE, ROOTLESS_TEMPLATE } from './shipped-templates.js';
export { templateVariables, yamlEntries } from './template-variables.js';
export type { HostTemplateContext } from './template-variables.js';
export { validateHostObjects } from './validate-objects.js';
export type { HostObjectsCheck, ValidatedHostObjects } from './validate-objects.js';
