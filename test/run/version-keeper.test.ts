import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { syncFile } from '../../src/services/sync-file.js';
import { stepFixture, type StepFixture } from './fixture.js';

const DEST = '/srv/mediawiki/php/index.php';
const HOSTS = Array.from({ length: 12 }, (_, index) => `mw${String(index + 1).padStart(2, '0')}`);

let fixture: StepFixture;
afterEach(async () => fixture?.cleanup());

describe('keeping old versions', () => {
  it('keeps every host when many hosts replace the same old content at once', async () => {
    // Given twelve hosts with the same old file, all synced at once
    // (each host's write ends a little after the previous one, so the keeps overlap)
    const hosts = Object.fromEntries(HOSTS.map((host, index) => [host, { writeMs: 1 + index }]));
    fixture = await stepFixture({ targets: HOSTS, sync_concurrency: 12, php_fpm_restart_script: '' }, { hosts });
    const old = Buffer.alloc(1024 * 1024, 'old code\n');
    for (const host of HOSTS) fixture.fleet.files.set(host, new Map([[DEST, { content: old, mode: 0o100644 }]]));
    // When the file is synced
    const code = await syncFile({ ...fixture.options(), path: 'php/index.php' });
    // Then no keep failed, the run's record names every host, and the old content is kept once
    expect(code).toBe(0);
    expect(fixture.stdout.text).not.toMatch(/could not keep/);
    const versions = join(fixture.dir, 'versions');
    const [record] = readdirSync(join(versions, 'runs'));
    const lines = readFileSync(join(versions, 'runs', record ?? ''), 'utf8')
      .trim()
      .split('\n');
    expect(lines.map((line) => JSON.parse(line).host).sort()).toEqual(HOSTS);
    expect(readdirSync(join(versions, 'objects'))).toHaveLength(1);
  });
});
