import { describe, expect, it } from 'vitest';
import { type TreeDryRun, treeDryRunJson, treeDryRunLines } from '../../../src/run/dry-run/tree-lines.js';

const base: TreeDryRun = {
  tree: { relativePath: 'php', root: 'folder', destination: '/srv/app/php', files: 5000, bytes: 50_123_456, links: 1, excluded: ['.git/', '*.swp'] },
  layout: 'in-place',
  keepReleases: 5,
  syncDelete: true,
  lint: { php: 10, json: 2, phpFound: true, previousRun: true },
};

describe('treeDryRunLines', () => {
  it('names the tree (files, bytes, exclusions), the layout and what lint would check', () => {
    expect(treeDryRunLines(base)).toEqual([
      'tree: php/ → /srv/app/php: 5,000 files (50.1 MB), 1 link; sync_exclude: .git/ *.swp',
      'layout: in-place: changed and new files renamed into place together once all are on the host; what the stage no longer has is removed (sync_delete)',
      'lint: would check 12 files (10 .php with php -l, 2 .json): changed since the last run from this machine',
    ]);
  });

  it('says releases with keep_releases, sync-world as all of stage_dir, and lint with no record, off, or without php', () => {
    const world: TreeDryRun = {
      ...base,
      tree: { ...base.tree, relativePath: '.', destination: '/srv/app', files: 1, bytes: 999, links: 0, excluded: [] },
      layout: 'releases',
      syncDelete: false,
      lint: { php: 3, json: 0, phpFound: false, previousRun: false },
    };
    expect(treeDryRunLines(world)).toEqual([
      'tree: all of stage_dir → /srv/app: 1 file (999 B), 0 links; sync_exclude: none',
      "layout: releases, keep_releases 5: a new release beside current (unchanged files hard-linked), current switched right before each host's restart; nothing is removed (sync_delete off)",
      "lint: nothing to check: no .json file in the tree; php is not on this machine's PATH: 3 .php files would not be checked",
    ]);
    expect(treeDryRunLines({ ...base, lint: undefined })[2]).toBe('lint: off');
    expect(treeDryRunLines({ ...base, lint: { php: 0, json: 0, phpFound: true, previousRun: true } })[2]).toBe(
      'lint: nothing to check: no .php or .json file changed since the last run from this machine',
    );
    expect(treeDryRunLines({ ...base, lint: { php: 1, json: 0, phpFound: true, previousRun: false } })[2]).toBe(
      'lint: would check 1 file (1 .php with php -l): all, as no run from this machine recorded this path',
    );
  });

  it('gives the same as data for --json', () => {
    expect(treeDryRunJson({ ...base, layout: 'releases', lint: { php: 10, json: 2, phpFound: false, previousRun: true } })).toEqual({
      tree: { path: 'php', destination: '/srv/app/php', files: 5000, bytes: 50_123_456, links: 1, exclude: ['.git/', '*.swp'] },
      layout: 'releases',
      keepReleases: 5,
      syncDelete: true,
      lint: { enabled: true, php: 0, json: 2, phpSkipped: 10 },
    });
  });
});
