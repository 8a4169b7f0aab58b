import { availableParallelism } from 'node:os';
import { mapLimited } from '../lib/map-limited.js';
import { plural, visible } from '../lib/text.js';
import type { StagedTree } from '../lib/tree.js';
import { checkJson, checkPhp } from './check-file.js';
import { findPhp, type LintFile, selectLintFiles } from './select.js';

export interface LintOptions {
  signal: AbortSignal;
  /** Files checked at once (default os.availableParallelism()). */
  concurrency?: number;
  /** Where `php` is looked for (default process.env.PATH). */
  searchPath?: string;
}

export interface LintFailure {
  /** Relative to stage_dir. */
  file: string;
  /** The checker's message, one line, control characters made visible. */
  message: string;
}

export interface LintOutcome {
  /** Files checked: not those left once one failed, nor .php ones without php. */
  checked: number;
  /** The first failing file in tree order, when one failed. */
  failure?: LintFailure;
  /** With php missing and .php files selected: `lint: php is not on this machine's PATH: N .php files not checked`. */
  skippedLine?: string;
}

/** One line, every control character (newline and tab included) made visible. */
const shown = (text: string): string => visible(text).replace(/\n/g, '\\x0a').replace(/\t/g, '\\x09');

/** The line printed when php is missing and `count` .php files are not checked. */
export function phpMissingLine(count: number): string {
  return `lint: php is not on this machine's PATH: ${plural(count, '.php file')} not checked`;
}

/**
 * Lint what a run would change: the `.php` (`php -l`, when php is on PATH) and `.json`
 * (JSON.parse) files whose content differs from `previous` (all, with none), in parallel, each
 * php in its own process group. Once one fails no new check starts; the failure reported is the
 * first in tree order among those checked. `signal` stops every check and rejects with its reason.
 */
export async function lintTree(
  tree: Pick<StagedTree, 'relativePath' | 'root' | 'source' | 'entries'>,
  hashes: ReadonlyMap<string, string>,
  previous: ReadonlyMap<string, string> | undefined,
  options: LintOptions,
): Promise<LintOutcome> {
  const selected = selectLintFiles(tree, hashes, previous);
  const phpFiles = selected.filter((file) => file.kind === 'php').length;
  const php = phpFiles > 0 ? await findPhp(options.searchPath) : undefined;
  const toCheck = php === undefined ? selected.filter((file) => file.kind === 'json') : selected;
  let failed = false;
  let checked = 0;
  const check = async (file: LintFile): Promise<string | undefined> => {
    if (failed) return undefined;
    checked += 1;
    const message = file.kind === 'json' ? await checkJson(file) : await checkPhp(file, php as string, options.signal);
    if (message !== undefined) failed = true;
    return message;
  };
  const messages = await mapLimited(toCheck, options.concurrency ?? availableParallelism(), check, options.signal);
  const index = messages.findIndex((message) => message !== undefined);
  const first = toCheck[index];
  return {
    checked,
    ...(first !== undefined ? { failure: { file: shown(first.stagePath), message: shown(messages[index] as string) } } : {}),
    ...(php === undefined && phpFiles > 0 ? { skippedLine: phpMissingLine(phpFiles) } : {}),
  };
}
