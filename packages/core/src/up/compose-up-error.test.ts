import { describe, expect, it } from 'vitest';
import { composeUpError, portInUseFromStderr } from './compose-up-error.js';

const proxyBind =
  ' Container e1-api-1  Started\nError response from daemon: driver failed programming external connectivity on endpoint e1-web-1 (c291f8e3c0): Error starting userland proxy: listen tcp4 127.0.0.1:18461: bind: address already in use\n';
const allocated = 'Error response from daemon: driver failed programming external connectivity on endpoint my-env-api-1 (abc): Bind for 0.0.0.0:3000 failed: port is already allocated\n';

describe('compose up errors', () => {
  it('should read the port and service from a userland proxy bind failure', () => {
    expect(portInUseFromStderr(proxyBind, 'e1')).toEqual({ host: '127.0.0.1', port: 18461, service: 'web' });
  });

  it('should read the port and service from a port the engine already allocated', () => {
    expect(portInUseFromStderr(allocated, 'my-env')).toEqual({ host: '0.0.0.0', port: 3000, service: 'api' });
  });

  it('should not name a service when the container is not of the project', () => {
    expect(portInUseFromStderr(allocated, 'other')).toEqual({ host: '0.0.0.0', port: 3000 });
  });

  it('should recognise nothing in other failures', () => {
    expect(portInUseFromStderr('failed to solve: executor failed running [/bin/sh -c false]: exit code: 1', 'e1')).toBeUndefined();
  });

  it('should raise PORT_IN_USE (conflict) naming the port, with a remedy', () => {
    const err = composeUpError(proxyBind, { envId: 'e1', project: 'e1' });
    expect(err).toMatchObject({ code: 'PORT_IN_USE', kind: 'conflict', message: 'Port 18461 on 127.0.0.1 is already in use (published by service web)' });
    expect(err.suggestions[0]).toMatch(/Free port 18461.*change the host port of web/);
  });

  it("should raise COMPOSE_UP_FAILED with compose's last line otherwise", () => {
    const err = composeUpError('#5 ERROR\nfailed to solve: exit code: 1\n', { envId: 'e1', project: 'e1' });
    expect(err).toMatchObject({ code: 'COMPOSE_UP_FAILED', message: 'docker compose up failed: failed to solve: exit code: 1' });
    expect((err.cause as Error).message).toBe('#5 ERROR\nfailed to solve: exit code: 1');
    expect(err.suggestions).toContain('Or remove what was created: preevy down --id e1');
  });
});
