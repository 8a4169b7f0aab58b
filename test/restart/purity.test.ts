import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('src/restart', () => {
  it('is transport- and terminal-agnostic: it never imports ssh2, ora, chalk or a transport implementation', () => {
    // Given every module of the engine
    const dir = new URL('../../src/restart/', import.meta.url).pathname;
    const imports = readdirSync(dir).flatMap((file) =>
      [...readFileSync(join(dir, file), 'utf8').matchAll(/^import .* from '([^']+)';$/gm)].map((match) => `${file}: ${match[1]}`),
    );
    // When its imports are listed / Then none reaches SSH, the terminal, or a concrete transport
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((line) => /ssh2|ora|chalk|execa|\/transport\/(?!types)|\/report\//.test(line))).toEqual([]);
  });
});
