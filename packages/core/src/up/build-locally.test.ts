import { describe, expect, it } from 'vitest';
import { toComposeModel } from '../compose/compose-model.js';
import { localBuildTags, withBuildTags } from './build-locally.js';

const RAW = {
  name: 'shop',
  services: {
    web: { build: { context: '/work/shop/web' }, depends_on: { api: { condition: 'service_started' } }, ports: [{ target: 80 }] },
    api: { build: { context: '/work/shop/api' }, image: 'registry.example.com/shop/api:dev', pull_policy: 'build' },
    db: { image: 'postgres:16' },
    tools: { build: { context: '/work/shop/tools' }, pull_policy: 'always' },
  },
};
const model = toComposeModel(RAW, { workingDir: '/work/shop', files: ['/work/shop/compose.yaml'] });

describe('localBuildTags', () => {
  it("should tag every deployed service with build: by its image:, else compose's <project>-<service>", () => {
    expect(localBuildTags(model, undefined, 'shop-main')).toEqual({ web: 'shop-main-web', api: 'registry.example.com/shop/api:dev', tools: 'shop-main-tools' });
  });

  it('should build only the named services and what they depend on', () => {
    expect(localBuildTags(model, ['web'], 'shop-main')).toEqual({ web: 'shop-main-web', api: 'registry.example.com/shop/api:dev' });
    expect(localBuildTags(model, ['db'], 'shop-main')).toEqual({});
  });
});

describe('withBuildTags', () => {
  const tags = { web: 'shop-main-web', api: 'registry.example.com/shop/api:dev' };

  it('should keep build: for the local build file and name the tag compose must give', () => {
    const services = withBuildTags(RAW, tags, { dropBuild: false }).services as Record<string, Record<string, unknown>>;
    expect(services.web).toEqual({ ...RAW.services.web, image: 'shop-main-web' });
    expect(services.api).toEqual(RAW.services.api);
  });

  it('should drop build: (and a pull_policy: build) for the deployed file, so the host cannot rebuild, and leave other services alone', () => {
    const out = withBuildTags(RAW, tags, { dropBuild: true });
    const services = out.services as Record<string, Record<string, unknown>>;
    expect(services.web).toEqual({ depends_on: RAW.services.web.depends_on, ports: RAW.services.web.ports, image: 'shop-main-web' });
    expect(services.api).toEqual({ image: 'registry.example.com/shop/api:dev' });
    expect(services.db).toBe(RAW.services.db);
    expect(services.tools).toBe(RAW.services.tools);
    expect(out.name).toBe('shop');
  });

  it('should return the project untouched when nothing was built', () => {
    expect(withBuildTags(RAW, {}, { dropBuild: true })).toBe(RAW);
  });
});
