import { dockerDriver, PreevyError, type DriverFactory, type DriverOptionDescriptor, type DriverOptionTypes } from '@preevy/core';
import { KUBE_POD_OPTIONS } from '@preevy/driver-kube-pod/options';
import { EC2_OPTIONS, SSH_OPTIONS } from '@preevy/driver-vm/options';

/** A driver the CLI knows: its options (cheap, for flags) and how to load it (on use only). */
export interface DriverEntry {
  name: string;
  options: readonly DriverOptionDescriptor[];
  load: () => Promise<DriverFactory>;
}

/**
 * Every driver, by name. cli is the composition root: the only place that knows them. A driver
 * package is imported when a command uses it, so `up` on docker never loads the Kubernetes client.
 */
export const DRIVERS: readonly DriverEntry[] = [
  { name: dockerDriver.name, options: dockerDriver.options, load: async () => dockerDriver },
  { name: 'kube-pod', options: KUBE_POD_OPTIONS, load: async () => (await import('@preevy/driver-kube-pod')).kubePodDriver },
  { name: 'ssh', options: SSH_OPTIONS, load: async () => (await import('@preevy/driver-vm')).sshDriver },
  { name: 'ec2', options: EC2_OPTIONS, load: async () => (await import('@preevy/driver-vm/ec2')).ec2Driver },
];

/** The entry of `name`, or DRIVER_UNKNOWN listing the drivers there are. */
export const driverEntry = (name: string): DriverEntry => {
  const entry = DRIVERS.find((d) => d.name === name);
  if (entry) return entry;
  throw new PreevyError(`Unknown driver "${name}"`, {
    code: 'DRIVER_UNKNOWN',
    kind: 'invalid-input',
    suggestions: [`Drivers: ${DRIVERS.map((d) => d.name).join(', ')} (--driver, x-preevy.driver or the profile's driver).`],
  });
};

/** Every driver's option types, for checking `x-preevy.drivers` when the project loads. */
export const DRIVER_OPTION_TYPES: DriverOptionTypes = Object.fromEntries(DRIVERS.map((d) => [d.name, Object.fromEntries(d.options.map((o) => [o.name, o.type]))]));
