import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configTable, TABLE_END, TABLE_START, withConfigTable } from '../../src/config/docs.js';
import { CONFIG_KEYS, SCHEMA } from '../../src/config/schema.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README configuration table', () => {
  it('is exactly the table generated from the schema (run `npm run docs` after changing a key)', () => {
    // Given the README / When its table is regenerated from the schema / Then nothing changes
    expect(withConfigTable(readme)).toBe(readme);
  });

  it('has one row per key with its type, default and meaning, cell by cell', () => {
    // Given the generated table's rows
    const section = readme.slice(readme.indexOf(TABLE_START), readme.indexOf(TABLE_END));
    const rows = section.split('\n').filter((line) => line.startsWith('| `'));
    // Then every key of the schema is there once, with its kind's type and its meaning
    expect(rows).toHaveLength(CONFIG_KEYS.length);
    for (const key of CONFIG_KEYS) {
      const row = rows.find((line) => line.startsWith(`| \`${key}\` |`));
      expect(row, key).toBeDefined();
      const cells = (row as string).split(' | ');
      expect(cells[1]).toBe(SCHEMA[key].kind.type.replace(/\|/g, '\\|'));
      expect(cells[3]?.replace(/ \|$/, '')).toBe(SCHEMA[key].meaning.replace(/\|/g, '\\|'));
    }
    expect(configTable()[0]).toBe('| key | type | default | meaning |');
  });
});
