import type { Reporter, TestModule, Vitest } from 'vitest/node';

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

/**
 * Prints the test count of every tier, then one `N passed, N failed` line for the whole run.
 * Fails the run when a tier that was asked for ran no test, or when any test was skipped:
 * a silently skipped test would read as a green one.
 */
export default class TierSummaryReporter implements Reporter {
  private tiers: string[] = [];

  onInit(vitest: Vitest): void {
    this.tiers = vitest.projects.map((p) => p.name);
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = new Map<string, Counts>(this.tiers.map((t) => [t, { passed: 0, failed: 0, skipped: 0 }]));
    for (const mod of testModules) {
      const tier = counts.get(mod.project.name) ?? { passed: 0, failed: 0, skipped: 0 };
      counts.set(mod.project.name, tier);
      if (mod.state() === 'failed' && [...mod.children.allTests()].length === 0) tier.failed += 1; // a file that failed to load
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') tier.passed += 1;
        else if (state === 'failed') tier.failed += 1;
        else tier.skipped += 1;
      }
    }

    const problems: string[] = [];
    const total: Counts = { passed: 0, failed: 0, skipped: 0 };
    const lines = ['', 'Tests by tier:'];
    for (const [tier, c] of counts) {
      lines.push(`  ${tier.padEnd(6)} ${String(c.passed).padStart(4)} passed ${String(c.failed).padStart(4)} failed ${String(c.skipped).padStart(4)} skipped`);
      total.passed += c.passed;
      total.failed += c.failed;
      total.skipped += c.skipped;
      if (c.passed + c.failed === 0) problems.push(`tier "${tier}" ran no test`);
      if (c.skipped > 0) problems.push(`tier "${tier}" skipped ${c.skipped} test(s): no test may be skipped (a missing prerequisite must fail)`);
    }
    for (const p of problems) lines.push(`  FAIL: ${p}`);
    lines.push(`${total.passed} passed, ${total.failed + problems.length} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
    process.stdout.write(`${lines.join('\n')}\n`);
    if (problems.length) process.exitCode = 1;
  }
}
