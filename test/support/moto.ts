import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { freePort } from './preevy-e2e.js';

const CACHE = process.env.PREEVY_TEST_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'preevy-test');
/** The venv test/infra/moto.sh installs moto's server into. */
export const MOTO_SERVER = join(CACHE, 'moto', 'bin', 'moto_server');

/** A moto server on loopback, its S3 endpoint, and an environment that reaches it with throwaway credentials only. */
export interface Moto extends AsyncDisposable {
  endpoint: string;
  /** AWS_* variables for the SDK: fixed test credentials, no shared config, no instance metadata. */
  env: NodeJS.ProcessEnv;
  /** `s3://bucket/prefix?endpoint=…` of this server. */
  url(bucket: string, prefix: string): string;
  createBucket(bucket: string): Promise<void>;
  client(): S3Client;
  /** With `record`: the EC2/query API actions made with this access key, in order (moto's recorder). */
  actionsBy(accessKeyId: string): Promise<string[]>;
  stop(): Promise<void>;
}

/** Credentials moto accepts (it checks none unless `auth`); never real ones. */
export const MOTO_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIAPREEVYTEST000000', AWS_SECRET_ACCESS_KEY: 'preevy-test-secret-never-printed' };

/** The SDK must find nothing of the machine's own AWS setup, and never ask instance metadata (a non-loopback address). */
export const isolatedAwsEnv = (credentials: Record<string, string> = MOTO_CREDENTIALS): NodeJS.ProcessEnv => ({
  ...credentials,
  AWS_REGION: 'us-east-1',
  AWS_CONFIG_FILE: '/nonexistent/preevy-test-aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/preevy-test-aws-credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
});

const waitUntilAnswers = async (endpoint: string, child: ChildProcess, log: () => string): Promise<void> => {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}:\n${log()}`);
    const ok = await fetch(`${endpoint}/moto-api/`).then(
      (r) => r.status < 500,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`moto_server did not answer on ${endpoint} within 30 s:\n${log()}`);
};

/**
 * Starts moto's server on 127.0.0.1 on a free port (one per test file). With `auth`, moto checks
 * credentials like AWS does (INITIAL_NO_AUTH_ACTION_COUNT=0): unknown keys are refused.
 */
export const startMoto = async ({ auth = false, record = false }: { auth?: boolean; record?: boolean } = {}): Promise<Moto> => {
  if (!existsSync(MOTO_SERVER)) throw new Error(`moto_server is missing at ${MOTO_SERVER}: run \`npm run infra:setup\` (step moto).`);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let output = '';
  const child = spawn(MOTO_SERVER, ['-H', '127.0.0.1', '-p', String(port)], {
    // The recording goes to a file of this server's own (moto's default is ./moto_recording, shared by every server).
    env: { PATH: process.env.PATH, ...(auth ? { INITIAL_NO_AUTH_ACTION_COUNT: '0' } : {}), ...(record ? { MOTO_ENABLE_RECORDING: 'True', MOTO_RECORDER_FILEPATH: join(mkdtempSync(join(tmpdir(), 'preevy-moto-')), 'recording') } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (b: Buffer) => {
    output = (output + b.toString()).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  try {
    await waitUntilAnswers(endpoint, child, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  if (record) await fetch(`${endpoint}/moto-api/recorder/start-recording`, { method: 'POST' });
  const env = isolatedAwsEnv();
  const client = () =>
    new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: MOTO_CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: MOTO_CREDENTIALS.AWS_SECRET_ACCESS_KEY } });
  return {
    endpoint,
    env,
    url: (bucket, prefix) => `s3://${bucket}/${prefix}?endpoint=${endpoint}`,
    actionsBy: async (accessKeyId) => {
      const text = await (await fetch(`${endpoint}/moto-api/recorder/download-recording`)).text();
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { headers?: Record<string, string>; url: string; body?: string; body_encoded?: boolean })
        .filter((r) => (r.headers?.Authorization ?? r.headers?.authorization ?? '').includes(`Credential=${accessKeyId}/`))
        .map((r) => {
          const body = r.body_encoded ? Buffer.from(r.body ?? '', 'base64').toString() : (r.body ?? '');
          return new URLSearchParams(body).get('Action') ?? new URL(r.url).searchParams.get('Action') ?? '';
        })
        .filter(Boolean);
    },
    createBucket: async (bucket) => {
      await client().send(new CreateBucketCommand({ Bucket: bucket }));
    },
    client,
    stop,
    [Symbol.asyncDispose]: stop,
  };
};
