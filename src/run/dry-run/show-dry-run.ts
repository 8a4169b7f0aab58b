import type { PreparedRun } from '../prepare/prepare-run.js';
import { lockBackend } from '../../state/configured-lock.js';
import { dryRunJson, dryRunLines } from './dry-run.js';
import { treeDryRunLines } from './tree-lines.js';

/** --dry-run: the plan, as lines (on the human stream) or JSON (on stdout). Touches nothing. */
export function showDryRun(prepared: PreparedRun, transport: string, json: boolean, stdout: NodeJS.WritableStream, human: NodeJS.WritableStream): number {
  const { plan, file, restore, tree } = prepared;
  const { config } = prepared.loaded;
  const treeContext = tree
    ? { staged: tree, layout: config.deploy_layout, keepReleases: config.keep_releases, delete: config.sync_delete, lines: treeDryRunLines(tree, config) }
    : undefined;
  const context = {
    plan,
    ...(file ? { file } : {}),
    ...(restore ? { restore } : {}),
    ...(treeContext ? { tree: treeContext } : {}),
    transport,
    lock: lockBackend(config).describe(),
  };
  if (json) stdout.write(`${JSON.stringify(dryRunJson(context), null, 2)}\n`);
  else for (const line of dryRunLines(context)) human.write(`${line}\n`);
  return 0;
}
