import { Command, Flags, type Interfaces } from '@oclif/core';
import { LOG_LEVELS, type Logger, type ProgressReporter } from '@preevy/core';
import { createProgress } from './ui/progress.js';
import { createLogger } from './ui/stderr-logger.js';

export type GlobalFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>;

/**
 * Global flags, logger and progress for every command. Errors go to the top-level handler in main.ts.
 * Positional arguments set `ignoreStdin`: else oclif reads a missing one from a non-terminal stdin,
 * waiting 10 ms per parse for input that never comes (CI, scripts) and taking piped text as the value.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    profile: Flags.string({
      description: 'Profile to use (default: the current profile).',
      env: 'PREEVY_PROFILE',
      helpGroup: 'GLOBAL',
    }),
    'log-level': Flags.option({
      options: LOG_LEVELS,
      default: 'info' as const,
      description: 'Lowest level of log messages to print (on stderr).',
      env: 'PREEVY_LOG_LEVEL',
      helpGroup: 'GLOBAL',
    })(),
    debug: Flags.boolean({
      description: 'Print debug logs and stack traces of errors.',
      env: 'PREEVY_DEBUG',
      helpGroup: 'GLOBAL',
    }),
  };

  protected flags!: GlobalFlags<T>;
  protected logger!: Logger;
  protected progress!: ProgressReporter;

  override async init(): Promise<void> {
    await super.init();
    const ctor = this.constructor as typeof BaseCommand;
    const { flags } = await this.parse({
      flags: ctor.flags,
      baseFlags: ctor.baseFlags,
      args: ctor.args,
      enableJsonFlag: ctor.enableJsonFlag,
      strict: ctor.strict,
    });
    this.flags = flags as GlobalFlags<T>;
    const stderr = (s: string): void => void process.stderr.write(s);
    this.logger = createLogger({ level: this.flags.debug ? 'debug' : this.flags['log-level'], write: stderr });
    // Progress goes to stderr, so stdout stays clean for results and `--json`.
    this.progress = createProgress({ write: stderr, interactive: Boolean(process.stderr.isTTY) && !this.jsonEnabled() });
  }

  /** Rethrow: main.ts owns error output, so `--json` errors are printed once, in one format. */
  protected override async catch(err: Error & { exitCode?: number }): Promise<never> {
    throw err;
  }
}
