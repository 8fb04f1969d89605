import { describe, expect, it } from 'vitest';
import { pipeProcesses } from './pipe-processes.js';
import { ProcessStartError } from './process-runner.js';

const MB = 1024 * 1024;
const sh = (script: string) => ({ file: 'sh', args: ['-c', script] });

// Real `sh` programs at both ends: what matters here is how two processes and a pipe behave.
describe('pipeProcesses', () => {
  it('should stream every byte from one program into the other and count them', async () => {
    let reported = 0;
    const res = await pipeProcesses(sh('head -c 20971520 /dev/zero'), sh('wc -c'), { onBytes: (n) => (reported = n) });
    expect(res).toEqual({ bytes: 20 * MB, from: { exitCode: 0, stderr: '' }, to: { exitCode: 0, stderr: '', stdout: `${20 * MB}\n` } });
    expect(reported).toBe(20 * MB);
  });

  it('should hold the producer back while the consumer is slow (backpressure)', async () => {
    let seen = 0;
    const running = pipeProcesses(sh('head -c 104857600 /dev/zero'), sh('sleep 0.5; cat >/dev/null'), { onBytes: (n) => (seen = n) });
    await new Promise((r) => setTimeout(r, 300));
    // What fits in two pipes and a batch or two, not the 100 MiB the producer would write.
    expect(seen).toBeLessThan(4 * MB);
    expect((await running).bytes).toBe(100 * MB);
  });

  it('should stop the producer when the consumer fails, with both stderr tails', async () => {
    const started = Date.now();
    const res = await pipeProcesses(sh('echo saving >&2; exec cat /dev/zero'), sh('head -c 1000 >/dev/null; echo "no space left" >&2; exit 3'));
    expect(res.to).toMatchObject({ exitCode: 3, stderr: 'no space left\n' });
    // The producer may also see its pipe break before it is stopped: its tail starts with what it said.
    expect(res.from).toMatchObject({ stopped: true, stderr: expect.stringMatching(/^saving\n/) as unknown });
    expect(res.from.exitCode).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('should stop a producer that hangs without writing when the consumer exits early, even with 0', async () => {
    const res = await pipeProcesses(sh('exec sleep 60'), sh('exit 0'));
    expect(res.from).toMatchObject({ exitCode: 128 + 15, stopped: true });
    expect(res.to.exitCode).toBe(0);
  });

  it('should stop the consumer when the producer fails, instead of waiting on a truncated stream', async () => {
    // This consumer never exits by itself: without the kill the pipe would hang.
    const res = await pipeProcesses(sh('head -c 1000 /dev/zero; echo "image not found" >&2; exit 2'), sh('exec sleep 60'));
    expect(res.from).toEqual({ exitCode: 2, stderr: 'image not found\n' });
    expect(res.to).toMatchObject({ exitCode: 128 + 15, stopped: true });
  });

  it('should stop both ends when aborted', async () => {
    const controller = new AbortController();
    const running = pipeProcesses(sh('exec cat /dev/zero'), sh('exec cat >/dev/null'), { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    const res = await running;
    expect(res.from.stopped).toBe(true);
    expect(res.to.stopped).toBe(true);
    expect(res.bytes).toBeGreaterThan(0);
  });

  it('should keep only the end of a long stderr', async () => {
    const res = await pipeProcesses(sh('i=0; while [ $i -lt 20000 ]; do echo "line $i" >&2; i=$((i+1)); done'), sh('cat >/dev/null'));
    expect(res.from.stderr.length).toBeLessThanOrEqual(64 * 1024);
    expect(res.from.stderr.endsWith('line 19999\n')).toBe(true);
  });

  it('should reject with ProcessStartError naming a program that cannot start, and stop the other', async () => {
    const started = Date.now();
    await expect(pipeProcesses(sh('exec sleep 60'), { file: 'preevy-no-such-program', args: [] })).rejects.toBeInstanceOf(ProcessStartError);
    await expect(pipeProcesses({ file: 'preevy-no-such-program', args: [] }, sh('exec sleep 60'))).rejects.toThrow(/preevy-no-such-program/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
