import { Args, Flags } from '@oclif/core';
import { logs, type LogsResult } from '@preevy/core';
import { BaseCommand } from '../base-command.js';
import { composeFlags } from '../compose-flags.js';
import { commandDriver, driverFlags } from '../drivers/driver-flags.js';
import { envIdFromFlags, resolveProfile } from '../environment-context.js';

export default class Logs extends BaseCommand<typeof Logs> {
  static override summary = "Print the logs of an environment's services (all but the preevy agent unless named).";
  static override examples = ['<%= config.bin %> logs --id my-feature', '<%= config.bin %> logs web --follow --tail 100', '<%= config.bin %> logs preevy_agent --since 10m --timestamps'];
  static override strict = false;
  static override args = { service: Args.string({ ignoreStdin: true, description: 'Only these services (default: all but the agent).' }) };
  static override flags = {
    ...composeFlags,
    id: Flags.string({ description: 'Environment id (default: derived as `up` derives it).', env: 'PREEVY_ENV_ID' }),
    // No `-f`: it is the compose file flag, as in docker compose.
    follow: Flags.boolean({ description: 'Keep printing new lines until interrupted.' }),
    tail: Flags.integer({ description: 'Only the last N lines of each service.', min: 0 }),
    since: Flags.string({ description: 'Only lines since a timestamp (2024-01-02T15:04:05Z) or for a duration (10m).' }),
    timestamps: Flags.boolean({ description: 'Prefix every line with its timestamp.' }),
    ...driverFlags,
  };

  async run(): Promise<LogsResult> {
    const { argv } = await this.parse(Logs);
    const f = this.flags;
    const { store, profile } = await resolveProfile(f.profile);
    const envId = await envIdFromFlags(f);
    const result = await logs(
      { envId, services: argv as string[], follow: f.follow, tail: f.tail, since: f.since, timestamps: f.timestamps },
      { envs: store.envs(profile.name), profile, driver: commandDriver(store, profile, f) },
    );
    if (!result.services.length) this.logger.warn(`${envId} has no services besides the agent: run \`preevy up\`, or name preevy_agent.`);
    return result;
  }
}
