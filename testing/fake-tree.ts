import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** One file or symlink of a tree as the synthetic fleet keeps it. */
export interface FakeTreeEntry {
  content: Buffer;
  mode: number;
  mtimeMs: number;
  /** A symlink: `content` is its target. */
  symlink?: boolean;
  /** A file listed without its content (readTree's `sizesOnly`): its size; `content` is empty. */
  size?: number;
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let index = 0; index < glob.length; index++) {
    const char = glob[index] as string;
    if (char === '*' && glob[index + 1] === '*') {
      source += '.*';
      index++;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/**
 * Whether rsync's `--exclude=<pattern>` matches the path `relative` (a folder when `isDir`):
 * a trailing `/` matches folders only, a leading `/` anchors at the synced folder, a pattern
 * without `/` matches the last name at any depth; `*`, `**` and `?` as rsync reads them.
 */
export function excludes(pattern: string, relative: string, isDir: boolean): boolean {
  let body = pattern;
  if (body.endsWith('/')) {
    if (!isDir) return false;
    body = body.slice(0, -1);
  }
  const anchored = body.startsWith('/');
  if (anchored) body = body.slice(1);
  const regExp = globToRegExp(body);
  if (anchored || body.includes('/')) return regExp.test(relative);
  return regExp.test(relative.split('/').pop() ?? relative);
}

/** Whether `relative` (a file) or any folder above it is excluded by one of `patterns`. */
export function excludedPath(patterns: readonly string[], relative: string): boolean {
  const parts = relative.split('/');
  return parts.some((_, index) => {
    const path = parts.slice(0, index + 1).join('/');
    const isDir = index < parts.length - 1;
    return patterns.some((pattern) => excludes(pattern, path, isDir));
  });
}

/** The files and symlinks under `root` (relative paths), excluded ones and their folders left out. */
export async function readTree(root: string, patterns: readonly string[], sizesOnly = false): Promise<Map<string, FakeTreeEntry>> {
  const tree = new Map<string, FakeTreeEntry>();
  const walk = async (folder: string, prefix: string): Promise<void> => {
    for (const name of (await readdir(folder)).sort()) {
      const path = join(folder, name);
      const relative = prefix === '' ? name : `${prefix}/${name}`;
      const stats = await lstat(path);
      if (patterns.some((pattern) => excludes(pattern, relative, stats.isDirectory()))) continue;
      if (stats.isDirectory()) await walk(path, relative);
      else if (stats.isSymbolicLink())
        tree.set(relative, { content: Buffer.from(await readlink(path)), mode: 0o777, mtimeMs: Math.floor(stats.mtimeMs / 1000), symlink: true });
      else if (stats.isFile() && sizesOnly)
        tree.set(relative, { content: Buffer.alloc(0), size: stats.size, mode: stats.mode & 0o7777, mtimeMs: Math.floor(stats.mtimeMs / 1000) });
      else if (stats.isFile()) tree.set(relative, { content: await readFile(path), mode: stats.mode & 0o7777, mtimeMs: Math.floor(stats.mtimeMs / 1000) });
    }
  };
  await walk(root, '');
  return tree;
}

/** A file's size, whether its content was read or only its size. */
export const sizeOf = (entry: FakeTreeEntry): number => entry.size ?? entry.content.length;

/** rsync's quick check: a different kind, size, mtime (whole seconds) or mode means the file moves. */
export function differs(current: FakeTreeEntry | undefined, wanted: FakeTreeEntry): boolean {
  if (current === undefined) return true;
  if (Boolean(current.symlink) !== Boolean(wanted.symlink)) return true;
  if (wanted.symlink) return !current.content.equals(wanted.content);
  return sizeOf(current) !== sizeOf(wanted) || current.mtimeMs !== wanted.mtimeMs || current.mode !== wanted.mode;
}
