import type { PreparedRun } from '../prepare/prepare-run.js';
import { lockBackend } from '../../state/configured-lock.js';
import { dryRunJson, dryRunLines } from './dry-run.js';
import { treeDryRunJson, treeDryRunLines } from './tree-lines.js';
import { previewLint } from '../../lint/select.js';

/** --dry-run: the plan, as lines (on the human stream) or JSON (on stdout). Touches nothing. */
export async function showDryRun(
  prepared: PreparedRun,
  transport: string,
  json: boolean,
  stdout: NodeJS.WritableStream,
  human: NodeJS.WritableStream,
): Promise<number> {
  const { plan, file, restore, tree } = prepared;
  const { config } = prepared.loaded;
  const lintPreview = prepared.lint ? await previewLint(prepared.lint.tree, prepared.lint.hashes, prepared.lint.previous) : undefined;
  const treeInput = tree
    ? { tree, layout: config.deploy_layout, keepReleases: config.keep_releases, syncDelete: config.sync_delete, lint: lintPreview }
    : undefined;
  const treeContext =
    tree && treeInput ? { staged: tree, layout: config.deploy_layout, lines: treeDryRunLines(treeInput), json: treeDryRunJson(treeInput) } : undefined;
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
