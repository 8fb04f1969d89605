export { EC2_OPTIONS, DEFAULT_AMI_NAME, DEFAULT_AMI_OWNER } from './ec2-options.js';
export type { Ec2Options } from './ec2-options.js';
export { ec2Error, validRegion } from './ec2-errors.js';
export { EC2_TAGS, ensureMachine, findMachines, listMachines, removeMachine, resolveAmi, resourceName, specHash } from './ec2-machine.js';
export type { EnsureMachineResult, Machine, MachineOps, MachineRequest, MachineSpec } from './ec2-machine.js';
export { renderUserData, shippedCloudInit } from './user-data.js';
export type { UserData, UserDataInput } from './user-data.js';
export { createEc2Driver, ec2Driver, EC2_HOST_KEY_TAG, EC2_IDLE_STOP_TAG, EC2_LAST_UP_TAG } from './ec2-driver.js';
export type { Ec2DriverDeps, Ec2HostState } from './ec2-driver.js';
