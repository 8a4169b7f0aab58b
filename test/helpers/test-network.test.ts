import { describe, expect, it } from 'vitest';
import { TEST_NETWORK_OFFSET, testNetwork } from './test-network.js';

describe('testNetwork (DEPLOY_TEST_SUBNET, DEPLOY_TEST_PORT)', () => {
  it('gives each test file its own /24 from 127.0.2 on port 2222 by default', () => {
    // Given no variables / When each file asks for its network
    const networks = Object.values(TEST_NETWORK_OFFSET).map((offset) => testNetwork(offset, {}));
    // Then the networks follow each other from 127.0.2, all on 2222, and are all different
    expect(networks.map((n) => [n.network, n.port])).toEqual([
      ['127.0.2', 2222],
      ['127.0.3', 2222],
      ['127.0.4', 2222],
      ['127.0.5', 2222],
      ['127.0.6', 2222],
      ['127.0.7', 2222],
      ['127.0.8', 2222],
      ['127.0.9', 2222],
      ['127.0.11', 2222],
      ['127.0.12', 2222],
      ['127.0.13', 2222],
      ['127.0.14', 2222],
      ['127.0.15', 2222],
      ['127.0.16', 2222],
      ['127.0.17', 2222],
      ['127.0.18', 2222],
      ['127.0.19', 2222],
      ['127.0.60', 2222],
      ['127.0.61', 2222],
    ]);
    expect(testNetwork(TEST_NETWORK_OFFSET.fleetHarness, {}).address(4)).toBe('127.0.3.4');
  });

  it('moves every file by the base subnet and port from the environment', () => {
    // Given another suite's variables
    const env = { DEPLOY_TEST_SUBNET: ' 127.5.40 ', DEPLOY_TEST_PORT: '2422' };
    // When the files ask / Then they get the same offsets from that base, on that port
    expect(testNetwork(TEST_NETWORK_OFFSET.fleetDeploy, env)).toMatchObject({ network: '127.5.40', port: 2422 });
    expect(testNetwork(TEST_NETWORK_OFFSET.lossyLink, env).address(2)).toBe('127.5.42.2');
    // And empty values mean the defaults
    expect(testNetwork(0, { DEPLOY_TEST_SUBNET: '', DEPLOY_TEST_PORT: '' })).toMatchObject({ network: '127.0.2', port: 2222 });
  });

  it('refuses values that are not a loopback base or a port, saying what it expects', () => {
    // Given malformed variables / When a file asks / Then it fails with the variable's name
    for (const subnet of ['10.0.2', '127.0.2.1', '127.0', '127.0.254', '127.256.1', 'abc']) {
      expect(() => testNetwork(0, { DEPLOY_TEST_SUBNET: subnet }), subnet).toThrow(/^DEPLOY_TEST_SUBNET must be .* got "/);
    }
    for (const port of ['0', '65536', '22x', '-1', '2.5']) {
      expect(() => testNetwork(0, { DEPLOY_TEST_PORT: port }), port).toThrow(/^DEPLOY_TEST_PORT must be a TCP port/);
    }
  });
});
