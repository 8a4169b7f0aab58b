#!/usr/bin/env node
// The CLI's command modules as one bundle (run by `npm run build`, after tsc): oclif loads
// dist/bundle/index.js (package.json, oclif.commands.target) and its hooks beside it (the
// commands' folder name is `index`, the hooks' their own), and what a command loads on use
// (its service, the run, the transport) comes in a few chunks beside it, not in some 260
// modules that node's ESM loader resolves, reads and links one by one (about 0.1 s of every
// run's start, figure T). tsc still compiles every file to dist/src: the tests and the
// benchmarks import those, and esbuild only links them (no second compiler), keeping tsc's
// source maps.
//
// Inlined: the dependencies that are plain JavaScript loaded on every run (INLINED). Every
// other dependency stays a package import: oclif (its plugins bring their own copy, and it
// reads its own package.json), ssh2 (native crypto beside its files), etcd3 (grpc's .proto
// files), ora (loaded only for a terminal).
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const INLINED = new Set(['zod', 'chalk', 'shlex']);

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const external = Object.keys(pkg.dependencies ?? {}).filter((name) => !INLINED.has(name));
const outdir = join(root, 'dist', 'bundle');

// Chunks are named by their content: last build's would otherwise stay beside the new ones.
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['dist/src/commands/index.js', 'dist/src/hooks/command-not-found.js', 'dist/src/hooks/autocomplete-define.js'],
  outdir,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  sourcemap: 'linked',
  logLevel: 'warning',
});
