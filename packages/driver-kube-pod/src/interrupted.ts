import { PreevyError } from '@preevy/core';

/** The error of a wait the user stopped (Ctrl-C aborts the request's signal). */
export const interruptedError = (what: string): PreevyError =>
  new PreevyError(`Interrupted while ${what}`, {
    code: 'INTERRUPTED',
    kind: 'interrupted',
    suggestions: ['Run the command again: it resumes where it stopped.'],
  });

/** Throws INTERRUPTED when the signal is aborted. */
export const throwIfAborted = (signal: AbortSignal | undefined, what: string): void => {
  if (signal?.aborted) throw interruptedError(what);
};

/**
 * Settles with `work`, or rejects with INTERRUPTED as soon as the signal aborts. A request already
 * sent is left to finish in the background (the client's typed APIs take no signal): a wait only
 * reads, so nothing changes after the user stopped it.
 */
export const unlessAborted = <T>(work: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> => {
  if (signal === undefined) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(interruptedError(what));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(interruptedError(what));
    signal.addEventListener('abort', onAbort, { once: true });
    work.finally(() => signal.removeEventListener('abort', onAbort)).then(resolve, reject);
  });
};

/** Sleeps, or rejects with INTERRUPTED as soon as the signal aborts. */
export const sleepUnlessAborted = (ms: number, signal: AbortSignal | undefined, what: string): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  return unlessAborted(
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
    signal,
    what,
  ).finally(() => clearTimeout(timer));
};
