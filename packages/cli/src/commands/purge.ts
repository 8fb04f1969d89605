import { Flags } from '@oclif/core';
import { EXIT_CODES, purge, type PurgeResult } from '@preevy/core';
import { BaseCommand } from '../base-command.js';
import { commandDriver, driverFlags } from '../drivers/driver-flags.js';
import { resolveProfile } from '../environment-context.js';
import { withInterruptSignal } from '../interrupt-signal.js';
import { formatAge, parseAge } from '../ui/age.js';
import { renderTable } from '../ui/render-table.js';

export default class Purge extends BaseCommand<typeof Purge> {
  static override summary = 'Remove the environments of the profile whose last up is older than an age (pull requests whose down never ran).';
  static override description =
    'Each environment goes through its own driver, as `preevy down` removes it. One that fails is reported and the others still go; then the exit code is 6. An environment with no time of its last up is never removed by age.';
  static override examples = ['<%= config.bin %> purge --older-than 7d --dry-run', '<%= config.bin %> purge --older-than 14d --json'];
  static override flags = {
    'older-than': Flags.string({ description: 'Age of the last up: 30m, 12h, 7d, 2w.', required: true }),
    'dry-run': Flags.boolean({ description: 'Only list what would be removed.' }),
    ...driverFlags,
  };

  async run(): Promise<PurgeResult> {
    const f = this.flags;
    const olderThanMs = parseAge(f['older-than']);
    const { store, profile } = await resolveProfile(f.profile);
    const result = await withInterruptSignal((signal) =>
      purge({ olderThanMs, dryRun: f['dry-run'] }, { envs: store.envs(profile.name), profile, driver: commandDriver(store, profile, f), progress: this.progress, signal }),
    );
    const now = new Date();
    const rows = [
      ...result.removed.map((e) => [e.envId, e.driver, formatAge(e.lastUpAt, now), result.dryRun ? 'would be removed' : 'removed']),
      ...result.failed.map((e) => [e.envId, e.driver, formatAge(e.lastUpAt, now), `FAILED: ${e.error.code}: ${e.error.message}`]),
    ];
    this.log(rows.length ? renderTable(['env id', 'driver', 'last up', 'result'], rows) : `No environment of ${profile.name} was last up before ${result.cutoff}.`);
    if (result.undated.length) this.warn(`Not removed, no time of their last up: ${result.undated.join(', ')}`);
    if (result.failed.length) {
      // The result is the report either way; the exit code tells CI that something was left.
      if (this.jsonEnabled()) this.logJson(result);
      this.exit(EXIT_CODES.unavailable);
    }
    return result;
  }
}
