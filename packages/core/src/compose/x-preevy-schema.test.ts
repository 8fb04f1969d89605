import { describe, expect, it } from 'vitest';
import { xPreevyJsonSchema, xPreevySchema } from './x-preevy-schema.js';

describe('xPreevyJsonSchema', () => {
  it('should be valid JSON that describes every top-level key and forbids others', () => {
    const parsed = JSON.parse(JSON.stringify(xPreevyJsonSchema())) as { type: string; properties: Record<string, unknown>; additionalProperties: unknown };
    expect(parsed.type).toBe('object');
    expect(Object.keys(parsed.properties).sort()).toEqual(Object.keys(xPreevySchema.shape).sort());
    expect(Object.keys(parsed.properties).sort()).toEqual(['access', 'agent', 'driver', 'drivers', 'services', 'tunnelServer']);
    expect(parsed.additionalProperties).toBe(false);
  });
});
