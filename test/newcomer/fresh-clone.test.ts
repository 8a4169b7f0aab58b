import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/cli.js';

/**
 * The newcomer's path, as a test: a clone of the committed HEAD in a temporary folder, and the
 * README's first command run there exactly as the README writes it (read from the README, not
 * copied here). A warm checkout hides what a clone lacks (a folder only a run creates, a stale
 * build, an install step), so nothing of this checkout is used but its git history.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PHASES = ['sync-canaries', 'restart-canaries', 'check-canaries', 'sync-hosts', 'restart-hosts'];
const TIME = String.raw`\d\d:\d\d:\d\d`;
const DURATION = String.raw`\(duration: \d\dm \d\ds\)`;

/** The README's opening commands: the first two ```sh blocks, one line each. */
function readmeCommands(readme: string): { run: string; test: string } {
  const blocks = [...readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => (match[1] ?? '').trim());
  const [run, test] = blocks;
  if (run === undefined || test === undefined) throw new Error('the README does not open with two ```sh blocks');
  return { run, test };
}

describe('a newcomer on a fresh clone, typing the README', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const commands = readmeCommands(readme);
  let clone: string;
  let result: { exitCode: number; output: string };

  beforeAll(async () => {
    // Given a fresh clone of the committed HEAD, with nothing built or installed
    const parent = await makeTempDir('deploy-fresh-clone-');
    clone = join(parent, 'deploy');
    await execa('git', ['clone', '--quiet', '--no-hardlinks', ROOT, clone]);
    // When the README's first command runs there as a person would type it, outside any test
    // runner's environment (its own state folder, so no history of this machine is read)
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) {
      if (value === undefined || /^(VITEST|NODE_ENV|TEST|DEBUG|FORCE_COLOR|npm_)/i.test(name)) continue;
      env[name] = value;
    }
    env.XDG_STATE_HOME = join(parent, 'state');
    const run = await execa('bash', ['-c', commands.run], { cwd: clone, env, extendEnv: false, reject: false, all: true, stdin: 'ignore', timeout: 280_000 });
    result = { exitCode: run.exitCode ?? -1, output: String(run.all ?? '') };
  }, 300_000);

  afterAll(async () => {
    if (clone !== undefined) await rm(join(clone, '..'), { recursive: true, force: true });
  });

  it('opens with the install-and-run command and the test command that .ci/run runs', () => {
    // Given the README's two opening commands
    // Then the first installs and runs the demo config, the second is the test command
    expect(commands.run).toMatch(/^npm ci && \.\/bin\/run\.js sync-file -c \S+ \S+ "[^"]+"$/);
    expect(commands.test.split('\n')).toHaveLength(1);
    // And .ci/run runs exactly that test command
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    expect(ci.split('\n').some((line) => line.trim().startsWith(commands.test))).toBe(true);
  });

  it('exits 0', () => {
    expect(result.exitCode, result.output).toBe(0);
  });

  it('installs quietly: no install-script warning asks the newcomer to act (package.json allowScripts decides each)', () => {
    expect(result.output).not.toMatch(/npm warn install-scripts/);
    expect(result.output).toMatch(/^added \d+ packages/m);
  });

  it('starts and finishes every phase in order, each with its duration', () => {
    // Then each phase has a Started and a Finished line, one phase after the other
    let from = 0;
    for (const phase of PHASES) {
      const started = result.output.slice(from).search(new RegExp(`^${TIME} Started ${phase}$`, 'm'));
      expect(started, `Started ${phase}\n${result.output}`).toBeGreaterThanOrEqual(0);
      const finished = result.output.slice(from).search(new RegExp(`^${TIME} Finished ${phase} ${DURATION}$`, 'm'));
      expect(finished, `Finished ${phase}\n${result.output}`).toBeGreaterThan(started);
      from += finished;
    }
  });

  it("shows the demo script's warning with its output indented under it", () => {
    // Then a host whose restart exited non-zero is a warning naming the command, the host and the status
    const warning = new RegExp(
      `^${TIME} \\S*demo-restart-php-fpm php8\\.1-fpm 100 on (mw\\d+) returned \\[1\\]:\\n {4}\\1: \\d+ MB of opcache free.*\\n(?: {4}.*\\n)*? {4}\\1: php8\\.1-fpm did not come back`,
      'm',
    );
    expect(result.output, result.output).toMatch(warning);
  });

  it('ends with the summary of every phase and the Synchronized line', () => {
    // Then the summary has one row per phase
    const lines = result.output.trimEnd().split('\n');
    const summary = lines.findIndex((line) => new RegExp(`^${TIME} Summary:$`).test(line));
    expect(summary, result.output).toBeGreaterThan(0);
    for (const phase of PHASES)
      expect(
        lines.slice(summary).some((line) => new RegExp(`^${TIME} {3}${phase} +\\d\\dm \\d\\ds `).test(line)),
        phase,
      ).toBe(true);
    // And the last line says what was synchronized, with the message and the duration
    const [, path, message] = /sync-file -c \S+ (\S+) "([^"]+)"$/.exec(commands.run) ?? [];
    expect(lines.at(-1)).toMatch(new RegExp(`^${TIME} Synchronized ${path}: ${message} ${DURATION}$`));
  });
});
