import type { ComposeModel } from './compose-model.js';

/** The services `up` deploys: the named ones and what they depend on (every service when none is named). Pure. */
export const deployedServices = (model: ComposeModel, services: readonly string[] | undefined): string[] => {
  if (!services?.length) return Object.keys(model.services);
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name) || !model.services[name]) return;
    seen.add(name);
    model.services[name].dependsOn.forEach(visit);
  };
  services.forEach(visit);
  return [...seen];
};
