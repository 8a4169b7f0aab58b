import { formatBytes, formatCount } from '../../lib/bytes.js';
import { plural } from '../../lib/text.js';
import type { StagedTree } from '../../lib/tree.js';
import type { LintPreview } from '../../lint/select.js';

/** What --dry-run says of a tree run, beside the plan. */
export interface TreeDryRun {
  tree: Pick<StagedTree, 'relativePath' | 'root' | 'destination' | 'files' | 'bytes' | 'links' | 'excluded'>;
  layout: 'in-place' | 'releases';
  keepReleases: number;
  syncDelete: boolean;
  /** undefined: `lint` is off. */
  lint: LintPreview | undefined;
}

function treeLine({ tree }: TreeDryRun): string {
  const what = tree.relativePath === '.' ? 'all of stage_dir' : `${tree.relativePath}${tree.root === 'folder' ? '/' : ''}`;
  const files = `${formatCount(tree.files)} ${tree.files === 1 ? 'file' : 'files'} (${formatBytes(tree.bytes)})`;
  const excluded = tree.excluded.length > 0 ? tree.excluded.join(' ') : 'none';
  return `tree: ${what} → ${tree.destination}: ${files}, ${plural(tree.links, 'link')}; sync_exclude: ${excluded}`;
}

function layoutLine(input: TreeDryRun): string {
  const deletes = input.syncDelete ? 'what the stage no longer has is removed (sync_delete)' : 'nothing is removed (sync_delete off)';
  if (input.layout === 'in-place') return `layout: in-place: changed and new files renamed into place together once all are on the host; ${deletes}`;
  return `layout: releases, keep_releases ${input.keepReleases}: a new release beside current (unchanged files hard-linked), current switched right before each host's restart; ${deletes}`;
}

function lintLine(lint: LintPreview | undefined): string {
  if (lint === undefined) return 'lint: off';
  const php = lint.phpFound ? lint.php : 0;
  const total = php + lint.json;
  const missing = !lint.phpFound && lint.php > 0 ? `; php is not on this machine's PATH: ${plural(lint.php, '.php file')} would not be checked` : '';
  if (total === 0) {
    const none = lint.php > 0 ? 'no .json file' : 'no .php or .json file';
    return `lint: nothing to check: ${none} ${lint.previousRun ? 'changed since the last run from this machine' : 'in the tree'}${missing}`;
  }
  const kinds = [...(php > 0 ? [`${formatCount(php)} .php with php -l`] : []), ...(lint.json > 0 ? [`${formatCount(lint.json)} .json`] : [])];
  const since = lint.previousRun ? 'changed since the last run from this machine' : 'all, as no run from this machine recorded this path';
  return `lint: would check ${formatCount(total)} ${total === 1 ? 'file' : 'files'} (${kinds.join(', ')}): ${since}${missing}`;
}

/** The lines --dry-run prints for a tree: the tree (files, bytes, exclusions), the layout, the lint. */
export function treeDryRunLines(input: TreeDryRun): string[] {
  return [treeLine(input), layoutLine(input), lintLine(input.lint)];
}

/** The same, for --dry-run --json. */
export function treeDryRunJson(input: TreeDryRun): object {
  const { tree, lint } = input;
  return {
    tree: { path: tree.relativePath, destination: tree.destination, files: tree.files, bytes: tree.bytes, links: tree.links, exclude: tree.excluded },
    layout: input.layout,
    ...(input.layout === 'releases' ? { keepReleases: input.keepReleases } : {}),
    syncDelete: input.syncDelete,
    lint:
      lint === undefined ? { enabled: false } : { enabled: true, php: lint.phpFound ? lint.php : 0, json: lint.json, phpSkipped: lint.phpFound ? 0 : lint.php },
  };
}
