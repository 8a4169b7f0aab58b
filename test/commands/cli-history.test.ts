import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempProject, type TempProject } from '../helpers/cli.js';

let project: TempProject;
let env: Record<string, string>;

beforeEach(async () => {
  project = await makeTempProject({ config: { targets: ['a', 'b', 'c'], canaries: ['a'] } });
  env = { XDG_STATE_HOME: join(project.dir, 'state') };
});

afterEach(async () => {
  await project.cleanup();
});

async function recordedRunId(): Promise<string> {
  const run = await project.run(['sync-file', '--json', project.stagedPath, 'timeline test'], env);
  expect(run.exitCode, run.stderr).toBe(0);
  const list = await project.run(['history', '--json'], env);
  return (JSON.parse(list.stdout) as Array<{ id: string }>)[0]?.id as string;
}

describe('deploy history --timeline and --svg', () => {
  it('draws a recorded run as plain text in a pipe, one row per host, fitting 80 columns', async () => {
    // Given a recorded sync-file run of 3 hosts
    const id = await recordedRunId();
    // When its timeline is drawn without a terminal
    const result = await project.run(['history', id, '--timeline'], env);
    // Then it is plain text, every line fits, and each host has its row
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).not.toContain('\u001b');
    const lines = result.stdout.trimEnd().split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    for (const host of ['a', 'b', 'c']) expect(lines.some((line) => line.startsWith(`${host} `) || line.includes(` ${host} `))).toBe(true);
  });

  it('writes the same run as a standalone SVG with one bar per host and phase', async () => {
    // Given a recorded run / When written as SVG
    const id = await recordedRunId();
    const result = await project.run(['history', id, '--svg', 'run.svg'], env);
    // Then the file is an SVG document with a bar per host result (1+1 canary, 2+2 others)
    expect(result.exitCode, result.stderr).toBe(0);
    const svg = readFileSync(join(project.dir, 'run.svg'), 'utf8');
    expect(svg).toMatch(/<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.match(/<rect[^>]*class="bar/g)).toHaveLength(6);
  });

  it('asks for a run id with --timeline, exit 2', async () => {
    const result = await project.run(['history', '--timeline'], env);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('give its id');
  });
});
