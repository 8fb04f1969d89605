import { Writable, type Readable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import { PreevyError } from '@preevy/core';
import { exitCodeOf } from './exit-status.js';
import { apiServerOf, kubeError } from './kube-errors.js';

export interface ContainerRef {
  namespace: string;
  pod: string;
  container: string;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Sent to the command's stdin, then EOF (the v5 stream protocol closes stdin alone). */
  stdin?: Readable;
  timeoutMs?: number;
}

const collector = (chunks: Buffer[]) =>
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });

/** Runs a command in a container (no TTY) and returns its exit code and output once it ends. */
export const execInPod = async (
  kc: KubeConfig,
  { namespace, pod, container }: ContainerRef,
  command: readonly string[],
  { stdin, timeoutMs = 60_000 }: ExecOptions = {},
): Promise<ExecResult> => {
  const where = `${namespace}/${pod}/${container}`;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let status: V1Status | undefined;
  const ws = await new Exec(kc)
    .exec(namespace, pod, container, [...command], collector(out), collector(err), stdin ?? null, false, (s) => {
      status = s;
    })
    .catch((e: unknown) => {
      throw kubeError(e, `exec in ${where}`, { server: apiServerOf(kc), needs: 'create pods/exec' });
    });
  const closed = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      ws.terminate();
      resolve(false);
    }, timeoutMs);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  const stderr = Buffer.concat(err).toString('utf8');
  if (!closed) {
    throw new PreevyError(`\`${command.join(' ')}\` in ${where} did not finish within ${timeoutMs} ms`, {
      code: 'KUBE_EXEC_TIMEOUT',
      kind: 'unavailable',
      suggestions: ['Check the pod (kubectl describe pod) and whether the command waits for input.'],
    });
  }
  const exitCode = status === undefined ? undefined : exitCodeOf(status);
  if (exitCode === undefined) {
    const why = status?.message ?? (stderr.trim() || 'the connection closed without an exit status');
    throw new PreevyError(`\`${command.join(' ')}\` could not run in ${where}: ${why}`, {
      code: 'KUBE_EXEC_FAILED',
      kind: 'unavailable',
      suggestions: ['Check that the container is running and has that command (kubectl describe pod).'],
    });
  }
  return { exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr };
};
