import { afterEach, describe, expect, it } from 'vitest';
import { syncFile } from '../../src/services/sync-file.js';
import { stepFixture, type StepFixture } from './fixture.js';

/** sync-file with `sync_proxies` on the fake fleet: phases, who is written, the report's `source`. */
let fixture: StepFixture;
afterEach(async () => fixture?.cleanup());

interface HostEntry {
  host: string;
  phase: string;
  outcome: string;
  source?: string;
}

describe('sync-file with sync_proxies', () => {
  it('writes the proxies first, has the targets pull from them spread evenly, canaries first, and reports each source', async () => {
    // Given two proxies, four targets with canary t0, and no restarts
    fixture = await stepFixture({ targets: ['t0', 't1', 't2', 't3'], canaries: ['t0'], sync_proxies: ['p0', 'p1'], php_fpm_restart_script: '' });
    // When sync-file runs with --json
    const code = await syncFile({ ...fixture.options({ json: true }), path: 'php/index.php' });
    const report = JSON.parse(fixture.stdout.text) as { phases: Array<{ name: string }>; hosts: HostEntry[] };
    // Then the phases are sync-proxies, then the canaries, then the others
    expect(code).toBe(0);
    expect(report.phases.map((phase) => phase.name)).toEqual(['sync-proxies', 'sync-canaries', 'check-canaries', 'sync-hosts']);
    // And only the proxies were written from here; every target pulled with rsync from its proxy
    expect(
      fixture.fleet.records
        .filter((r) => r.action === 'write')
        .map((r) => r.host)
        .sort(),
    ).toEqual(['p0', 'p1']);
    const pulls = fixture.fleet.records.filter((r) => r.action === 'exec-start').map((r) => `${r.host}<-${r.argv?.find((w) => w.startsWith('rsync://'))}`);
    expect(pulls).toEqual([
      't0<-rsync://p0/deploy/php/index.php',
      't1<-rsync://p1/deploy/php/index.php',
      't2<-rsync://p0/deploy/php/index.php',
      't3<-rsync://p1/deploy/php/index.php',
    ]);
    // And the report says where each target's file came from (proxies have none)
    expect(report.hosts.map((h) => [h.phase, h.host, h.source])).toEqual([
      ['sync-proxies', 'p0', undefined],
      ['sync-proxies', 'p1', undefined],
      ['sync-canaries', 't0', 'p0'],
      ['sync-hosts', 't1', 'p1'],
      ['sync-hosts', 't2', 'p0'],
      ['sync-hosts', 't3', 'p1'],
    ]);
  });

  it('passes over a proxy whose sync failed without aborting: its targets pull from the other', async () => {
    // Given p0 refusing connections
    fixture = await stepFixture(
      { targets: ['t0', 't1'], canaries: [], sync_proxies: ['p0', 'p1'], php_fpm_restart_script: '', failure_limit: 0 },
      { hosts: { p0: { refuse: true } } },
    );
    // When sync-file runs
    const code = await syncFile({ ...fixture.options({ json: true }), path: 'php/index.php' });
    const report = JSON.parse(fixture.stdout.text) as { status: string; hosts: HostEntry[] };
    // Then p0 failed, the run went on, and both targets got the file from p1
    expect(report.hosts.find((h) => h.host === 'p0')?.outcome).toBe('failed');
    expect(report.hosts.filter((h) => h.phase === 'sync-hosts').map((h) => [h.host, h.outcome, h.source])).toEqual([
      ['t0', 'ok', 'p1'],
      ['t1', 'ok', 'p1'],
    ]);
    expect(code).toBe(1);
  });

  it('is a usage error on the local demo transport, before anything is touched', async () => {
    // Given sync_proxies with the local transport (no transport handed in)
    fixture = await stepFixture({ targets: ['t0'], sync_proxies: ['p0'] });
    // When sync-file runs
    const run = syncFile({ ...fixture.options({ transport: undefined }), path: 'php/index.php' });
    // Then it is refused, naming the key
    await expect(run).rejects.toThrow(/sync_proxies needs the ssh transport/);
  });

  it('--dry-run shows the proxies phase and, per target, the proxies it will try', async () => {
    // Given two proxies and two targets
    fixture = await stepFixture({ targets: ['t0', 't1'], canaries: [], sync_proxies: ['p0', 'p1'], php_fpm_restart_script: '' });
    // When sync-file --dry-run --json runs
    expect(await syncFile({ ...fixture.options({ json: true, dryRun: true }), path: 'php/index.php' })).toBe(0);
    const plan = JSON.parse(fixture.stdout.text) as { phases: Array<{ name: string; hosts: string[]; proxies?: Record<string, string[]> }> };
    // Then sync-proxies comes first, and each target's proxy order is given; nothing was touched
    expect(plan.phases.map((phase) => [phase.name, phase.hosts, phase.proxies])).toEqual([
      ['sync-proxies', ['p0', 'p1'], undefined],
      ['sync-hosts', ['t0', 't1'], { t0: ['p0', 'p1'], t1: ['p1', 'p0'] }],
    ]);
    expect(fixture.fleet.records).toEqual([]);
  });
});
