import { describe, expect, it } from 'vitest';
import { preevyHome } from './paths.js';

describe('preevyHome', () => {
  const home = () => '/home/u';
  it('should prefer PREEVY_HOME, then XDG_CONFIG_HOME, then ~/.config', () => {
    expect(preevyHome({ PREEVY_HOME: '/p', XDG_CONFIG_HOME: '/x' }, home)).toBe('/p');
    expect(preevyHome({ XDG_CONFIG_HOME: '/x' }, home)).toBe('/x/preevy');
    expect(preevyHome({}, home)).toBe('/home/u/.config/preevy');
  });
});
