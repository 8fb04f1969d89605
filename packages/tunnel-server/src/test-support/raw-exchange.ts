import { connect as netConnect, type Socket } from 'node:net';

export interface RawExchange {
  text: string;
  /** True when the server closed the connection before the timeout. */
  closed: boolean;
}

/** Sends raw bytes to a loopback port and collects what comes back until the server closes (or the timeout). */
export const rawExchange = (
  port: number,
  write: (sock: Socket) => void,
  { timeoutMs = 5_000, localAddress }: { timeoutMs?: number; localAddress?: string } = {},
): Promise<RawExchange> =>
  new Promise((resolve) => {
    const sock = netConnect({ host: '127.0.0.1', port, ...(localAddress ? { localAddress } : {}) });
    let text = '';
    const timer = setTimeout(() => (sock.destroy(), resolve({ text, closed: false })), timeoutMs);
    sock.on('data', (d: Buffer) => (text += d.toString('latin1')));
    sock.on('close', () => (clearTimeout(timer), resolve({ text, closed: true })));
    sock.on('error', () => {});
    sock.on('connect', () => write(sock));
  });
