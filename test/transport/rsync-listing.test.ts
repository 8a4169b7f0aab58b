import { describe, expect, it } from 'vitest';
import { buildRsyncListing, decodeRsyncName, parseRsyncListing } from '../../src/transport/rsync-listing.js';
import { buildRsyncTree } from '../../src/transport/rsync-tree.js';

describe('buildRsyncListing', () => {
  it("is the sync's own argv (same flags, same --exclude words) with -n and specials listed, into the empty folder", () => {
    // Given the argv of a sync with two patterns
    const sync = buildRsyncTree({ source: '/stage/php', destination: '/tmp/empty', delete: false, exclude: ['*.swp', '/cache/'] });
    // When the listing of the same folder is built / Then it differs only by -n --specials --devices
    expect(buildRsyncListing('/stage/php', true, ['*.swp', '/cache/'], '/tmp/empty')).toEqual([sync[0], '-n', '--specials', '--devices', ...sync.slice(1)]);
  });

  it('names the file itself (no trailing /) for the tree of one file', () => {
    expect(buildRsyncListing('/stage/a.php', false, [], '/tmp/empty').slice(-2)).toEqual(['/stage/a.php', '/tmp/empty']);
  });
});

describe('parseRsyncListing', () => {
  it('reads items by kind, without the root, decoding escaped bytes as UTF-8; skipped non-regular files from stderr', () => {
    // Given what rsync 3.5.0 printed (LC_ALL=C) as a user who may not make devices
    const stdout = [
      'deploy-item .d..t...... ./',
      'deploy-item >f+++++++++ a.php',
      'deploy-item >f+++++++++ bs\\#134#101',
      'deploy-item cS+++++++++ fifo',
      'deploy-item cL+++++++++ link',
      'deploy-item >f+++++++++ new\\#012line',
      'deploy-item >f+++++++++ x -> y',
      'deploy-item >f+++++++++ \\#303\\#251.php',
      'deploy-item cd+++++++++ a/',
      'deploy-item cd+++++++++ a/cache/',
      '',
      'Number of files: 9 (reg: 5, dir: 2, link: 1, special: 1)',
    ].join('\n');
    const stderr = 'skipping non-regular file "d\\#303\\#251v"\n';
    // When parsed
    const listing = parseRsyncListing(stdout, stderr);
    // Then
    expect(listing.items).toEqual([
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
    expect(listing.skipped).toEqual(['dév']);
    expect(listing.undecodable).toEqual([]);
  });

  it('keeps a name that is not UTF-8 apart, as rsync printed it', () => {
    expect(decodeRsyncName('caf\\#351')).toBeUndefined();
    expect(parseRsyncListing('deploy-item >f+++++++++ caf\\#351.php\n', '').undecodable).toEqual(['caf\\#351.php']);
  });
});
