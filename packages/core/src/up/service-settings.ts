import { SERVICE_LABELS } from '@preevy/tunnel-protocol';
import type { ComposeModel } from '../compose/compose-model.js';
import type { XPreevy } from '../compose/x-preevy-schema.js';

/** Labels of one service, by service name. */
export type ServiceLabels = Readonly<Record<string, Readonly<Record<string, string>>>>;

/**
 * `x-preevy.services.<name>` as the `preevy.*` labels the agent reads, so a setting and a label
 * follow one rule; the setting wins over a label the service already has.
 */
export const serviceSettingLabels = (services: XPreevy['services']): ServiceLabels =>
  Object.fromEntries(
    Object.entries(services ?? {}).map(([name, s]) => [
      name,
      {
        ...(s.access === undefined ? {} : { [SERVICE_LABELS.access]: s.access }),
        ...(s.expose === undefined ? {} : { [SERVICE_LABELS.expose]: s.expose.join(',') }),
      },
    ]),
  );

/** The model's services with those labels applied: what the agent will see once deployed. */
export const withServiceLabels = (services: ComposeModel['services'], labels: ServiceLabels): ComposeModel['services'] =>
  Object.fromEntries(Object.entries(services).map(([name, s]) => [name, { ...s, labels: { ...s.labels, ...labels[name] } }]));
