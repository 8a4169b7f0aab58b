import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { phpFpmRestart } from '../../src/services/php-fpm-restart.js';
import { rollback } from '../../src/services/rollback.js';
import { syncFile } from '../../src/services/sync-file.js';
import { readHistory } from '../../src/state/history-file.js';
import { stepFixture, type StepFixture } from './fixture.js';

let fixture: StepFixture;
afterEach(async () => fixture?.cleanup());

const TARGETS = ['mw01', 'mw02', 'mw03', 'mw04'];
const DESTINATION = '/srv/mediawiki/php/index.php';
const contentOf = (host: string): string | undefined => fixture.fleet.files.get(host)?.get(DESTINATION)?.content.toString();
const restartsOf = (host: string): number => fixture.fleet.records.filter((record) => record.host === host && record.action === 'exec-start').length;
const runIds = (): string[] => readHistory(join(fixture.dir, 'history.jsonl'), () => undefined).map((entry) => entry.id);

/** Stage `text` as php/index.php and sync it; the run's id. */
async function deployVersion(text: string): Promise<string> {
  await writeFile(join(fixture.dir, 'stage', 'php', 'index.php'), text);
  expect(await syncFile({ ...fixture.options(), path: 'php/index.php' })).toBe(0);
  return runIds().at(-1)!;
}

describe('deploy rollback', () => {
  it('puts back what the last sync-file replaced on every host, removes a file that was new, and skips a host changed by hand without restarting it', async () => {
    // Given v1 on mw01-mw03 (mw04 never had the file), then a sync of v2 to every host
    fixture = await stepFixture({ targets: TARGETS, canaries: ['mw01'] });
    for (const host of ['mw01', 'mw02', 'mw03']) fixture.fleet.files.set(host, new Map([[DESTINATION, { content: Buffer.from('v1'), mode: 0o640 }]]));
    const v2 = await deployVersion('v2');
    // And mw03 edited by hand since
    fixture.fleet.files.get('mw03')!.set(DESTINATION, { content: Buffer.from('hot fix'), mode: 0o644 });
    const restartsBefore = Object.fromEntries(TARGETS.map((host) => [host, restartsOf(host)]));
    fixture.stdout.text = '';
    // When the deployer rolls back, with --json
    const code = await rollback({ ...fixture.options({ json: true, message: 'undo v2' }) });
    // Then mw01 and mw02 have v1 back with its mode, mw04 has no file, mw03 keeps the hand edit
    expect(code).toBe(0);
    expect(fixture.fleet.files.get('mw01')?.get(DESTINATION)).toEqual({ content: Buffer.from('v1'), mode: 0o640 });
    expect(contentOf('mw02')).toBe('v1');
    expect(fixture.fleet.files.get('mw04')?.has(DESTINATION)).toBe(false);
    expect(contentOf('mw03')).toBe('hot fix');
    // And mw03 is skipped with the reason, in its sync and its restart; the others restarted once more
    const report = JSON.parse(fixture.stdout.text);
    expect(report).toMatchObject({ command: 'rollback', path: 'php/index.php', message: 'undo v2', status: 'success' });
    const mw03 = report.hosts.filter((host: { host: string }) => host.host === 'mw03');
    expect(mw03).toEqual([
      expect.objectContaining({ phase: 'sync-hosts', outcome: 'skipped', error: `changed since run ${v2}: the file has other content` }),
      expect.objectContaining({ phase: 'restart-hosts', outcome: 'skipped', error: 'its file was not put back' }),
    ]);
    for (const host of ['mw01', 'mw02', 'mw04']) expect(restartsOf(host)).toBe(restartsBefore[host]! + 1);
    expect(restartsOf('mw03')).toBe(restartsBefore.mw03);
    expect(fixture.stderr.text).toMatch(/Rolled back php\/index.php: undo v2 \(duration: 00m 0\ds\)\n$/);
    // And the rollback is in the history as a run of its own
    expect(readHistory(join(fixture.dir, 'history.jsonl'), () => undefined).at(-1)).toMatchObject({ command: 'rollback', path: 'php/index.php' });
  });

  it('by default undoes the last successful sync-file run; --run takes an earlier one by id prefix', async () => {
    // Given v1, then v2, then v3 deployed to every host
    fixture = await stepFixture({ targets: ['mw01', 'mw02'], canaries: [] });
    await deployVersion('v1');
    const v2 = await deployVersion('v2');
    const v3 = await deployVersion('v3');
    // When rolled back by default / Then v3's run is undone: v2 is back
    expect(await rollback(fixture.options())).toBe(0);
    expect(contentOf('mw01')).toBe('v2');
    expect(fixture.stdout.text).toContain(`Putting back what run ${v3} replaced on 2 hosts`);
    // When v2's run is undone by a prefix of its id / Then v1 is back
    expect(await rollback({ ...fixture.options(), runId: v2.slice(0, 20) })).toBe(0);
    expect(contentOf('mw02')).toBe('v1');
  });

  it('refuses, touching nothing, a run it cannot undo: none in history, not a sync-file run, nothing kept', async () => {
    // Given no run at all
    fixture = await stepFixture({ targets: ['mw01'], canaries: [] });
    await expect(rollback(fixture.options())).rejects.toThrow(/no successful sync-file or sync-world run in history_file/);
    await expect(rollback({ ...fixture.options(), runId: '2026' })).rejects.toThrow(/^--run: no run with id 2026$/);
    // Given a php-fpm-restart run
    expect(await phpFpmRestart(fixture.options())).toBe(0);
    const restart = runIds().at(-1)!;
    await expect(rollback({ ...fixture.options(), runId: restart })).rejects.toThrow(
      new RegExp(`run ${restart} is a php-fpm-restart run, not sync-file or sync-world`),
    );
    // Given a sync-file run that found every host up to date (nothing replaced, nothing kept)
    await deployVersion('<?php echo 1;\n');
    const unchanged = await deployVersion('<?php echo 1;\n');
    const error = await rollback({ ...fixture.options(), runId: unchanged }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(new RegExp(`nothing is kept for run ${unchanged}`));
    // And nothing was written by the refused rollbacks: the history has the three runs only
    expect(runIds()).toHaveLength(3);
  });

  it('--dry-run names the run and what each host would get back, touching nothing', async () => {
    // Given v1 on mw01 and none on mw02, then v2 synced
    fixture = await stepFixture({ targets: ['mw01', 'mw02'], canaries: [] });
    fixture.fleet.files.set('mw01', new Map([[DESTINATION, { content: Buffer.from('v1'), mode: 0o640 }]]));
    const v2 = await deployVersion('v2');
    const before = fixture.fleet.records.length;
    fixture.stdout.text = '';
    // When the rollback is planned
    expect(await rollback({ ...fixture.options({ dryRun: true }) })).toBe(0);
    // Then the plan names the run and each host's fate, and no host was contacted
    expect(fixture.stdout.text).toContain(`Puts back what run ${v2} replaced`);
    expect(fixture.stdout.text).toMatch(/mw01: restore \/srv\/mediawiki\/php\/index\.php \(sha256 [0-9a-f]{12}, mode 640\)/);
    expect(fixture.stdout.text).toContain('mw02: remove /srv/mediawiki/php/index.php (it had none)');
    expect(fixture.fleet.records.length).toBe(before);
    expect(fixture.fleet.files.get('mw01')?.get(DESTINATION)?.content.toString()).toBe('v2');
  });
});
