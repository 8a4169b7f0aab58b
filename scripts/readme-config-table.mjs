// Regenerates the configuration table in README.md from the schema (run `npm run docs`).
import { readFileSync, writeFileSync } from 'node:fs';
import { withConfigTable } from '../dist/src/config/docs.js';

const path = new URL('../README.md', import.meta.url);
writeFileSync(path, withConfigTable(readFileSync(path, 'utf8')));
