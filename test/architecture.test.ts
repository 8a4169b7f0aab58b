import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The layering rule README's "How it is built" states: a folder imports only from folders in
 * lower layers (never from its own layer's neighbours, never upwards), src/ imports nothing
 * outside src/, and no file takes part in an import cycle. Type-only and dynamic imports count:
 * a reader follows them just the same.
 */
const SRC_LAYERS: string[][] = [
  ['exit-codes.ts'],
  ['errors.ts', 'lib'],
  ['config', 'rollout', 'remote-commands', 'transport'],
  ['model', 'checks', 'completion', 'lint'],
  ['state', 'metrics'],
  ['report'],
  ['run'],
  ['services'],
  ['commands', 'hooks'],
];

/** Inside src/run, by stage of a run; `.` is run-deploy.ts, the table of contents. */
const RUN_LAYERS: string[][] = [['plan'], ['prepare'], ['phases', 'live', 'dry-run'], ['canary', 'start'], ['finish'], ['.']];

const SRC = resolve(new URL('../src/', import.meta.url).pathname);

interface Import {
  from: string;
  to: string;
}

/** Every relative import of every .ts file under `root`, as paths relative to `root`. */
function importsUnder(root: string): Import[] {
  const files: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder)) {
      const path = join(folder, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.ts')) files.push(path);
    }
  };
  walk(root);
  return files.flatMap((file) =>
    ts
      .preProcessFile(readFileSync(file, 'utf8'), true, true)
      .importedFiles.map((imported) => imported.fileName)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => ({ from: relative(root, file), to: relative(root, resolve(dirname(file), spec).replace(/\.js$/, '.ts')) })),
  );
}

/** The layer of a path's first folder (or root file) in `layers`, or undefined when not listed. */
function layerOf(path: string, layers: string[][]): { name: string; layer: number } | undefined {
  const name = path.includes('/') ? (path.split('/')[0] ?? path) : path;
  const layer = layers.findIndex((names) => names.includes(name));
  return layer === -1 ? undefined : { name, layer };
}

/** Imports that go up or sideways between the folders of `layers` (a folder may always import itself). */
function badArrows(imports: readonly Import[], layers: string[][], rootName?: string): string[] {
  const bad: string[] = [];
  for (const { from, to } of imports) {
    if (to.startsWith('..')) continue;
    const a = layerOf(rootName !== undefined && !from.includes('/') ? rootName : from, layers);
    const b = layerOf(rootName !== undefined && !to.includes('/') ? rootName : to, layers);
    if (!a || !b || a.name === b.name) continue;
    if (b.layer >= a.layer) bad.push(`${from} → ${to} (${a.name} may not import ${b.name})`);
  }
  return bad;
}

/** Every import cycle between files, one line each (Tarjan's strongly connected components). */
function cycles(imports: readonly Import[]): string[] {
  const graph = new Map<string, string[]>();
  for (const { from, to } of imports) graph.set(from, [...(graph.get(from) ?? []), to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node) ?? 0);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (stack.includes(next)) low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = member === node ? undefined : stack.pop()) component.push(member);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort().join(' ↔ '));
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

describe('the layering of src/', () => {
  const imports = importsUnder(SRC);

  it('finds cycles and upward arrows when there are some (the check can turn red)', () => {
    // Given a cycle a ↔ b, and lib importing run (an arrow pointing up)
    const made: Import[] = [
      { from: 'state/a.ts', to: 'state/b.ts' },
      { from: 'state/b.ts', to: 'state/a.ts' },
      { from: 'lib/x.ts', to: 'run/y.ts' },
    ];
    // When checked / Then both are named
    expect(cycles(made)).toEqual(['state/a.ts ↔ state/b.ts']);
    expect(badArrows(made, SRC_LAYERS)).toEqual(['lib/x.ts → run/y.ts (lib may not import run)']);
  });

  it('names a layer for every folder and root file of src/', () => {
    const listed = SRC_LAYERS.flat();
    expect(readdirSync(SRC).filter((entry) => !listed.includes(entry))).toEqual([]);
    const runListed = RUN_LAYERS.flat();
    const runFolders = readdirSync(join(SRC, 'run')).filter((entry) => statSync(join(SRC, 'run', entry)).isDirectory());
    expect(runFolders.filter((entry) => !runListed.includes(entry))).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(imports.length).toBeGreaterThan(100);
    expect(cycles(imports)).toEqual([]);
  });

  it('imports only from lower layers, and nothing outside src/', () => {
    expect(imports.filter(({ to }) => to.startsWith('..')).map(({ from, to }) => `${from} → ${to}`)).toEqual([]);
    expect(badArrows(imports, SRC_LAYERS)).toEqual([]);
  });

  it('inside src/run, imports only from earlier stages', () => {
    const inRun = imports
      .filter(({ from, to }) => from.startsWith('run/') && to.startsWith('run/'))
      .map(({ from, to }) => ({ from: from.slice('run/'.length), to: to.slice('run/'.length) }));
    expect(inRun.length).toBeGreaterThan(20);
    expect(badArrows(inRun, RUN_LAYERS, '.')).toEqual([]);
  });

  it('keeps every file of src/ at 250 lines or fewer (a longer one is split by topic)', () => {
    // Given every .ts file under src/ / When its lines are counted / Then none is over 250
    const long: string[] = [];
    const walk = (folder: string): void => {
      for (const entry of readdirSync(folder)) {
        const path = join(folder, entry);
        if (statSync(path).isDirectory()) walk(path);
        else if (entry.endsWith('.ts')) {
          const lines = readFileSync(path, 'utf8').trimEnd().split('\n').length;
          if (lines > 250) long.push(`${relative(SRC, path)}: ${lines} lines`);
        }
      }
    };
    walk(SRC);
    expect(long).toEqual([]);
  });
});
