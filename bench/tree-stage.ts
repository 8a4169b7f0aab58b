/** The tree of issue 22's figures: a PHP code base's shape, random (incompressible) content. */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mulberry32 } from './distribution.js';

/** Log-normal sizes (median ~3 KB, a long tail) drawn with `seed`, scaled to `totalMB`, in 3 levels of folders. Returns the files' relative paths. */
export async function stageTree(root: string, options: { files: number; totalMB: number; seed: number }): Promise<string[]> {
  const next = mulberry32(options.seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const raw = Array.from({ length: options.files }, () => Math.exp(Math.log(3000) + 1.6 * normal()));
  const scale = (options.totalMB * 1_000_000) / raw.reduce((sum, size) => sum + size, 0);
  const names: string[] = [];
  for (const [index, size] of raw.entries()) {
    const name = `includes/m${index % 10}/d${index % 97}/File${index}.php`;
    await mkdir(join(root, name, '..'), { recursive: true });
    await writeFile(join(root, name), randomBytes(Math.max(1, Math.round(size * scale))));
    names.push(name);
  }
  return names;
}
