import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSentManifest, sentManifestsFolder, writeSentManifest } from '../../src/state/sent-manifests.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

const tempDir = useTempDirs();

async function folder(): Promise<string> {
  return sentManifestsFolder(join(await tempDir('deploy-sent-'), 'state', 'history.jsonl'));
}

const map = (entries: Record<string, string>): Map<string, string> => new Map(Object.entries(entries));

describe('sent manifests', () => {
  it('live in sent/ beside the history file, owner-only, and say nothing before a first run', async () => {
    const dir = await folder();
    expect(dir.endsWith(join('state', 'sent'))).toBe(true);
    expect(await readSentManifest(dir, '.')).toBeUndefined();
    // When sync-file php/ records what it sent
    await writeSentManifest(dir, 'php', map({ 'php/a.php': 'h1', 'php/lib/b.php': 'h2' }));
    // Then it is read back, and stored readable by its owner only
    expect(await readSentManifest(dir, 'php')).toEqual(map({ 'php/a.php': 'h1', 'php/lib/b.php': 'h2' }));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const name of readdirSync(dir)) expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);
  });

  it("gives a folder's files from the manifest of a path enclosing it: sync-world's covers sync-file php/", async () => {
    const dir = await folder();
    await writeSentManifest(dir, '.', map({ 'index.php': 'i1', 'php/a.php': 'a1', 'php/lib/b.php': 'b1', 'phpx/c.php': 'c1' }));
    expect(await readSentManifest(dir, 'php')).toEqual(map({ 'php/a.php': 'a1', 'php/lib/b.php': 'b1' }));
    expect(await readSentManifest(dir, 'php/a.php')).toEqual(map({ 'php/a.php': 'a1' }));
    // A path nothing recorded yet, under a recorded one: known to have had no files
    expect(await readSentManifest(dir, 'new')).toEqual(new Map());
  });

  it('takes the newer of a world and a folder manifest, whichever came last', async () => {
    // Given sync-world, then sync-file php/ (a.php changed, b.php deleted)
    const dir = await folder();
    await writeSentManifest(dir, '.', map({ 'index.php': 'i1', 'php/a.php': 'a1', 'php/b.php': 'b1' }));
    await writeSentManifest(dir, 'php', map({ 'php/a.php': 'a2' }));
    // Then the world's view has php/ from the later run, the rest from the world's
    expect(await readSentManifest(dir, '.')).toEqual(map({ 'index.php': 'i1', 'php/a.php': 'a2' }));
    // When sync-world runs again / Then it replaces php/'s manifest, which is removed
    await writeSentManifest(dir, '.', map({ 'index.php': 'i1', 'php/a.php': 'a3' }));
    expect(readdirSync(dir)).toEqual(['p-..json']);
    expect(await readSentManifest(dir, 'php')).toEqual(map({ 'php/a.php': 'a3' }));
  });

  it('ignores a leftover inner manifest older than the enclosing one, and a damaged one', async () => {
    const dir = await folder();
    await writeSentManifest(dir, 'php', map({ 'php/a.php': 'old' }));
    const leftover = readdirSync(dir)[0] as string;
    const content = readFileSync(join(dir, leftover));
    await writeSentManifest(dir, '.', map({ 'php/a.php': 'new' }));
    // Given php/'s manifest back (as if the world's cleanup had died), older than the world's
    writeFileSync(join(dir, leftover), content);
    expect(await readSentManifest(dir, 'php')).toEqual(map({ 'php/a.php': 'new' }));
    // Given the world's damaged / Then only php/'s counts
    writeFileSync(join(dir, 'p-..json'), '{"path": ".", "writtenAt"');
    expect(await readSentManifest(dir, 'php')).toEqual(map({ 'php/a.php': 'old' }));
  });

  it('stores a long path under its hash, and still finds it', async () => {
    const dir = await folder();
    const long = `${'deep/'.repeat(60)}f.php`;
    await writeSentManifest(dir, long, map({ [long]: 'h' }));
    expect(readdirSync(dir)[0]).toMatch(/^h-[0-9a-f]{64}\.json$/);
    expect(await readSentManifest(dir, long)).toEqual(map({ [long]: 'h' }));
    expect(await readSentManifest(dir, 'deep')).toEqual(map({ [long]: 'h' }));
  });
});
