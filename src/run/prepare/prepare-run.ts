import { dirname } from 'node:path';
import { split } from 'shlex';
import { loadConfig, type LoadedConfig } from '../../config/load.js';
import { UserError } from '../../errors.js';
import { durationsPath, readDurations } from '../../state/durations.js';
import type { DeployOptions } from './deploy-options.js';
import { sha256 } from '../../lib/sha256.js';
import type { RunKey } from '../../state/journal.js';
import { buildPlan } from '../plan/plan.js';
import { withPauseAfter } from '../plan/pause.js';
import type { Plan } from '../plan/types.js';
import type { Flow } from './flow.js';
import type { StagedFile } from './stage-file.js';
import { resolveStagedTree, type StagedTree } from './staged-tree.js';
import { hashTree } from './hash-tree.js';
import { lintKindOf } from '../../lint/select.js';
import { readSentManifest, sentManifestsFolder } from '../../state/sent-manifests.js';
import type { Config } from '../../config/schema.js';
import type { RollbackSource } from './rollback-source.js';

export interface PreparedRun {
  loaded: LoadedConfig;
  file?: StagedFile;
  /** sync-file <folder>, sync-world: the staged folder. */
  tree?: StagedTree;
  /** rollback: the run it undoes and what that run replaced on each host. */
  restore?: RollbackSource;
  /** `lint`: the tree the run sends, its .php and .json files' hashes, and what the last run sent for its path. */
  lint?: LintInput;
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

export interface LintInput {
  tree: StagedTree;
  hashes: Map<string, string>;
  previous: Map<string, string> | undefined;
}

/** What the lint needs, read before anything is touched (a file is the tree of one file). */
async function lintInput(config: Config, tree: StagedTree | undefined, file: StagedFile | undefined): Promise<LintInput> {
  const linted = tree ?? (await resolveStagedTree(config.stage_dir, config.deploy_dir, file?.relativePath, []));
  const hashes = await hashTree(linted, new AbortController().signal, { only: (path) => lintKindOf(path) !== undefined });
  const previous = await readSentManifest(sentManifestsFolder(config.history_file), linted.relativePath);
  return { tree: linted, hashes, previous };
}

/** The run's config, loaded and checked (the first thing checked before anything is touched). Throws UserError. */
export function loadRunConfig(flow: Flow, options: DeployOptions): LoadedConfig {
  const loaded = loadConfig(options);
  const { config } = loaded;
  checkRestartScript(config.php_fpm_restart_script);
  // The local demo maps deploy_dir into per-host folders; a target's rsync pull would write the real path.
  if (flow.viaProxies && config.sync_proxies.length > 0 && config.transport === 'local' && options.transport === undefined) {
    throw new UserError(
      'sync_proxies needs the ssh transport: the local demo cannot run rsync pulls in its host folders',
      'unset sync_proxies, or use transport "ssh"',
    );
  }
  return loaded;
}

/**
 * Everything else checked before anything is touched: what the run writes (the flow's source),
 * plan. Throws UserError.
 */
export async function prepareRun(
  flow: Flow,
  options: DeployOptions,
  loaded: LoadedConfig,
  warn: (text: string) => void = () => undefined,
): Promise<PreparedRun> {
  const { config } = loaded;
  const { file, tree, restore } = flow.source ? await flow.source(config, warn) : {};
  const durations = config.restart_order === 'slowest-first' ? readDurations(durationsPath(config.history_file)) : undefined;
  const { command, viaProxies, revertsCanaries } = flow;
  const built = buildPlan(config, {
    command,
    force: options.force,
    syncs: file !== undefined || tree !== undefined || restore !== undefined,
    releases: restore?.trees
      ? [...restore.trees.values()].some((version) => version.tree.layout === 'releases')
      : config.deploy_layout === 'releases' && (file !== undefined || tree !== undefined),
    viaProxies,
    revertsCanaries,
    ...(durations ? { durations } : {}),
  });
  // --pause-after naming no stage of this plan is a usage error, like any bad input.
  const plan = withPauseAfter(built, options.pauseAfter);
  const key: RunKey = {
    command,
    ...(file ? { path: file.relativePath, contentSha256: sha256(file.content) } : {}),
    ...(tree ? { path: tree.relativePath, contentSha256: sha256(Buffer.from(`${tree.files} ${tree.bytes}`)) } : {}),
    ...(restore ? { path: restore.path, contentSha256: sha256(Buffer.from(restore.runId)) } : {}),
  };
  const lint = config.lint && (tree || file) ? await lintInput(config, tree, file) : undefined;
  const checksDir = loaded.projectFile !== undefined ? dirname(loaded.projectFile) : (options.cwd ?? process.cwd());
  return { loaded, ...(file ? { file } : {}), ...(tree ? { tree } : {}), ...(lint ? { lint } : {}), ...(restore ? { restore } : {}), plan, checksDir, key };
}
