import { describe, expect, it } from 'vitest';
import { toComposeModel } from '../compose/compose-model.js';
import { composeBinds } from './compose-binds.js';
import { workspaceComposeOverride } from './workspace-up.js';

const model = toComposeModel(
  {
    name: 'p',
    services: {
      app: { image: 'node', volumes: [{ type: 'bind', source: '/src', target: '/workspaces' }, { type: 'bind', source: '/src/.cache', target: '/workspaces/app/.cache' }, { type: 'bind', source: '/cfg', target: '/etc/app', read_only: true }] },
      web: { image: 'busybox', depends_on: { db: {} }, volumes: [{ type: 'bind', source: '/www', target: '/www' }, { type: 'volume', source: 'data', target: '/data' }] },
      db: { image: 'busybox', volumes: [{ type: 'bind', source: '/cfg', target: '/cfg' }] },
      other: { image: 'busybox', volumes: [{ type: 'bind', source: '/elsewhere', target: '/x' }] },
    },
  },
  { workingDir: '/p', files: ['/p/compose.yaml'] },
);

describe('composeBinds', () => {
  it('should list the binds of the services the devcontainer runs (and their dependencies), not those under /workspaces of its own service', () => {
    expect(composeBinds(model, 'app', ['app', 'web'])).toEqual([
      { service: 'app', source: '/cfg', target: '/etc/app', readOnly: true },
      { service: 'web', source: '/www', target: '/www', readOnly: false },
      { service: 'db', source: '/cfg', target: '/cfg', readOnly: false },
    ]);
  });

  it('should take every service when runServices is absent', () => {
    expect(composeBinds(model, 'app').map((b) => b.service)).toEqual(['app', 'web', 'db', 'other']);
  });
});

describe('workspaceComposeOverride', () => {
  it('should put the workspace and runtime volumes on the devcontainer service and the copies of the binds on every service', () => {
    const text = workspaceComposeOverride('app', 'preevy-ws-x', {
      app: [{ type: 'bind', source: '/var/lib/docker/volumes/s/_data/a', target: '/etc/app', read_only: true }],
      web: [{ type: 'bind', source: '/var/lib/docker/volumes/s/_data/b', target: '/www', read_only: false }],
    });
    const parsed = JSON.parse(text) as { services: Record<string, { volumes: { target: string; source: string }[] }> };
    expect(parsed.services.app!.volumes.map((v) => v.target)).toEqual(['/workspaces', '/.preevy', '/etc/app']);
    expect(parsed.services.web!.volumes).toEqual([{ type: 'bind', source: '/var/lib/docker/volumes/s/_data/b', target: '/www', read_only: false }]);
  });

  it('should run the prebuilt image on the devcontainer service with its build dropped (YAML `!reset`), and nothing of it without one', () => {
    const text = workspaceComposeOverride('app', 'preevy-ws-x', {}, {}, 'preevy-ws-0123456789abcdef');
    expect(text).toContain('"image": "preevy-ws-0123456789abcdef",\n      "build": !reset null,\n');
    expect(JSON.parse(text.replace('!reset null', 'null'))).toMatchObject({ services: { app: { image: 'preevy-ws-0123456789abcdef', build: null } } });
    const plain = JSON.parse(workspaceComposeOverride('app', 'preevy-ws-x')) as { services: { app: Record<string, unknown> } };
    expect(Object.keys(plain.services.app)).toEqual(['volumes']);
  });
});
