/** What kind of thing happened on the SSH connection (idle-stop only needs "something did"). */
export type ActivityKind = 'session' | 'channel' | 'data';

export type ActivityCallback = (kind: ActivityKind) => void;

/**
 * Calls `callback` at most once per `intervalMs` (leading edge): data flows in many small
 * chunks, and the idle tracker only needs to know the last time anything happened.
 */
export const throttleActivity = (callback: ActivityCallback, intervalMs: number, now: () => number = Date.now): ActivityCallback => {
  let last = -Infinity;
  return (kind) => {
    const t = now();
    if (t - last < intervalMs) return;
    last = t;
    callback(kind);
  };
};
