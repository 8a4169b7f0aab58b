import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

/** The built CLI's entry point (needs `npm run build` first: tsc, then the bundle the CLI runs from). */
export const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

export interface CliResult {
  /** The process's exit status; -1 when it was killed by a signal. */
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  cwd: string;
  /** Added to (and overriding) this process's environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

/**
 * Run `node bin/run.js <args>` in `cwd`, never rejecting: the exit status and both streams
 * come back for the test to judge. No terminal, no colour, no DEBUG stack traces.
 */
export async function runCli(args: readonly string[], options: RunCliOptions): Promise<CliResult> {
  const env: Record<string, string> = {};
  // Runs record their history under XDG_STATE_HOME: keep it out of the user's own.
  const state = join(tmpdir(), 'deploy-test-state');
  const merged: Record<string, string | undefined> = {
    ...process.env,
    CI: '1',
    NO_COLOR: '1',
    DEBUG: undefined,
    FORCE_COLOR: undefined,
    XDG_STATE_HOME: state,
    ...options.env,
  };
  for (const [name, value] of Object.entries(merged)) if (value !== undefined) env[name] = value;
  const result = await execa(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    stripFinalNewline: false,
    // Generous: a loaded 2-core machine once took 19 s just to start the CLI; a hung one still fails.
    timeout: options.timeoutMs ?? 45_000,
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
}

/** A fresh, empty temp folder (its real path: no symlinked /tmp surprises). */
export async function makeTempDir(prefix = 'deploy-test-'): Promise<string> {
  return realpath(await mkdtemp(join(tmpdir(), prefix)));
}

export interface TempProjectOptions {
  /**
   * Merged over the default config (local transport, fleet/ and deploy.lock inside the project,
   * targets a,b,c with canary a, /bin/true as the restart script, no sudo, no canary wait).
   * A key set to `undefined` is left out. `false` writes no scap.config.json at all.
   */
  config?: Record<string, unknown> | false;
  /** The staged file, relative to stage/. */
  stagedPath?: string;
  stagedContent?: string;
}

export interface TempProject {
  dir: string;
  configPath: string;
  stageDir: string;
  /** Absolute path of the staged file. */
  stagedFile: string;
  /** The staged file relative to stage_dir (what sync-file takes). */
  stagedPath: string;
  stagedContent: string;
  /** local_fleet_dir as configured by default: <dir>/fleet. */
  fleetDir: string;
  /** lock_file as configured by default: <dir>/deploy.lock. */
  lockFile: string;
  deployDir: string;
  /** The config written (after overrides). */
  config: Record<string, unknown>;
  /** Run the CLI in this project's folder. */
  run(args: readonly string[], env?: Record<string, string | undefined>): Promise<CliResult>;
  cleanup(): Promise<void>;
}

export const DEFAULT_DEPLOY_DIR = '/srv/app';

/** A temp project: scap.config.json, stage/<stagedPath> with content; `cleanup` removes it all. */
export async function makeTempProject(options: TempProjectOptions = {}): Promise<TempProject> {
  const dir = await makeTempDir('deploy-project-');
  const stagedPath = options.stagedPath ?? 'php/index.php';
  const stagedContent = options.stagedContent ?? `<?php echo "staged ${Date.now()}";\n`;
  const stageDir = join(dir, 'stage');
  const stagedFile = join(stageDir, stagedPath);
  await mkdir(dirname(stagedFile), { recursive: true });
  await writeFile(stagedFile, stagedContent);
  const defaults: Record<string, unknown> = {
    transport: 'local',
    local_fleet_dir: 'fleet',
    lock_file: 'deploy.lock',
    targets: ['a', 'b', 'c'],
    canaries: ['a'],
    stage_dir: 'stage',
    deploy_dir: DEFAULT_DEPLOY_DIR,
    php_fpm_restart_script: '/bin/true',
    restart_sudo_user: '',
    canary_wait_time: 0,
  };
  const config = Object.fromEntries(Object.entries({ ...defaults, ...(options.config || {}) }).filter(([, value]) => value !== undefined));
  const configPath = join(dir, 'scap.config.json');
  if (options.config !== false) await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`);
  return {
    dir,
    configPath,
    stageDir,
    stagedFile,
    stagedPath,
    stagedContent,
    fleetDir: join(dir, 'fleet'),
    lockFile: join(dir, 'deploy.lock'),
    deployDir: DEFAULT_DEPLOY_DIR,
    config,
    run: (args, env) => runCli(args, { cwd: dir, ...(env ? { env } : {}) }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
