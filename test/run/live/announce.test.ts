import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { announce } from '../../../src/run/live/announce.js';
import { makeTempDir, makeTempProject, type TempProject } from '../../helpers/cli.js';

describe('announce_command', () => {
  let project: TempProject;
  beforeEach(async () => {
    project = await makeTempProject({
      config: {
        announce_command:
          'printf "%s|%s|%s|%s|%s|%s|%s\\n" "$DEPLOY_EVENT" "$DEPLOY_COMMAND" "$DEPLOY_PATH" "$DEPLOY_MESSAGE" "$DEPLOY_STATUS" "$DEPLOY_EXIT_CODE" "$DEPLOY_LINE" >> announced.log',
      },
    });
  });
  afterEach(async () => project.cleanup());

  it('runs twice per run, at start and end, with the contract environment, from the config folder', async () => {
    // Given an announce_command that logs its environment / When a sync-file runs
    const result = await project.run(['sync-file', project.stagedPath, 'ship it']);
    // Then it ran once at the start and once at the end, with the first and last human lines
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = readFileSync(join(project.dir, 'announced.log'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^start\|sync-file\|php\/index.php\|ship it\|\|\|Starting sync-file php\/index.php: ship it \(3 hosts/);
    expect(lines[1]).toMatch(/^end\|sync-file\|php\/index.php\|ship it\|success\|0\|Synchronized php\/index.php: ship it \(duration: /);
  });

  it('is a warning when it fails, never changing the outcome', async () => {
    // Given an announce_command that fails / When a run succeeds
    const result = await project.run(['sync-file', project.stagedPath, 'ship it', '-D', 'announce_command:echo chat is down >&2; exit 3']);
    // Then the run still exits 0, and each failure is one warning
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Warning: announce_command (start) returned [3]: chat is down');
    expect(result.stdout).toContain('Warning: announce_command (end) returned [3]: chat is down');
  });

  it('is stopped at its time limit, with a warning', async () => {
    // Given a command that would hang, and a 300 ms limit (10 s in a run)
    const warnings: string[] = [];
    const started = Date.now();
    // When announced
    await announce('sleep 30', { event: 'end', command: 'sync-file', message: 'm', line: 'l' }, await makeTempDir(), (text) => warnings.push(text), 300);
    // Then it returned soon after the limit, saying so
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(warnings).toEqual(['announce_command (end) timed out after 0.3s and was stopped']);
  });
});
