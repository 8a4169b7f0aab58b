import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenSshSandbox, createOpenSshSandbox, openSshSandboxAvailable } from '../openssh-sandbox.js';
import { ERROR_CASES, HOST_CASES, IDENTITY_CASES, INCLUDE_CASES, KNOWN_HOSTS_CASES, MATCH_CASES, PROXY_CASES, TOKEN_CASES } from './parity-cases.js';
import { type ParityCase, runParityCase } from './parity-harness.js';

// Conformance, resolution half: deploy's own ssh_config reader against `ssh -G` (OpenSSH on
// this machine), on the same files. The acceptance half (a real ssh connecting) is in
// test/e2e/ssh-openssh-conformance.test.ts.
const available = openSshSandboxAvailable();
if (!available && process.env.CI) throw new Error('the OpenSSH parity test needs root, ssh and unshare');

describe.skipIf(!available)('ssh_config resolution agrees with ssh -G', () => {
  let sandbox: OpenSshSandbox;
  const written = new Set<string>();
  beforeAll(() => {
    sandbox = createOpenSshSandbox();
  });
  afterAll(() => sandbox?.remove());

  const categories: Array<[string, ParityCase[]]> = [
    ['Host blocks', HOST_CASES],
    ['Match', MATCH_CASES],
    ['Include', INCLUDE_CASES],
    ['% tokens and ${VAR}', TOKEN_CASES],
    ['ProxyJump and ProxyCommand', PROXY_CASES],
    ['known hosts files', KNOWN_HOSTS_CASES],
    ['identities', IDENTITY_CASES],
    ['errors', ERROR_CASES],
  ];
  for (const [category, cases] of categories) {
    describe(category, () => {
      for (const testCase of cases) {
        it(testCase.name, async () => {
          // Given the case's files; When ssh -G and deploy resolve the host
          const { openssh, deploy } = await runParityCase(sandbox, testCase, written);
          // Then both refuse it, or both give the same settings
          if (!openssh.ok) {
            expect(deploy, `ssh refused it: ${openssh.error}`).toMatchObject({ ok: false });
          } else {
            expect(deploy).toEqual({ ok: true, settings: openssh.settings, by: 'deploy' });
          }
        });
      }
    });
  }
});
