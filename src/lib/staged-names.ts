import type { TreeEntry } from './tree.js';

/**
 * A staged tree's names, for reading hosts' rsync output at any number of hosts: each path is
 * one string that every host's lists share, and the files and links are also kept in the order
 * rsync sends them, so that a host whose items are that list from its start (every first sync)
 * holds a count rather than a list of its own (PrefixList).
 */
export interface StagedNames {
  /** Each path (folders too) mapped to itself. */
  readonly paths: ReadonlyMap<string, string>;
  /** Files and symlinks, in rsync's order: a first sync's item list, whole. */
  readonly files: readonly string[];
}

export const NO_STAGED_NAMES: StagedNames = { paths: new Map(), files: [] };

export function stagedNames(entries: readonly Pick<TreeEntry, 'path' | 'kind'>[]): StagedNames {
  const paths = new Map<string, string>();
  const files: string[] = [];
  for (const { path, kind } of entries) {
    paths.set(path, path);
    if (kind !== 'dir') files.push(path);
  }
  return { paths, files };
}

/**
 * A list read item by item which, while its items are the first ones of `model` (the same
 * strings), holds only how many: it is copied out of the model at the first item that differs,
 * and is the model itself when it ends as the whole of it. The result is shared: never mutate it.
 */
export class PrefixList {
  private own: string[] | undefined;
  private matched = 0;

  constructor(private readonly model: readonly string[]) {}

  push(item: string): void {
    if (this.own === undefined) {
      if (this.model[this.matched] === item) {
        this.matched++;
        return;
      }
      this.own = this.model.slice(0, this.matched);
    }
    this.own.push(item);
  }

  list(): readonly string[] {
    if (this.own !== undefined) return this.own;
    return this.matched === this.model.length ? this.model : this.model.slice(0, this.matched);
  }
}
