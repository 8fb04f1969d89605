import { describe, expect, it } from 'vitest';
import { grantableCaps } from './nested-docker-engine.js';

describe('grantableCaps', () => {
  it('should grant what the bounding set has and Docker 20.10 knows: on these machines all but SYS_RESOURCE', () => {
    const caps = grantableCaps(0x000001fffeffffffn);
    expect(caps).not.toContain('SYS_RESOURCE');
    expect(caps).toEqual(expect.arrayContaining(['SYS_ADMIN', 'NET_ADMIN', 'MAC_OVERRIDE', 'AUDIT_READ']));
    expect(caps).toHaveLength(37);
  });
});
