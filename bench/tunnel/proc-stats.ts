import { readFileSync } from 'node:fs';

/** Kernel clock ticks per second for /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = 100;

/** User + system CPU time of a process in microseconds (10 ms resolution). */
export const cpuMicros = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / CLOCK_TICKS;
};

/** Resident set size in KB. */
export const rssKb = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);

/** Summed CPU time of a set of processes over `fn`. */
export const measureCpu = async <T>(pids: number[], fn: () => Promise<T>): Promise<{ result: T; cpuUs: number }> => {
  const total = (): number => pids.reduce((a, p) => a + cpuMicros(p), 0);
  const before = total();
  const result = await fn();
  return { result, cpuUs: total() - before };
};

/** Peak RSS (KB) of each process while `fn` runs, sampled every 20 ms, minus the RSS before. */
export const measureRssGrowth = async <T>(pids: number[], fn: () => Promise<T>): Promise<{ result: T; growthKb: number[] }> => {
  const base = pids.map(rssKb);
  const peak = [...base];
  const timer = setInterval(() => pids.forEach((p, i) => (peak[i] = Math.max(peak[i]!, rssKb(p)))), 20);
  try {
    const result = await fn();
    return { result, growthKb: peak.map((p, i) => p - base[i]!) };
  } finally {
    clearInterval(timer);
  }
};
