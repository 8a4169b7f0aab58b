import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { syncFile } from '../../src/services/sync-file.js';
import { readHistory } from '../../src/state/history-file.js';
import { readKeptContent, readRunVersions, versionsFolder } from '../../src/state/kept-versions.js';
import { sha256 } from '../../src/lib/sha256.js';
import { stepFixture, type StepFixture } from './fixture.js';

let fixture: StepFixture;
afterEach(async () => fixture?.cleanup());

const DESTINATION = '/srv/mediawiki/php/index.php';
const NEW = '<?php echo 1;\n';

describe('sync-file keeps what each host had', () => {
  it('keeps the old file of every host it replaces, "no file" for a new one, and nothing for an unchanged one', async () => {
    // Given mw01 with an old file, mw02 with none, mw03 already up to date
    fixture = await stepFixture({ targets: ['mw01', 'mw02', 'mw03'], canaries: ['mw01'] });
    fixture.fleet.files.set('mw01', new Map([[DESTINATION, { content: Buffer.from('<?php echo 0;\n'), mode: 0o640 }]]));
    fixture.fleet.files.set('mw03', new Map([[DESTINATION, { content: Buffer.from(NEW), mode: 0o644 }]]));
    // When the file is synced
    expect(await syncFile({ ...fixture.options(), path: 'php/index.php' })).toBe(0);
    // Then the run's record names mw01's old content (kept byte-exact, with its mode) and mw02's absence
    const [run] = readHistory(join(fixture.dir, 'history.jsonl'), () => undefined);
    const folder = versionsFolder(join(fixture.dir, 'history.jsonl'));
    const versions = readRunVersions(folder, run!.id, () => undefined) ?? [];
    const after = { sha256: sha256(Buffer.from(NEW)), mode: 0o644 };
    expect(versions.sort((a, b) => a.host.localeCompare(b.host))).toEqual([
      { host: 'mw01', path: DESTINATION, before: { sha256: sha256(Buffer.from('<?php echo 0;\n')), mode: 0o640 }, after },
      { host: 'mw02', path: DESTINATION, before: null, after },
    ]);
    expect((await readKeptContent(folder, versions[0]!.before!)).toString()).toBe('<?php echo 0;\n');
  });

  it('still deploys when the old version cannot be kept, with one warning', async () => {
    // Given a history folder where versions/ cannot be created (a file is in the way)
    fixture = await stepFixture({ targets: ['mw01', 'mw02'], canaries: [] });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(fixture.dir, 'versions'), 'in the way');
    for (const host of ['mw01', 'mw02']) fixture.fleet.files.set(host, new Map([[DESTINATION, { content: Buffer.from('old'), mode: 0o644 }]]));
    // When the file is synced
    const code = await syncFile({ ...fixture.options(), path: 'php/index.php' });
    // Then every host has the new file, and one warning says rollback of those hosts is not possible
    expect(code).toBe(0);
    for (const host of ['mw01', 'mw02']) expect(fixture.fleet.files.get(host)?.get(DESTINATION)?.content.toString()).toBe(NEW);
    expect(fixture.stdout.text.match(/could not keep the old version/g)).toHaveLength(1);
    expect(fixture.stdout.text).toMatch(/cannot be rolled back/);
  });
});
