import type { Config } from '../../config/schema.js';
import type { StagedTree } from '../prepare/staged-tree.js';

/** What --dry-run says of a tree: its files and bytes, exclusions, the layout. */
export function treeDryRunLines(tree: StagedTree, config: Pick<Config, 'deploy_layout' | 'keep_releases' | 'sync_delete' | 'lint'>): string[] {
  const exclude = tree.exclude.length > 0 ? tree.exclude.join(' ') : '(none)';
  const layout = config.deploy_layout === 'releases' ? `releases (keep_releases ${config.keep_releases})` : 'in-place';
  return [
    `tree: ${tree.source}: ${tree.files} files, ${tree.bytes} bytes; sync_exclude: ${exclude}; sync_delete: ${config.sync_delete}`,
    `deploy_layout: ${layout}`,
  ];
}
