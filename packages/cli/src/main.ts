import { flush, run } from '@oclif/core';
import { formatErrorJson, formatErrorText, silentExitCode, toErrorReport } from './error-report.js';

export interface MainIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const processIo: MainIo = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
};

/** The CLI's single top-level error handler: runs oclif and turns any failure into output and an exit code. */
export const main = async (argv: readonly string[], root: string, io: MainIo = processIo): Promise<number> => {
  try {
    await run([...argv], root);
    await flush();
    // A command that passes on another program's exit code (`workspace ssh`) sets process.exitCode.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    const report = toErrorReport(err, { debug: argv.includes('--debug') });
    if (!report) return silentExitCode(err);
    if (argv.includes('--json')) io.stdout(formatErrorJson(report));
    else io.stderr(formatErrorText(report));
    return report.exitCode;
  }
};
