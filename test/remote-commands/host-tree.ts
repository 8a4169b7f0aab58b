import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';

/** Helpers of the host-script tests: run an argv as a host would, write and read trees. */

export interface Ran {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Run a builder's argv here, as the host runs it (argv[0] is `sh`). */
export async function run(argv: readonly string[], options: { uid?: number; gid?: number; pathFirst?: string } = {}): Promise<Ran> {
  const [file, ...args] = argv as [string, ...string[]];
  const result = await execa(file, args, {
    reject: false,
    stripFinalNewline: false,
    uid: options.uid,
    gid: options.gid,
    env: { PATH: [options.pathFirst, process.env.PATH ?? '/usr/bin:/bin'].filter(Boolean).join(':') },
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** A tree to write: path → content, or `{ link }` for a symbolic link, or `{ dir: true }` for a folder. */
export type TreeSpec = Record<string, string | { link: string } | { dir: true } | { content: string; mode: number }>;

export async function writeTree(root: string, tree: TreeSpec): Promise<void> {
  await mkdir(root, { recursive: true });
  for (const [path, entry] of Object.entries(tree)) {
    const full = join(root, path);
    await mkdir(dirname(full), { recursive: true });
    if (typeof entry === 'string') await writeFile(full, entry);
    else if ('link' in entry) await symlink(entry.link, full);
    else if ('dir' in entry) await mkdir(full, { recursive: true });
    else await writeFile(full, entry.content, { mode: entry.mode });
  }
}

/** Every entry under root, sorted: `path` → `file <mode> <content>` / `link <target>` / `dir <mode>`. */
export async function readTree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (folder: string, prefix: string): Promise<void> => {
    for (const name of (await readdir(folder)).sort()) {
      const full = join(folder, name);
      const path = prefix === '' ? name : `${prefix}/${name}`;
      const stat = await lstat(full);
      const mode = (stat.mode & 0o7777).toString(8);
      if (stat.isSymbolicLink()) out[path] = `link ${await readlink(full)}`;
      else if (stat.isDirectory()) {
        out[path] = `dir ${mode}`;
        await walk(full, path);
      } else out[path] = `file ${mode} ${(await readFile(full)).toString()}`;
    }
  };
  await walk(root, '');
  return out;
}

/** Everything a refusal must leave as it was: each entry's type, mode, inode, size, mtime and content hash. */
export async function fingerprint(root: string): Promise<string[]> {
  const lines: string[] = [];
  const walk = async (folder: string, prefix: string): Promise<void> => {
    const stat = await lstat(folder);
    lines.push(`${prefix || '.'} ${stat.mode} ${stat.ino} ${stat.size} ${stat.mtimeMs} ${stat.nlink}`);
    if (!stat.isDirectory()) {
      const body = stat.isSymbolicLink() ? await readlink(folder) : await readFile(folder);
      lines.push(`  ${createHash('sha256').update(body).digest('hex')}`);
      return;
    }
    for (const name of (await readdir(folder)).sort()) await walk(join(folder, name), prefix === '' ? name : `${prefix}/${name}`);
  };
  await walk(root, '');
  return lines;
}

export async function inode(path: string): Promise<number> {
  return (await lstat(path)).ino;
}
