import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../../src/config/schema.js';

describe('README', () => {
  it('has a row for every config key in the schema, and none that is not in it', () => {
    // Given the README's configuration table
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1));
    const rows = [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((match) => match[1]);
    // When compared with the schema / Then they name the same keys
    expect(new Set(rows)).toEqual(new Set(CONFIG_KEYS));
  });
});
