import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * Self time per function of a `--cpu-prof` profile, plus the share of time under each package
 * (ssh2, our server, node internals), so "where does the tunnel lose time" has a number.
 */
export const summarizeProfile = (file: string, top = 25): string => {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fns = new Map<string, number>();
  const areas = new Map<string, number>();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const short = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/packages\//, '');
    fns.set(`${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`, (fns.get(`${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`) ?? 0) + us);
    const area = /node_modules\/ssh2\/lib\/protocol\/crypto/.test(url)
      ? 'ssh2 crypto'
      : /node_modules\/ssh2/.test(url)
        ? 'ssh2 other'
        : /packages\/|tunnel-client/.test(url)
          ? 'preevy code'
          : url.startsWith('node:')
            ? 'node internals (streams, net)'
            : url === ''
              ? `native/${functionName}`
              : 'other js';
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const pct = (us: number): string => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
  const lines = [`${file}: ${(total / 1e6).toFixed(2)} s sampled`, 'by area:'];
  for (const [a, us] of [...areas].sort((x, y) => y[1] - x[1]).slice(0, 10)) lines.push(`  ${pct(us)}  ${a}`);
  lines.push('top self time:');
  for (const [f, us] of [...fns].sort((x, y) => y[1] - x[1]).slice(0, top)) lines.push(`  ${pct(us)}  ${f}`);
  return lines.join('\n');
};
