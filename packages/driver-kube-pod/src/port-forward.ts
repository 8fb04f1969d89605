import type { Socket } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import { PortForward, type KubeConfig } from '@kubernetes/client-node';
import { listenOnLoopback, type LoopbackListener } from '@preevy/core';
import { messageOf } from './kube-errors.js';

/** Finds the pod to forward to, e.g. the ready pod of a Deployment. */
export type PodResolver = () => Promise<string>;

export interface PodPort {
  namespace: string;
  /**
   * The pod, or how to find it. A resolver is asked when a connection arrives; its answer is reused
   * until a connection to that pod fails, so a replaced pod (restart, rollout) is found again.
   */
  pod: string | PodResolver;
  port: number;
}

/** A local listener on 127.0.0.1 whose every connection reaches a pod's port through the API server; `lastError` is what the API server last reported (e.g. nothing listens on the pod port). */
export type LocalPortForward = LoopbackListener;

export interface PortForwardOptions {
  /** 0 (the default) picks a free port. */
  localPort?: number;
  /** Injected for tests; the client's WebSocket port-forward by default. */
  portForward?: Pick<PortForward, 'portForward'>;
}

type ForwardSocket = Awaited<ReturnType<PortForward['portForward']>>;
type WebSocket = Exclude<ForwardSocket, () => unknown>;

/** Stop reading the local socket while this much is queued towards the API server. */
const SEND_HIGH_WATER = 1024 * 1024;

/**
 * Sends what the local socket reads as data frames (channel 0) with backpressure: the client's own
 * input handling neither waits for the WebSocket to drain nor survives a half-close, because it
 * closes the whole WebSocket at the first EOF (the v4 port-forward protocol cannot half-close).
 */
const pumpToPod = (socket: Socket, ws: WebSocket): void => {
  socket.on('data', (chunk: Buffer) => {
    const frame = Buffer.allocUnsafe(chunk.length + 1);
    frame[0] = 0;
    chunk.copy(frame, 1);
    ws.send(frame, (err) => {
      if (err) socket.destroy();
      else if (ws.bufferedAmount < SEND_HIGH_WATER) socket.resume();
    });
    if (ws.bufferedAmount >= SEND_HIGH_WATER) socket.pause();
  });
  // A local EOF cannot be passed on: keep the stream open so the reply still arrives (e.g. the
  // docker CLI half-closes an attach stream at once); the pod side ends it.
  socket.on('end', () => undefined);
  socket.resume();
};

/** How long a stream whose local end is gone waits for the API server's close frame. */
const CLOSE_GRACE_MS = 1000;

/**
 * Closes the stream, and drops its connection if the API server does not answer the close frame in
 * time: the WebSocket client would otherwise wait 30 s for it, keeping the CLI alive after its work.
 */
const closeStream = (ws: WebSocket): void => {
  ws.close();
  const timer = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
  timer.unref();
  ws.once('close', () => clearTimeout(timer));
};

/** A resolver's answer, shared by concurrent connections and forgotten when one of them fails. */
const podCache = (pod: string | PodResolver) => {
  let cached: Promise<string> | undefined;
  const forget = (name: Promise<string>): void => {
    if (cached === name) cached = undefined;
  };
  /** `reused`: the answer came from the cache, so a failure may mean it is stale. */
  const get = (): { name: Promise<string>; reused: boolean } => {
    if (typeof pod === 'string') return { name: Promise.resolve(pod), reused: false };
    const reused = cached !== undefined;
    const name = (cached ??= pod());
    name.catch(() => forget(name)); // a failed lookup is not kept
    return { name, reused };
  };
  return { get, forget };
};

/**
 * Forwards 127.0.0.1:<localPort> to a pod port, one WebSocket stream per accepted connection, like
 * `kubectl port-forward`. Never binds another address: the pod's port stays private to this machine.
 */
export const forwardPort = async (
  kc: KubeConfig,
  { namespace, pod, port }: PodPort,
  { localPort = 0, portForward = new PortForward(kc) }: PortForwardOptions = {},
): Promise<LocalPortForward> => {
  const target = podCache(pod);

  const relay = (socket: Socket, fail: (why: string) => void) => {
    let ws: WebSocket | undefined;
    let draining = false;
    // Replies from the pod, paused at the WebSocket while the local reader is slow (frames it had
    // already read still arrive: one drain listener serves them all).
    const fromPod = new Writable({
      write(chunk: Buffer, _encoding, done) {
        if (chunk.length > 0 && !socket.write(chunk) && !draining) {
          draining = true;
          ws?.pause();
          socket.once('drain', () => {
            draining = false;
            ws?.resume();
          });
        }
        done();
      },
    });
    // The API server reports a failed dial (nothing listening, pod gone) on the error channel. Its
    // first frame only carries the port number, which the client strips, leaving an empty chunk.
    let podName: Promise<string> | undefined;
    const errors = new Writable({
      write(chunk: Buffer, _encoding, done) {
        if (chunk.length > 0) {
          fail(chunk.toString('utf8').trim());
          // Also the sign of a pod on its way out: the next connection looks it up again. This
          // one cannot be retried, its first bytes are already gone.
          if (podName) target.forget(podName);
          socket.destroy();
        }
        done();
      },
    });
    const connect = (retried: boolean): void => {
      const { name, reused } = target.get();
      podName = name;
      name.then((p) => portForward.portForward(namespace, p, [port], fromPod, errors, new PassThrough())).then(
        (opened: ForwardSocket) => {
          if (typeof opened === 'function') return; // only with retries, which are not used here
          ws = opened;
          if (socket.destroyed) return closeStream(ws);
          ws.once('close', () => socket.end());
          ws.once('error', (e: Error) => {
            fail(e.message);
            socket.destroy();
          });
          socket.once('close', () => closeStream(opened));
          pumpToPod(socket, ws);
        },
        (e: unknown) => {
          fail(messageOf(e));
          target.forget(name);
          // A remembered pod that refuses the stream was most likely replaced: nothing was read
          // from the local socket yet, so one fresh lookup is safe.
          if (reused && !retried && !socket.destroyed) connect(true);
          else socket.destroy();
        },
      );
    };
    connect(false);
  };

  return listenOnLoopback(relay, { localPort, describe: `${namespace}/${typeof pod === 'string' ? pod : '(its pod)'}:${port}` });
};
