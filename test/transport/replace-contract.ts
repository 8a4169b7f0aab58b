import { expect, it } from 'vitest';
import { sha256 } from '../../src/lib/sha256.js';
import type { PreviousFile, Transport } from '../../src/transport/types.js';

/**
 * The Transport contract for reading, keeping, guarding and removing files, run against each
 * transport (local, the fake fleet, ssh): a transport plus a way to look at the host's file.
 */
export interface ReplaceSubject {
  transport: Transport;
  host: string;
  /** A fresh absolute remote path for one test. */
  path(name: string): string;
  /** What the host has at `path` (undefined: no file), looked at without the transport. */
  look(path: string): Promise<{ content: string; mode: number } | undefined>;
}

const signal = (): AbortSignal => new AbortController().signal;
const text = (value: string): Buffer => Buffer.from(value);

export function replaceContract(subject: () => ReplaceSubject): void {
  it('readFile: the whole file and its mode, or null when there is none', async () => {
    // Given a file written through the transport, and a path with none
    const { transport, host, path } = subject();
    const file = path('read.conf');
    await transport.writeFile(host, file, text('one\ntwo\n'), { signal: signal(), mode: 0o640 });
    // When both are read / Then the file comes back whole, the missing one as null
    const read = await transport.readFile(host, file, { signal: signal() });
    expect(read?.content.toString()).toBe('one\ntwo\n');
    expect(read?.mode).toBe(0o640);
    expect(await transport.readFile(host, path('absent.conf'), { signal: signal() })).toBeNull();
  });

  it('writeFile with keep: hands over the old file before replacing it, null where there was none, nothing when unchanged', async () => {
    // Given a host with an old file, and a path with no file
    const { transport, host, path, look } = subject();
    const file = path('kept.conf');
    await transport.writeFile(host, file, text('old\n'), { signal: signal(), mode: 0o644 });
    const kept: Array<PreviousFile | null> = [];
    // The host still has the old file while keep runs
    const seenDuringKeep: Array<string | undefined> = [];
    const keep = async (previous: PreviousFile | null): Promise<void> => {
      kept.push(previous);
      seenDuringKeep.push((await look(file))?.content);
    };
    // When new content is written with keep, then the same again, then a new file elsewhere
    expect(await transport.writeFile(host, file, text('new\n'), { signal: signal(), mode: 0o644, keep })).toEqual({ changed: true });
    expect(await transport.writeFile(host, file, text('new\n'), { signal: signal(), mode: 0o644, keep })).toEqual({ changed: false });
    await transport.writeFile(host, path('fresh.conf'), text('first\n'), { signal: signal(), mode: 0o644, keep: async (previous) => void kept.push(previous) });
    // Then keep got the old content with its mode, once, then null for the new file
    expect(kept.map((item) => item && { content: item.content.toString(), mode: item.mode })).toEqual([{ content: 'old\n', mode: 0o644 }, null]);
    expect(seenDuringKeep).toEqual(['old\n']);
    expect((await look(file))?.content).toBe('new\n');
  });

  it('writeFile with expect: replaces only the file it expects, and says what it found otherwise', async () => {
    // Given a host file with known content
    const { transport, host, path, look } = subject();
    const file = path('guarded.conf');
    await transport.writeFile(host, file, text('v1\n'), { signal: signal(), mode: 0o644 });
    // When a write expects other content / Then nothing is written and the conflict is named
    expect(await transport.writeFile(host, file, text('v3\n'), { signal: signal(), mode: 0o644, expect: sha256(text('v2\n')) })).toEqual({
      changed: false,
      conflict: 'the file has other content',
    });
    expect((await look(file))?.content).toBe('v1\n');
    // When it expects no file / Then the same
    expect(await transport.writeFile(host, file, text('v3\n'), { signal: signal(), mode: 0o644, expect: null })).toEqual({
      changed: false,
      conflict: 'a file is there',
    });
    // When it expects the content that is there / Then it replaces it
    expect(await transport.writeFile(host, file, text('v3\n'), { signal: signal(), mode: 0o644, expect: sha256(text('v1\n')) })).toEqual({ changed: true });
    expect((await look(file))?.content).toBe('v3\n');
    // And a write expecting a file where there is none writes nothing
    const none = path('none.conf');
    expect(await transport.writeFile(host, none, text('x\n'), { signal: signal(), mode: 0o644, expect: sha256(text('v1\n')) })).toEqual({
      changed: false,
      conflict: 'the file is gone',
    });
    expect(await look(none)).toBeUndefined();
  });

  it('removeFile: removes the file (keeping it first), guarded by expect; a missing file is no error', async () => {
    // Given a host file
    const { transport, host, path, look } = subject();
    const file = path('removed.conf');
    await transport.writeFile(host, file, text('bye\n'), { signal: signal(), mode: 0o600 });
    // When a removal expects other content / Then the file stays
    expect(await transport.removeFile(host, file, { signal: signal(), expect: sha256(text('other\n')) })).toEqual({
      changed: false,
      conflict: 'the file has other content',
    });
    expect((await look(file))?.content).toBe('bye\n');
    // When it expects this content, with keep / Then it is gone and was handed over first
    const kept: Array<string | undefined> = [];
    expect(
      await transport.removeFile(host, file, {
        signal: signal(),
        expect: sha256(text('bye\n')),
        keep: async (previous) => void kept.push(previous?.content.toString()),
      }),
    ).toEqual({ changed: true });
    expect(await look(file)).toBeUndefined();
    expect(kept).toEqual(['bye\n']);
    // When it is removed again / Then nothing changes
    expect(await transport.removeFile(host, file, { signal: signal() })).toEqual({ changed: false });
  });
}
