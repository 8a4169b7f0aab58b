import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempProject, type TempProject } from '../helpers/cli.js';

/**
 * sync_exclude is matched relative to the synced folder (SPEC "Configuration"), in either
 * layout: `sync-file app` with `/cache/` never sends app/cache. A host with no `current` gets a
 * first release of the whole stage; the folder's exclusions still hold there.
 */
let project: TempProject;

beforeEach(async () => {
  project = await makeTempProject({
    config: { targets: ['a'], canaries: [], sync_exclude: ['/cache/'] },
    stagedPath: 'app/index.php',
    stagedContent: '<?php\n',
  });
  await mkdir(join(project.stageDir, 'app', 'cache'));
  await writeFile(join(project.stageDir, 'app', 'cache', 'page.html'), 'cached\n');
});
afterEach(async () => {
  await project.cleanup();
});

describe('sync-file <folder> with an anchored sync_exclude', () => {
  it('in-place: app/cache is never sent', async () => {
    const result = await project.run(['sync-file', 'app', 'first', '-D', 'deploy_layout:in-place']);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(existsSync(join(project.fleetDir, 'a/srv/app/app/index.php'))).toBe(true);
    expect(existsSync(join(project.fleetDir, 'a/srv/app/app/cache'))).toBe(false);
  });

  it("releases: a host's first release does not hold app/cache either", async () => {
    const result = await project.run(['sync-file', 'app', 'first', '-D', 'deploy_layout:releases']);
    expect(result.exitCode, result.stdout).toBe(0);
    const releases = await readdir(join(project.fleetDir, 'a/srv/app/releases'));
    expect(releases).toHaveLength(1);
    expect(existsSync(join(project.fleetDir, 'a/srv/app/releases', releases[0] ?? '', 'app/index.php'))).toBe(true);
    expect(existsSync(join(project.fleetDir, 'a/srv/app/releases', releases[0] ?? '', 'app/cache'))).toBe(false);
  });
});
