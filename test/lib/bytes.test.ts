import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount } from '../../src/lib/bytes.js';

describe('formatBytes', () => {
  it('writes bytes in decimal units, one decimal from kB up, never 1000.0 of a unit', () => {
    expect([0, 999, 1000, 1550, 999_949, 999_960, 50_123_456, 2e12].map(formatBytes)).toEqual([
      '0 B',
      '999 B',
      '1.0 kB',
      '1.6 kB',
      '999.9 kB',
      '1.0 MB',
      '50.1 MB',
      '2.0 TB',
    ]);
    expect(formatCount(50000)).toBe('50,000');
  });
});
