/**
 * The conformance cases of issue 10, by category. `{mw01}` is a fleet host's address, `{port}`
 * its port, `{key:mw01}` its ed25519 host key (`type base64`), `{client}` the authorized client
 * key, `{dir}` the sandbox folder, `{agent}` the case's ssh-agent socket (see fixtures.ts).
 */
import type { ConformanceCase } from './runner.js';

const CONFIG = 'case/config';
/** A Host block for `name` on fleet host `host`, as root with the fleet key. */
const block = (name: string, host: string, extra = ''): string =>
  `Host ${name}\n  HostName {${host}}\n  Port {port}\n  User root\n  IdentityFile {client}\n${extra}`;
/** known_hosts lines for fleet hosts, `[address]:port type key`. */
const known = (...hosts: string[]): string => `${hosts.map((host) => `[{${host}}]:{port} {key:${host}}`).join('\n')}\n`;
const KNOWN = 'home/.ssh/known_hosts';
const RELAY = `import net from 'node:net';
const socket = net.connect(Number(process.argv[3]), process.argv[2]);
process.stdin.pipe(socket);
socket.pipe(process.stdout);
socket.on('error', (error) => { console.error(error.message); process.exit(1); });
socket.on('close', () => process.exit(0));
`;
const viaConfig = (testCase: Omit<ConformanceCase, 'deploy'> & { deploy?: ConformanceCase['deploy'] }): ConformanceCase => ({
  ...testCase,
  deploy: { config: CONFIG, ...testCase.deploy },
});

export const BASTION_CASES: ConformanceCase[] = [
  viaConfig({
    name: 'ProxyJump through a bastion, both host keys verified',
    files: { [CONFIG]: block('target', 'mw02', '  ProxyJump bastion\n') + block('bastion', 'mw01'), [KNOWN]: known('mw01', 'mw02') },
    host: 'target',
    openssh: 'accepts',
  }),
  viaConfig({
    name: 'a wrong bastion key fails the target, naming the bastion (it is not contacted directly)',
    files: { [CONFIG]: block('target', 'mw02', '  ProxyJump bastion\n') + block('bastion', 'mw01'), [KNOWN]: `[{mw01}]:{port} {wrongkey}\n${known('mw02')}` },
    host: 'target',
    openssh: 'refuses',
    deploySays: /via jump host bastion \(127\.0\.\d+\.2:\d+\): host key for 127\.0\.\d+\.2:\d+ CHANGED/,
  }),
  viaConfig({
    name: 'two hops, first hop first',
    files: { [CONFIG]: block('target', 'mw03', '  ProxyJump b1,b2\n') + block('b1', 'mw01') + block('b2', 'mw02'), [KNOWN]: known('mw01', 'mw02', 'mw03') },
    host: 'target',
    openssh: 'accepts',
  }),
  viaConfig({
    name: 'ProxyJump user@address:port, the jump host resolved from its own config',
    files: { [CONFIG]: `${block('target', 'mw02', '  ProxyJump root@{mw01}:{port}\n')}Host *\n  IdentityFile {client}\n`, [KNOWN]: known('mw01', 'mw02') },
    host: 'target',
    openssh: 'accepts',
  }),
  viaConfig({
    name: 'ProxyCommand: its stdio is the connection, %h and %p expanded',
    files: { [CONFIG]: block('target', 'mw02', '  ProxyCommand {node} {dir}/case/relay.mjs %h %p\n'), [KNOWN]: known('mw02'), 'case/relay.mjs': RELAY },
    host: 'target',
    openssh: 'accepts',
  }),
  viaConfig({
    name: 'ProxyCommand ssh -W through a bastion',
    files: {
      [CONFIG]:
        block('target', 'mw02', '  ProxyCommand ssh -F {dir}/case/config -W %h:%p bastion\n') +
        block('bastion', 'mw01') +
        'Host *\n  UserKnownHostsFile {dir}/case/known_hosts\n  GlobalKnownHostsFile none\n',
      'case/known_hosts': known('mw01', 'mw02'),
    },
    host: 'target',
    openssh: 'accepts',
  }),
  viaConfig({
    name: 'a ProxyCommand that fails fails the host with its own words',
    files: { [CONFIG]: block('target', 'mw02', "  ProxyCommand sh -c 'echo no route to %h >&2; exit 3'\n"), [KNOWN]: known('mw02') },
    host: 'target',
    openssh: 'refuses',
    deploySays: /ProxyCommand .* exited with status 3: no route to 127\.0\.\d+\.3|ProxyCommand .*: no route to 127\.0\.\d+\.3/,
  }),
  viaConfig({
    name: 'ssh_proxy_jump wins over ProxyJump in ssh_config',
    files: { [CONFIG]: block('target', 'mw02', '  ProxyJump root@127.0.0.254:1\n') + block('bastion', 'mw01'), [KNOWN]: known('mw01', 'mw02') },
    host: 'target',
    deploy: { proxyJump: 'bastion' },
    openssh: 'accepts',
  }),
  viaConfig({
    name: 'ssh_proxy_jump none connects directly',
    files: { [CONFIG]: block('target', 'mw02', '  ProxyJump root@127.0.0.254:1\n'), [KNOWN]: known('mw02') },
    host: 'target',
    deploy: { proxyJump: 'none' },
    openssh: 'accepts',
  }),
];

