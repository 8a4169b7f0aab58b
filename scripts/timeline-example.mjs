#!/usr/bin/env node
// Regenerates docs/timeline-example.svg (and prints the same run as terminal text) from the
// 12-host example run in test/report/timeline/example-run.ts.
//
//   node scripts/timeline-example.mjs [--width 100] [--color] [--png]
//
// Node 20 cannot import .ts files: the project is compiled (typescript, a dev dependency) into a
// temp folder inside the checkout (so `chalk` resolves) and imported from there. --png also
// writes docs/timeline-example.png with rsvg-convert, to look at the picture.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';

const { values } = parseArgs({
  options: {
    width: { type: 'string', default: '100' },
    color: { type: 'boolean', default: false },
    png: { type: 'boolean', default: false },
  },
});
const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const out = mkdtempSync(path.join(root, '.timeline-example-'));
try {
  execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json'), '--outDir', out, '--sourceMap', 'false'], { stdio: 'inherit' });
  const load = (file) => import(pathToFileURL(path.join(out, file)).href);
  const { exampleRun } = await load('test/report/timeline/example-run.js');
  const { renderTimeline } = await load('src/report/timeline/index.js');
  const entry = exampleRun();
  mkdirSync(path.join(root, 'docs'), { recursive: true });
  const svgPath = path.join(root, 'docs', 'timeline-example.svg');
  writeFileSync(svgPath, renderTimeline(entry, { format: 'svg' }));
  console.log(`wrote ${path.relative(root, svgPath)}`);
  if (values.png) {
    const pngPath = svgPath.replace(/\.svg$/, '.png');
    execFileSync('rsvg-convert', ['--zoom', '1.5', '-o', pngPath, svgPath], { stdio: 'inherit' });
    console.log(`wrote ${path.relative(root, pngPath)}`);
  }
  process.stdout.write(renderTimeline(entry, { format: 'text', width: Number(values.width), color: values.color }));
} finally {
  rmSync(out, { recursive: true, force: true });
}
