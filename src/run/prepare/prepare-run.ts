import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { split } from 'shlex';
import { loadConfig, type LoadedConfig } from '../../config/load.js';
import { UserError } from '../../errors.js';
import { durationsPath, readDurations } from '../../state/durations.js';
import type { DeployOptions } from './deploy-options.js';
import { sha256, type RunKey } from '../../state/journal.js';
import { buildPlan } from '../plan/plan.js';
import type { CommandName, Plan } from '../plan/types.js';
import { resolveStagedFile, type StagedFile } from './stage-file.js';
import { rollbackSource, type RollbackSource } from './rollback-source.js';

export interface PreparedRun {
  loaded: LoadedConfig;
  file?: StagedFile;
  /** rollback: the run it undoes and what that run replaced on each host. */
  restore?: RollbackSource;
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

/**
 * `deploy sync-file a.php b.php msg` would sync a.php only and take "b.php msg" as the message:
 * a first message word naming a staged file is refused, as Scap users expect several paths to work.
 */
async function refuseSecondPath(stageDir: string | undefined, word: string): Promise<void> {
  if (stageDir === undefined || word.includes('\0')) return;
  const info = await stat(resolve(stageDir, word)).catch(() => undefined);
  if (info?.isFile()) {
    throw new UserError(
      `sync-file takes one path, but the message starts with ${JSON.stringify(word)}, another file in stage_dir`,
      'sync each file on its own, or quote the message if that word is meant as text',
    );
  }
}

/** Everything checked before anything is touched: config, staged file, plan. Throws UserError. */
export async function prepareRun(command: CommandName, options: DeployOptions & { path?: string; messageFirstWord?: string; runId?: string }, warn: (text: string) => void = () => undefined): Promise<PreparedRun> {
  const loaded = loadConfig(options);
  const { config } = loaded;
  checkRestartScript(config.php_fpm_restart_script);
  // The local demo maps deploy_dir into per-host folders; a target's rsync pull would write the real path.
  if (command === 'sync-file' && config.sync_proxies.length > 0 && config.transport === 'local' && options.transport === undefined) {
    throw new UserError('sync_proxies needs the ssh transport: the local demo cannot run rsync pulls in its host folders', 'unset sync_proxies, or use transport "ssh"');
  }
  const file = command === 'sync-file' ? await resolveStagedFile(config.stage_dir, config.deploy_dir, options.path ?? '') : undefined;
  if (file && options.messageFirstWord !== undefined) await refuseSecondPath(config.stage_dir, options.messageFirstWord);
  const restore = command === 'rollback' ? rollbackSource(config.history_file, options.runId, warn) : undefined;
  const durations = config.restart_order === 'slowest-first' ? readDurations(durationsPath(config.history_file)) : undefined;
  const plan = buildPlan(config, { command, force: options.force, ...(durations ? { durations } : {}) });
  const key: RunKey = {
    command,
    ...(file ? { path: file.relativePath, contentSha256: sha256(file.content) } : {}),
    ...(restore ? { path: restore.path, contentSha256: sha256(Buffer.from(restore.runId)) } : {}),
  };
  return { loaded, ...(file ? { file } : {}), ...(restore ? { restore } : {}), plan, checksDir: loaded.projectFile !== undefined ? dirname(loaded.projectFile) : (options.cwd ?? process.cwd()), key };
}
