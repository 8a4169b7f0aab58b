import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** Every module `source` imports, as the TypeScript compiler reads it: static, dynamic, re-exports, require. */
function importsOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName);
}

const ENGINE = new URL('../../src/rollout/', import.meta.url).pathname;

describe('src/rollout', () => {
  it('finds imports however they are written (the check cannot be fooled by formatting)', () => {
    // Given imports split over lines, type-only, side-effect, dynamic, re-exported and required
    const source = [
      "import {\n  a,\n  b,\n} from\n  '../x/multi.js';",
      "import type { T } from '../x/type.js'",
      "import '../x/side-effect.js';",
      "const m = await import('../x/dynamic.js');",
      "export { c } from '../x/reexport.js';",
      'export * from "../x/star.js";',
      "const r = require('../x/require.js');",
    ].join('\n');
    // When parsed / Then every one is found
    expect(importsOf(source).sort()).toEqual(
      ['../x/dynamic.js', '../x/multi.js', '../x/reexport.js', '../x/require.js', '../x/side-effect.js', '../x/star.js', '../x/type.js'].sort(),
    );
  });

  it('imports nothing outside itself but p-limit', () => {
    // Given every module of the engine
    const files = readdirSync(ENGINE).filter((file) => file.endsWith('.ts'));
    const imports = files.flatMap((file) => importsOf(readFileSync(join(ENGINE, file), 'utf8')).map((spec) => ({ file, spec })));
    // When each import is resolved
    const outside = imports.filter(({ file, spec }) => {
      if (spec === 'p-limit') return false;
      if (!spec.startsWith('.')) return true;
      const target = resolve(dirname(join(ENGINE, file)), spec);
      return relative(ENGINE, target).startsWith('..');
    });
    // Then there are imports, and none leaves src/rollout
    expect(imports.length).toBeGreaterThan(0);
    expect(outside).toEqual([]);
  });
});
