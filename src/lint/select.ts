import { access, constants, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { localPathOf, type StagedTree, stagePathOf } from '../lib/tree.js';

export type LintKind = 'php' | 'json';

/** A file the lint checks. */
export interface LintFile {
  kind: LintKind;
  /** Relative to stage_dir, posix: how it is named in messages. */
  stagePath: string;
  /** On this machine. */
  localPath: string;
}

/** `php` for `.php`, `json` for `.json`, else undefined (as php-fpm's `\.php$`, case matters). */
export function lintKindOf(path: string): LintKind | undefined {
  if (path.endsWith('.php')) return 'php';
  if (path.endsWith('.json')) return 'json';
  return undefined;
}

/**
 * The `.php` and `.json` regular files of the tree whose sha256 (`hashes`, by stage path) differs
 * from what the last successful run sent (`previous`), or all of them with no record. A file
 * missing from `hashes` is selected (it was not hashed, so it cannot be known unchanged).
 */
export function selectLintFiles(
  tree: Pick<StagedTree, 'relativePath' | 'root' | 'source' | 'entries'>,
  hashes: ReadonlyMap<string, string>,
  previous: ReadonlyMap<string, string> | undefined,
): LintFile[] {
  const selected: LintFile[] = [];
  for (const entry of tree.entries) {
    const kind = entry.kind === 'file' ? lintKindOf(entry.path) : undefined;
    if (kind === undefined) continue;
    const stagePath = stagePathOf(tree, entry.path);
    const hash = hashes.get(stagePath);
    if (hash !== undefined && previous?.get(stagePath) === hash) continue;
    selected.push({ kind, stagePath, localPath: localPathOf(tree, entry.path) });
  }
  return selected;
}

/** The `php` a shell would run from `searchPath` (PATH), or undefined when there is none. */
export async function findPhp(searchPath: string | undefined = process.env.PATH): Promise<string | undefined> {
  for (const folder of (searchPath ?? '').split(delimiter)) {
    if (folder === '') continue;
    const candidate = join(folder, 'php');
    const info = await stat(candidate).catch(() => undefined);
    if (!info?.isFile()) continue;
    if (
      await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  return undefined;
}

/** What the lint of a run would check, for --dry-run: counts only, nothing run. */
export interface LintPreview {
  php: number;
  json: number;
  /** php is on PATH (else the .php files would not be checked). */
  phpFound: boolean;
  /** A previous run recorded the path (else every file is checked). */
  previousRun: boolean;
}

/** Count what lintTree would check, and whether php is there to check the .php files. */
export async function previewLint(
  tree: Pick<StagedTree, 'relativePath' | 'root' | 'source' | 'entries'>,
  hashes: ReadonlyMap<string, string>,
  previous: ReadonlyMap<string, string> | undefined,
  searchPath?: string,
): Promise<LintPreview> {
  const selected = selectLintFiles(tree, hashes, previous);
  const php = selected.filter((file) => file.kind === 'php').length;
  return { php, json: selected.length - php, phpFound: (await findPhp(searchPath)) !== undefined, previousRun: previous !== undefined };
}
