import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDuration, formatSeconds } from '../../src/lib/duration.js';
import { isPort, parseHostPort } from '../../src/lib/host-port.js';
import { expandHome } from '../../src/lib/paths.js';
import { readTextIfExists } from '../../src/lib/read-file.js';
import { isTemporaryFor, temporaryName } from '../../src/lib/temporary-name.js';
import { oneLine, visible } from '../../src/lib/text.js';

describe('durations', () => {
  it('formats a phase as MMm SSs and a host figure as short seconds', () => {
    // Given durations in ms / When formatted / Then Scap's format and a short one
    expect(formatDuration(8_400)).toBe('00m 08s');
    expect(formatDuration(6_000_000)).toBe('100m 00s');
    expect([420, 2_000, 12_345, 300_000].map(formatSeconds)).toEqual(['0.42s', '2s', '12.3s', '5m 00s']);
  });
});

describe('host:port', () => {
  it('splits a port off at the last colon, and refuses a port out of range', () => {
    // Given names with and without ports / When parsed / Then only 1-65535 is a port
    expect(parseHostPort('mw01')).toEqual({ name: 'mw01' });
    expect(parseHostPort('mw01:2222')).toEqual({ name: 'mw01', port: 2222 });
    expect(parseHostPort('mw01:65536')).toBeUndefined();
    expect(parseHostPort('mw01:0')).toBeUndefined();
    expect(parseHostPort(':22')).toBeUndefined();
    expect(isPort(65535) && !isPort(1.5)).toBe(true);
  });
});

describe('paths and files', () => {
  it('expands ~ only at the start', () => {
    expect(expandHome('~/x', '/home/a')).toBe('/home/a/x');
    expect(expandHome('~', '/home/a')).toBe('/home/a');
    expect(expandHome('/tmp/~/x', '/home/a')).toBe('/tmp/~/x');
  });

  it('reads a missing file as undefined but never takes an unreadable one for missing', () => {
    // Given a folder where a file is missing, and a folder in place of a file
    const dir = mkdtempSync(join(tmpdir(), 'deploy-lib-'));
    writeFileSync(join(dir, 'ok'), 'text');
    chmodSync(dir, 0o700);
    // When read / Then missing is undefined, present is its text, a folder throws EISDIR
    expect(readTextIfExists(join(dir, 'missing'))).toBeUndefined();
    expect(readTextIfExists(join(dir, 'ok'))).toBe('text');
    expect(() => readTextIfExists(dir)).toThrow(/EISDIR/);
  });

  it('names temporaries so that only our own are recognised', () => {
    const name = temporaryName('/srv/app/index.php', 'a1b2c3d4e5f6');
    expect(name).toBe('/srv/app/.index.php.deploy-a1b2c3d4e5f6.tmp');
    expect(isTemporaryFor('/srv/app/index.php', '.index.php.deploy-a1b2c3d4e5f6.tmp')).toBe(true);
    expect(isTemporaryFor('/srv/app/index.php', '.index.php.deploy-mine.tmp')).toBe(false);
    expect(isTemporaryFor('/srv/app/index.php', '.other.php.deploy-a1b2c3d4e5f6.tmp')).toBe(false);
  });
});

describe('text', () => {
  it('folds lines into one', () => {
    expect(oneLine('a\n  b\r\nc ')).toBe('a b c');
  });

  it('shows control characters visibly and keeps newlines and tabs', () => {
    // Given output with a clear-screen, a window title, an OSC 52 clipboard write and a bare CR
    const raw = 'ok\x1b[2J\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07\tdone\rhidden\r\nend\x9b';
    // When made visible
    const shown = visible(raw);
    // Then no control byte is left but newline and tab
    expect(shown).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    expect(shown).toBe('ok\\x1b[2J\\x1b]0;pwned\\x07\\x1b]52;c;ZXZpbA==\\x07\tdone\\x0dhidden\nend\\x9b');
  });
});
