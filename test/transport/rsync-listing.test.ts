import { describe, expect, it } from 'vitest';
import { buildRsyncListing, decodeRsyncName, parsePermissions, parseRsyncListing } from '../../src/transport/rsync-listing.js';
import { buildRsyncTree } from '../../src/transport/rsync-tree.js';

describe('buildRsyncListing', () => {
  it("is the sync's own argv (same flags, same --exclude words) with -n and specials listed, into the empty folder", () => {
    // Given the argv of a sync with two patterns
    const sync = buildRsyncTree({ source: '/stage/php', destination: '/tmp/empty', delete: false, exclude: ['*.swp', '/cache/'] });
    // When the listing of the same folder is built / Then it differs only by -n --specials --devices, and items with their length, bits and mtime
    const listing = buildRsyncListing('/stage/php', true, ['*.swp', '/cache/'], '/tmp/empty');
    expect(listing).toEqual([
      sync[0],
      '-n',
      '--specials',
      '--devices',
      ...sync.slice(1).map((word) => (word.startsWith('--out-format=') ? '--out-format=deploy-item %i %l %B %M %n' : word)),
    ]);
  });

  it('names the file itself (no trailing /) for the tree of one file', () => {
    expect(buildRsyncListing('/stage/a.php', false, [], '/tmp/empty').slice(-2)).toEqual(['/stage/a.php', '/tmp/empty']);
  });
});

describe('parsePermissions', () => {
  it("reads rsync's %B as ls shows bits: setuid, setgid, sticky, with or without x", () => {
    expect(parsePermissions('rw-r--r--')).toBe(0o644);
    expect(parsePermissions('rwxr-xr-x')).toBe(0o755);
    expect(parsePermissions('rwsr-s--T')).toBe(0o7750);
    expect(parsePermissions('rwSrwxrwt')).toBe(0o5677);
    expect(parsePermissions('---------')).toBe(0);
  });
});

describe('parseRsyncListing', () => {
  it('reads items by kind, without the root, decoding escaped bytes as UTF-8; skipped non-regular files from stderr', () => {
    // Given what rsync 3.5.0 printed (LC_ALL=C) as a user who may not make devices
    const stdout = [
      'deploy-item .d..t...... 4096 rwxr-xr-x 2026/12/07-04:00:18 ./',
      'deploy-item >f+++++++++ 12 rw-r--r-- 2026/12/07-04:00:18 a.php',
      'deploy-item >f+++++++++ 12 rw-r--r-- 2026/12/07-04:00:18 bs\\#134#101',
      'deploy-item cS+++++++++ 12 rw-r--r-- 2026/12/07-04:00:18 fifo',
      'deploy-item cL+++++++++ 12 rwxr-xr-x 2026/12/07-04:00:18 link',
      'deploy-item >f+++++++++ 12 rw-r--r-- 2026/12/07-04:00:18 new\\#012line',
      'deploy-item >f+++++++++ 12 rw-r--r-- 2026/12/07-04:00:18 x -> y',
      'deploy-item >f+++++++++ 12 rw-r--r-- 2026/12/07-04:00:18 \\#303\\#251.php',
      'deploy-item cd+++++++++ 4096 rwxr-xr-x 2026/12/07-04:00:18 a/',
      'deploy-item cd+++++++++ 4096 rwxr-xr-x 2026/12/07-04:00:18 a/cache/',
      '',
      'Number of files: 9 (reg: 5, dir: 2, link: 1, special: 1)',
    ].join('\n');
    const stderr = 'skipping non-regular file "d\\#303\\#251v"\n';
    // When parsed
    const listing = parseRsyncListing(stdout, stderr);
    // Then
    expect(listing.items.map(({ path, kind }) => ({ path, kind }))).toEqual([
      { path: 'a.php', kind: 'file' },
      { path: 'bs\\#101', kind: 'file' },
      { path: 'fifo', kind: 'special' },
      { path: 'link', kind: 'link' },
      { path: 'new\nline', kind: 'file' },
      { path: 'x -> y', kind: 'file' },
      { path: 'é.php', kind: 'file' },
      { path: 'a', kind: 'dir' },
      { path: 'a/cache', kind: 'dir' },
    ]);
    expect(listing.items[0]).toEqual({ path: 'a.php', kind: 'file', size: 12, mode: 0o644, mtimeMs: Date.UTC(2026, 11, 7, 4, 0, 18) });
    expect(listing.skipped).toEqual(['dév']);
    expect(listing.undecodable).toEqual([]);
  });

  it('keeps a name that is not UTF-8 apart, as rsync printed it', () => {
    expect(decodeRsyncName('caf\\#351')).toBeUndefined();
    expect(parseRsyncListing('deploy-item >f+++++++++ 12 rw-r--r-- 2026/12/07-04:00:18 caf\\#351.php\n', '').undecodable).toEqual(['caf\\#351.php']);
  });
});
