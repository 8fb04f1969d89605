/** Reports long-running steps; the CLI decides how they look (spinner on a TTY, plain lines otherwise). */
export interface ProgressReporter {
  /** Runs `fn` as one named step, reporting its start, its end and how long it took. */
  step<T>(title: string, fn: () => Promise<T>): Promise<T>;
}

/** A reporter that shows nothing: the default for library callers and tests. */
export const silentProgress: ProgressReporter = Object.freeze({
  step: <T>(_title: string, fn: () => Promise<T>): Promise<T> => fn(),
});
