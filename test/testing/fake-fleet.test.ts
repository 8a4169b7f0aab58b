import { describe } from 'vitest';
import { FakeFleet } from '../../testing/fake-fleet.js';
import { replaceContract } from '../transport/replace-contract.js';
import { type HostEntry, treeContract } from '../transport/tree-contract.js';

describe('fake fleet: readFile, keep, expect, removeFile', () => {
  replaceContract(() => {
    const fleet = new FakeFleet();
    return {
      transport: fleet,
      host: 'mw01',
      path: (name) => `/srv/app/${name}`,
      look: async (path) => {
        const file = fleet.files.get('mw01')?.get(path);
        return file && { content: file.content.toString(), mode: file.mode };
      },
    };
  });
});

describe('fake fleet: syncTree', () => {
  treeContract(() => {
    const fleet = new FakeFleet();
    return {
      transport: fleet,
      host: 'mw01',
      destination: (name) => `/srv/${name}`,
      look: async (destination) => {
        const tree = new Map<string, HostEntry>();
        for (const [path, file] of fleet.files.get('mw01') ?? []) {
          if (!path.startsWith(`${destination}/`)) continue;
          const entry = { content: file.content.toString(), mode: file.mode, mtime: file.mtimeMs ?? 0, symlink: file.symlink ?? false };
          tree.set(path.slice(destination.length + 1), entry);
        }
        return tree;
      },
      edit: async (destination, relative, content, mtime) => {
        const files = fleet.files.get('mw01') ?? new Map();
        fleet.files.set('mw01', files);
        files.set(`${destination}/${relative}`, { content: Buffer.from(content), mode: 0o644, mtimeMs: mtime });
      },
    };
  });
});
