import { dirname } from 'node:path';
import { split } from 'shlex';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { UserError } from '../errors.js';
import { durationsPath, readDurations } from '../state/durations.js';
import type { DeployOptions } from './deploy-options.js';
import { sha256, type RunKey } from '../state/journal.js';
import { buildPlan, type CommandName, type Plan } from './plan.js';
import { resolveStagedFile, type StagedFile } from './stage-file.js';

export interface PreparedRun {
  loaded: LoadedConfig;
  file?: StagedFile;
  plan: Plan;
  /** Where canary checks run: the project config's folder, like its relative paths. */
  checksDir: string;
  /** Identifies "the same command and arguments" for --resume. */
  key: RunKey;
}

function checkRestartScript(script: string): void {
  try {
    split(script);
  } catch (error) {
    throw new UserError(`php_fpm_restart_script: cannot split ${JSON.stringify(script)} into words: ${(error as Error).message}`);
  }
}

/** Everything checked before anything is touched: config, staged file, plan. Throws UserError. */
export async function prepareRun(command: CommandName, options: DeployOptions & { path?: string }): Promise<PreparedRun> {
  const loaded = loadConfig(options);
  const { config } = loaded;
  checkRestartScript(config.php_fpm_restart_script);
  const file = command === 'sync-file' ? await resolveStagedFile(config.stage_dir, config.deploy_dir, options.path ?? '') : undefined;
  const durations = config.restart_order === 'slowest-first' ? readDurations(durationsPath(config.history_file)) : undefined;
  const plan = buildPlan(config, { command, force: options.force, ...(durations ? { durations } : {}) });
  const key: RunKey = { command, ...(file ? { path: file.relativePath, contentSha256: sha256(file.content) } : {}) };
  return { loaded, ...(file ? { file } : {}), plan, checksDir: loaded.projectFile !== undefined ? dirname(loaded.projectFile) : (options.cwd ?? process.cwd()), key };
}
