import { describe } from 'vitest';
import { FakeFleet } from '../../testing/fake-fleet.js';
import { replaceContract } from '../transport/replace-contract.js';

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
