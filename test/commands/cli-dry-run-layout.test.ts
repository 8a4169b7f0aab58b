import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempProject, type TempProject } from '../helpers/cli.js';

/** --dry-run says how each host's deploy_dir would change: with releases, a file goes into a new release. */
let project: TempProject;

beforeEach(async () => {
  project = await makeTempProject({ config: { deploy_layout: 'releases', keep_releases: 3 }, stagedPath: 'php/index.php', stagedContent: '<?php echo 1;\n' });
});
afterEach(async () => {
  await project.cleanup();
});

describe('deploy sync-file <file> --dry-run with deploy_layout releases', () => {
  it('names the new release the file goes into and the layout, not an in-place write, and touches nothing', async () => {
    // Given a staged file and deploy_layout releases / When its plan is asked for
    const result = await project.run(['sync-file', 'php/index.php', '--dry-run']);
    // Then each sync phase builds a new release that differs by that file, and the layout is named
    expect(result.exitCode, result.stderr).toBe(0);
    const syncs = result.stdout.split('\n').filter((line) => /^\d+\. sync-/.test(line));
    expect(syncs).toHaveLength(2);
    for (const line of syncs) {
      expect(line).toContain('build a new release in /srv/app/releases/<run id> that differs from the live one by php/index.php alone');
      expect(line).not.toContain('write /srv/app/php/index.php');
    }
    expect(result.stdout).toContain('deploy_layout: releases (keep_releases 3)\n');
    expect(existsSync(project.fleetDir)).toBe(false);
    expect(existsSync(project.lockFile)).toBe(false);
  });

  it('says the layout in --json', async () => {
    const result = await project.run(['sync-file', 'php/index.php', '--dry-run', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ path: 'php/index.php', layout: 'releases' });
  });

  it('in place, still writes the file', async () => {
    const result = await project.run(['sync-file', 'php/index.php', '--dry-run', '-D', 'deploy_layout:in-place']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('write /srv/app/php/index.php (14 bytes, mode 644)');
    expect(result.stdout).not.toContain('deploy_layout:');
  });
});
