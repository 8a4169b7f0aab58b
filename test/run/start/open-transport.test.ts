import { describe, expect, it } from 'vitest';
import { firstHosts, openTransport } from '../../../src/run/start/open-transport.js';
import { FakeFleet } from '../../../testing/fake-fleet.js';

const targets = Array.from({ length: 30 }, (_, i) => `mw${String(i + 1).padStart(2, '0')}`);
const count = (value: number, percent = false) => ({ value, percent });

describe('firstHosts', () => {
  it('is the first window of the canaries, at the larger concurrency', () => {
    const config = { targets, canaries: ['mw05', 'mw01', 'mw09'], sync_concurrency: count(2), restart_concurrency: count(1) };
    expect(firstHosts(config)).toEqual(['mw05', 'mw01']);
  });

  it('is the first window of the targets without canaries, a percentage taken of them', () => {
    const config = { targets, canaries: [], sync_concurrency: count(4), restart_concurrency: count(20, true) };
    expect(firstHosts(config)).toEqual(['mw01', 'mw02', 'mw03', 'mw04', 'mw05', 'mw06']);
  });
});

describe('openTransport', () => {
  it('warms the first hosts of a transport that can', async () => {
    // Given a transport that records what it is asked to warm
    const fleet = new FakeFleet();
    const warmed: string[][] = [];
    Object.assign(fleet, { warm: (hosts: readonly string[]) => warmed.push([...hosts]) });
    const config = { targets, canaries: ['mw07'], sync_concurrency: count(8), restart_concurrency: count(1) };
    // When the run opens it
    const transport = await openTransport({ config } as never, { transport: fleet });
    // Then it is that transport, and the canary was warmed
    expect(transport).toBe(fleet);
    expect(warmed).toEqual([['mw07']]);
  });
});
