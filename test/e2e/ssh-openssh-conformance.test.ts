import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenSshSandbox, createOpenSshSandbox, openSshSandboxAvailable } from '../transport/ssh/openssh-sandbox.js';
import { TEST_NETWORK_OFFSET, testNetwork } from '../helpers/test-network.js';
import { sshdAvailable } from './fleet/sshd-fleet.js';
import { BASTION_CASES, HOST_KEY_TYPE_CASES, KNOWN_HOSTS_CASES } from './openssh-conformance/cases.js';
import { CERTIFICATE_CASES } from './openssh-conformance/certificate-cases.js';
import { type Fixtures, setUpFixtures } from './openssh-conformance/fixtures.js';
import { AUTH_CASES, RESOLUTION_CASES } from './openssh-conformance/more-cases.js';
import { type ConformanceCase, runCase } from './openssh-conformance/runner.js';

// Conformance with OpenSSH (issue 10): for each case, deploy must resolve the host as `ssh -G`
// does, and accept or refuse the connection as a real `ssh` (BatchMode, strict host key
// checking) does, on real sshd hosts. The one allowed difference: host certificates, which
// deploy refuses with a line naming the @cert-authority line (issue 20: certificate-cases.ts).
const available = sshdAvailable() && openSshSandboxAvailable();
if (!available && process.env.CI) throw new Error('the OpenSSH conformance suite needs root, sshd, ssh and unshare (see .ci/run)');

/** This file's /24 (127.0.60.2-5:2222 by default; DEPLOY_TEST_SUBNET and DEPLOY_TEST_PORT move it). */
const NETWORK = testNetwork(TEST_NETWORK_OFFSET.opensshConformance);

describe.skipIf(!available)('deploy reaches hosts exactly as OpenSSH does', () => {
  let fixtures: Fixtures;
  let sandbox: OpenSshSandbox;
  let keys: string;

  beforeAll(async () => {
    keys = mkdtempSync(join(tmpdir(), 'deploy-conformance-keys-'));
    fixtures = await setUpFixtures(NETWORK, keys);
    sandbox = createOpenSshSandbox('deploy-conformance-');
  }, 300_000);
  afterAll(async () => {
    await fixtures?.fleet.stop();
    sandbox?.remove();
    if (keys) rmSync(keys, { recursive: true, force: true });
  });

  const categories: Array<[string, ConformanceCase[]]> = [
    ['bastions: ProxyJump, ProxyCommand, ssh_proxy_jump', BASTION_CASES],
    ['host key types: no false CHANGED', HOST_KEY_TYPE_CASES],
    ['known_hosts files', KNOWN_HOSTS_CASES],
    ['resolution: Match, Include, tokens', RESOLUTION_CASES],
    ['authentication', AUTH_CASES],
    ['certificates', CERTIFICATE_CASES],
  ];
  for (const [category, cases] of categories) {
    describe(category, () => {
      for (const testCase of cases) {
        it(testCase.name, async () => {
          // Given the case's ssh_config, known_hosts, keys and agent
          // When OpenSSH and deploy each resolve the host and connect to it
          const { openssh, deploy } = await runCase(sandbox, testCase, fixtures.vars);
          // Then OpenSSH did what the case says (the setup is right)
          expect(openssh.ok, `ssh said: ${openssh.said}`).toBe(testCase.openssh === 'accepts');
          // And deploy resolved the host exactly as ssh -G did, by itself
          expect(deploy.settings, deploy.said).toEqual(openssh.settings);
          expect(deploy.resolvedBy).toBe('deploy');
          // And deploy accepted or refused as ssh did (certificates: refused, saying why)
          if (testCase.certificate) {
            expect(deploy.ok).toBe(false);
          } else {
            expect(deploy.ok, `deploy said: ${deploy.said}`).toBe(openssh.ok);
          }
          if (testCase.deploySays !== undefined) expect(deploy.said, deploy.said).toMatch(testCase.deploySays);
        }, 300_000);
      }
    });
  }
});
