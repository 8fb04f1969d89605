import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { upResultJsonSchema } from './up-result-schema.js';

const FROZEN = fileURLToPath(new URL('../../../../schemas/up.json', import.meta.url));

describe('upResultJsonSchema', () => {
  it('should equal the frozen contract in schemas/up.json (regenerate it deliberately when the output changes)', () => {
    expect(JSON.parse(readFileSync(FROZEN, 'utf8'))).toEqual(upResultJsonSchema());
  });
});
