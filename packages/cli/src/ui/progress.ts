import type { ProgressReporter } from '@preevy/core';
import { formatDuration } from './format-duration.js';

export interface ProgressOptions {
  write: (s: string) => void;
  /** Animate a spinner on one line; false prints one plain line per event (CI logs, pipes, `--json`). */
  interactive: boolean;
  now?: () => number;
  setInterval?: (fn: () => void, ms: number) => { unref?: () => void };
  clearInterval?: (handle: ReturnType<NonNullable<ProgressOptions['setInterval']>>) => void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const CLEAR_LINE = '\r\x1b[2K';

/** Step progress for the CLI: a spinner on a terminal, plain lines anywhere else. */
export const createProgress = ({
  write,
  interactive,
  now = () => performance.now(),
  setInterval: startTimer = (fn, ms) => setInterval(fn, ms),
  clearInterval: stopTimer = (h) => clearInterval(h as NodeJS.Timeout),
}: ProgressOptions): ProgressReporter => {
  let active = 0;

  const plainStep = async <T>(title: string, fn: () => Promise<T>): Promise<T> => {
    const started = now();
    write(`${title} ...\n`);
    try {
      const result = await fn();
      write(`${title}: done (${formatDuration(now() - started)})\n`);
      return result;
    } catch (err) {
      write(`${title}: failed (${formatDuration(now() - started)})\n`);
      throw err;
    }
  };

  const spinnerStep = async <T>(title: string, fn: () => Promise<T>): Promise<T> => {
    const started = now();
    let frame = 0;
    const render = (): void => write(`${CLEAR_LINE}${FRAMES[frame++ % FRAMES.length]} ${title} (${formatDuration(now() - started)})`);
    render();
    const timer = startTimer(render, 100);
    timer.unref?.();
    const finish = (mark: string): void => {
      stopTimer(timer);
      write(`${CLEAR_LINE}${mark} ${title} (${formatDuration(now() - started)})\n`);
    };
    try {
      const result = await fn();
      finish('✔');
      return result;
    } catch (err) {
      finish('✖');
      throw err;
    }
  };

  return {
    step: async (title, fn) => {
      // Only the outermost step animates; nested steps would fight over the one line.
      const render = interactive && active === 0 ? spinnerStep : plainStep;
      active += 1;
      try {
        return await render(title, fn);
      } finally {
        active -= 1;
      }
    },
  };
};