export const HOST_KEY_TYPE_CASES: ConformanceCase[] = [
  viaConfig({
    name: 'known_hosts has only the RSA key of a host offering ed25519, ECDSA and RSA',
    files: { [CONFIG]: block('h', 'mw03'), [KNOWN]: '[{mw03}]:{port} {key:mw03:rsa}\n' },
    host: 'h',
    openssh: 'accepts',
  }),
  viaConfig({
    name: 'known_hosts has only its ECDSA key',
    files: { [CONFIG]: block('h', 'mw03'), [KNOWN]: '[{mw03}]:{port} {key:mw03:ecdsa}\n' },
    host: 'h',
    openssh: 'accepts',
  }),
  viaConfig({
    name: "an RSA key that is not the host's is CHANGED",
    files: { [CONFIG]: block('h', 'mw03'), [KNOWN]: '[{mw03}]:{port} {wrongrsa}\n' },
    host: 'h',
    openssh: 'refuses',
    deploySays: /CHANGED \(got ssh-rsa SHA256:\S+, \S+known_hosts line 1 has another ssh-rsa key\)/,
  }),
];

export const KNOWN_HOSTS_CASES: ConformanceCase[] = [
  viaConfig({
    name: 'GlobalKnownHostsFile from ssh_config',
    files: { [CONFIG]: block('h', 'mw01', '  UserKnownHostsFile {dir}/case/empty\n  GlobalKnownHostsFile {dir}/case/global\n'), 'case/global': known('mw01') },
    host: 'h',
    openssh: 'accepts',
  }),
  viaConfig({
    name: 'the key in the second UserKnownHostsFile',
    files: { [CONFIG]: block('h', 'mw01', '  UserKnownHostsFile {dir}/case/a {dir}/case/b\n'), 'case/a': known('mw02'), 'case/b': known('mw01') },
    host: 'h',
    openssh: 'accepts',
  }),
  viaConfig({
    name: '~/.ssh/known_hosts2 is read by default',
    files: { [CONFIG]: block('h', 'mw01'), 'home/.ssh/known_hosts2': known('mw01') },
    host: 'h',
    openssh: 'accepts',
  }),
  viaConfig({
    name: 'a key listed only under the ssh_config alias is refused',
    files: { [CONFIG]: block('web', 'mw01'), [KNOWN]: 'web {key:mw01}\n' },
    host: 'web',
    openssh: 'refuses',
    deploySays: /is unknown/,
  }),
  viaConfig({
    name: 'HostKeyAlias: the key listed under the alias',
    files: { [CONFIG]: block('web', 'mw01', '  HostKeyAlias WebAlias\n'), [KNOWN]: 'webalias {key:mw01}\n' },
    host: 'web',
    openssh: 'accepts',
  }),
  viaConfig({
    name: 'a key listed for the address without its port',
    files: { [CONFIG]: block('h', 'mw01'), [KNOWN]: '{mw01} {key:mw01}\n' },
    host: 'h',
    openssh: 'accepts',
  }),
  viaConfig({
    name: 'ssh_known_hosts set: that file only',
    files: {
      [CONFIG]: block('h', 'mw01', '  UserKnownHostsFile {dir}/case/wrong\n'),
      'case/wrong': '[{mw01}]:{port} {wrongkey}\n',
      'case/only': known('mw01'),
    },
    host: 'h',
    deploy: { knownHosts: '{dir}/case/only' },
    openssh: 'accepts',
  }),
  viaConfig({
    name: 'ssh_known_hosts set to a file without the host',
    files: { [CONFIG]: block('h', 'mw01'), [KNOWN]: known('mw01'), 'case/empty': '' },
    host: 'h',
    deploy: { knownHosts: '{dir}/case/empty' },
    openssh: 'refuses',
    deploySays: /is unknown \(SHA256:\S+\): not in \S+case\/empty;/,
  }),
  viaConfig({
    name: 'a @revoked key is refused',
    files: { [CONFIG]: block('h', 'mw01'), [KNOWN]: `${known('mw01')}@revoked * {key:mw01}\n` },
    host: 'h',
    openssh: 'refuses',
    deploySays: /REVOKED/,
  }),
];
