import { runCommand } from './run-command.js';

export interface Transfer {
  /** MB/s (10^6 bytes), as curl measured it. */
  mbPerSec: number;
  /** Whether the status was 200 and exactly the expected bytes crossed. */
  valid: boolean;
  detail: string;
}

/** Downloads `/big?n=bytes` to /dev/null and checks the byte count curl saw. */
export const download = async (port: number, host: string, bytes: number): Promise<Transfer> => {
  const out = await runCommand('curl', ['-s', '-o', '/dev/null', '-H', `Host: ${host}`, '-w', '%{http_code} %{size_download} %{speed_download}', `http://127.0.0.1:${port}/big?n=${bytes}`]);
  const [code, size, speed] = out.trim().split(' ').map(Number) as [number, number, number];
  return { mbPerSec: speed / 1e6, valid: code === 200 && size === bytes, detail: `status ${code}, ${size} bytes` };
};

/** Uploads a file with `POST /up` (no `Expect: 100-continue` round trip) and checks what the origin counted. */
export const upload = async (port: number, host: string, file: string, bytes: number): Promise<Transfer> => {
  const out = await runCommand('curl', ['-s', '-H', `Host: ${host}`, '-H', 'Expect:', '--data-binary', `@${file}`, '-w', '\n%{http_code} %{speed_upload}', `http://127.0.0.1:${port}/up`]);
  const [body = '', status = ''] = out.trim().split('\n');
  const [code, speed] = status.split(' ').map(Number) as [number, number];
  let received = -1;
  try {
    received = (JSON.parse(body) as { bytes: number }).bytes;
  } catch {
    // an error page instead of the origin's JSON: invalid below
  }
  return { mbPerSec: speed / 1e6, valid: code === 200 && received === bytes, detail: `status ${code}, origin got ${received} bytes` };
};

/** Starts a download that runs until aborted (for the fairness scenario), optionally paced (`50M`: bytes/s); resolves when it ends. */
export const backgroundDownload = (port: number, host: string, signal: AbortSignal, limitRate?: string): Promise<string> =>
  runCommand('curl', ['-s', '-o', '/dev/null', ...(limitRate ? ['--limit-rate', limitRate] : []), '-H', `Host: ${host}`, `http://127.0.0.1:${port}/big?n=${1e12}`], { signal });
