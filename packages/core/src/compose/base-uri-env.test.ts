import { describe, expect, it } from 'vitest';
import { baseUriEnv, envNameOfService, tunnelledPorts } from './base-uri-env.js';
import type { ServicePort } from './compose-model.js';

const port = (target: number, published?: number, protocol = 'tcp'): ServicePort => ({ hostIp: undefined, published, publishedRange: undefined, target, protocol });
const urlOf = (service: string, p: number) => `https://${service}-${p}-env.example.test`;

describe('baseUriEnv', () => {
  it('should key each URL by the published port and build it from the container port', () => {
    const env = baseUriEnv([{ name: 'web', ports: [port(80, 8080)], labels: {} }], urlOf);
    expect(env).toEqual({ PREEVY_BASE_URI_WEB_8080: 'https://web-80-env.example.test' });
  });

  it('should upper-case service names and turn other characters into underscores', () => {
    const env = baseUriEnv([{ name: 'my-api.v2', ports: [port(3000, 3000)], labels: {} }], urlOf);
    expect(Object.keys(env)).toEqual(['PREEVY_BASE_URI_MY_API_V2_3000']);
    expect(envNameOfService('a-b_c.d')).toBe('A_B_C_D');
  });

  it('should follow preevy.expose like the agent does (Preevy #620 did not)', () => {
    const env = baseUriEnv([{ name: 'web', ports: [port(80, 8080), port(9229, 9229)], labels: { 'preevy.expose': '80' } }], urlOf);
    expect(env).toEqual({ PREEVY_BASE_URI_WEB_8080: 'https://web-80-env.example.test' });
  });

  it('should key by the container port when it has no fixed host port', () => {
    const env = baseUriEnv([{ name: 'web', ports: [port(80)], labels: {} }, { name: 'db', ports: [], labels: { 'preevy.expose': '5432' } }], urlOf);
    expect(env).toEqual({ PREEVY_BASE_URI_WEB_80: 'https://web-80-env.example.test', PREEVY_BASE_URI_DB_5432: 'https://db-5432-env.example.test' });
  });

  it('should give every host port mapped to one container port its own variable, and skip udp', () => {
    const env = baseUriEnv([{ name: 'web', ports: [port(80, 8080), port(80, 8081), port(53, 53, 'udp')], labels: {} }], urlOf);
    expect(env).toEqual({ PREEVY_BASE_URI_WEB_8080: 'https://web-80-env.example.test', PREEVY_BASE_URI_WEB_8081: 'https://web-80-env.example.test' });
  });

  it('should let the first service by name win when two names fold to one variable', () => {
    const env = baseUriEnv([{ name: 'a_b', ports: [port(1, 1)], labels: {} }, { name: 'a-b', ports: [port(1, 1)], labels: {} }], urlOf);
    expect(env).toEqual({ PREEVY_BASE_URI_A_B_1: 'https://a-b-1-env.example.test' });
  });
});

describe('tunnelledPorts', () => {
  it('should list distinct sorted tcp container ports', () => {
    expect(tunnelledPorts({ name: 's', ports: [port(90, 1), port(80, 2), port(80, 3)], labels: {} })).toEqual([80, 90]);
  });
});
