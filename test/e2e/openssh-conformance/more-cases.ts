/** Conformance cases for resolution and authentication (see cases.ts for the placeholders). */
import type { ConformanceCase } from './runner.js';

const CONFIG = 'case/config';
const KNOWN = 'home/.ssh/known_hosts';
const known = (...hosts: string[]): string => `${hosts.map((host) => `[{${host}}]:{port} {key:${host}}`).join('\n')}\n`;
const to = (host: string): string => `  HostName {${host}}\n  Port {port}\n`;
const viaConfig = (testCase: Omit<ConformanceCase, 'deploy'> & { deploy?: ConformanceCase['deploy'] }): ConformanceCase => ({
  ...testCase,
  deploy: { config: CONFIG, ...testCase.deploy },
});
const ROOT_WITH_KEY = '  User root\n  IdentityFile {client}\n';

export const RESOLUTION_CASES: ConformanceCase[] = [
  viaConfig({
    name: 'Match originalhost maps a name',
    files: { [CONFIG]: `Match originalhost app\n${to('mw01')}${ROOT_WITH_KEY}`, [KNOWN]: known('mw01') },
    host: 'app',
    openssh: 'accepts',
  }),
  viaConfig({
    name: 'Match user sees ssh_user',
    files: { [CONFIG]: `Host *\n  User nobody\n  IdentityFile {client}\nMatch user root\n${to('mw02')}Host *\n${to('mw01')}`, [KNOWN]: known('mw02') },
    host: 'app',
    deploy: { user: 'root' },
    openssh: 'accepts',
  }),
  viaConfig({
    name: 'Match localuser',
    files: { [CONFIG]: `Match localuser root\n${to('mw01')}${ROOT_WITH_KEY}`, [KNOWN]: known('mw01') },
    host: 'app',
    openssh: 'accepts',
  }),
  viaConfig({
    name: "an Include inside a Host block keeps the block's later settings",
    files: {
      [CONFIG]: `Host app\n  Include {dir}/case/inc/common\n${to('mw01')}`,
      'case/inc/common': 'User root\nIdentityFile {client}\n',
      [KNOWN]: known('mw01'),
    },
    host: 'app',
    openssh: 'accepts',
  }),
  viaConfig({
    name: 'an Include in a block that does not match is not applied, even its Host *',
    files: {
      [CONFIG]: `Host other\n  Include {dir}/case/inc/wrong\nHost app\n${to('mw01')}${ROOT_WITH_KEY}`,
      'case/inc/wrong': 'Host *\n  HostName 127.0.0.254\n  Port 1\n',
      [KNOWN]: known('mw01'),
    },
    host: 'app',
    openssh: 'accepts',
  }),
  viaConfig({
    name: 'a top-level keyword after an Include still applies',
    files: {
      [CONFIG]: `Include {dir}/case/inc/hosts\nUser root\nIdentityFile {client}\n`,
      'case/inc/hosts': `Host app\n${to('mw01')}Host unrelated\n  Port 1\n`,
      [KNOWN]: known('mw01'),
    },
    host: 'app',
    openssh: 'accepts',
  }),
  viaConfig({
    name: "globs in an Include's folder part",
    files: {
      [CONFIG]: `Include {dir}/case/conf/*/hosts.conf\n`,
      'case/conf/web/hosts.conf': `Host app\n${to('mw01')}${ROOT_WITH_KEY}`,
      [KNOWN]: known('mw01'),
    },
    host: 'app',
    openssh: 'accepts',
  }),
  viaConfig({
    name: '%n, %h and %p in IdentityFile',
    files: {
      [CONFIG]: `Host app\n${to('mw01')}  User root\n  IdentityFile {dir}/case/keys/%n-%h-%p\n`,
      'case/keys/app-{mw01}-{port}': '@copy:{client}',
      [KNOWN]: known('mw01'),
    },
    host: 'app',
    openssh: 'accepts',
  }),
  viaConfig({
    name: '%r in IdentityFile follows ssh_user',
    files: {
      [CONFIG]: `Host app\n${to('mw01')}  User nobody\n  IdentityFile {dir}/case/keys/%r\n`,
      'case/keys/root': '@copy:{client}',
      [KNOWN]: known('mw01'),
    },
    host: 'app',
    deploy: { user: 'root' },
    openssh: 'accepts',
  }),
  viaConfig({
    name: '${VAR} in IdentityFile',
    files: {
      [CONFIG]: `Host app\n${to('mw01')}  User root\n  IdentityFile \${HOME}/keys/fleet\n`,
      'home/keys/fleet': '@copy:{client}',
      [KNOWN]: known('mw01'),
    },
    host: 'app',
    openssh: 'accepts',
  }),
  {
    name: '~/.ssh/config, then the system ssh_config',
    files: {
      'home/.ssh/config': 'Host app\n  HostName {mw01}\n',
      system_ssh_config: 'Host *\n  Port {port}\n  User root\n  IdentityFile {client}\n',
      [KNOWN]: known('mw01'),
    },
    host: 'app',
    openssh: 'accepts',
  },
];

export const AUTH_CASES: ConformanceCase[] = [
  viaConfig({
    name: 'a missing first IdentityFile is skipped',
    files: { [CONFIG]: `Host app\n${to('mw01')}  User root\n  IdentityFile {dir}/case/missing\n  IdentityFile {client}\n`, [KNOWN]: known('mw01') },
    host: 'app',
    openssh: 'accepts',
  }),
  viaConfig({
    name: 'a refused IdentityFile, then the next one',
    files: { [CONFIG]: `Host app\n${to('mw01')}  User root\n  IdentityFile {stranger}\n  IdentityFile {client}\n`, [KNOWN]: known('mw01') },
    host: 'app',
    openssh: 'accepts',
  }),
  viaConfig({
    name: 'a refused agent key, then the IdentityFile',
    files: { [CONFIG]: `Host app\n${to('mw01')}${ROOT_WITH_KEY}`, [KNOWN]: known('mw01') },
    agent: ['{stranger}'],
    host: 'app',
    openssh: 'accepts',
  }),
  viaConfig({
    name: "a refused IdentityFile, then the agent's key",
    files: { [CONFIG]: `Host app\n${to('mw01')}  User root\n  IdentityFile {stranger}\n`, [KNOWN]: known('mw01') },
    agent: ['{client}'],
    host: 'app',
    openssh: 'accepts',
  }),
  viaConfig({
    name: 'IdentityAgent from ssh_config',
    files: { [CONFIG]: `Host app\n${to('mw01')}  User root\n  IdentityFile {stranger}\n  IdentityAgent {agent}\n`, [KNOWN]: known('mw01') },
    agent: ['{client}'],
    agentInEnv: false,
    host: 'app',
    openssh: 'accepts',
  }),
  viaConfig({
    name: 'IdentityAgent none: the agent is not used',
    files: { [CONFIG]: `Host app\n${to('mw01')}  User root\n  IdentityFile {stranger}\n  IdentityAgent none\n`, [KNOWN]: known('mw01') },
    agent: ['{client}'],
    host: 'app',
    openssh: 'refuses',
    deploySays: /authentication refused for root@127\.0\.\d+\.2:\d+ \(tried: key \S+id_stranger\)/,
  }),
  viaConfig({
    name: 'an encrypted IdentityFile whose key is in the agent',
    files: { [CONFIG]: `Host app\n${to('mw01')}  User root\n  IdentityFile {enc}\n`, [KNOWN]: known('mw01') },
    agent: ['{client}'],
    host: 'app',
    openssh: 'accepts',
  }),
  viaConfig({
    name: 'an encrypted IdentityFile and no agent',
    files: { [CONFIG]: `Host app\n${to('mw01')}  User root\n  IdentityFile {enc}\n`, [KNOWN]: known('mw01') },
    host: 'app',
    openssh: 'refuses',
    deploySays: /id_encrypted is encrypted and not in the agent/,
  }),
  viaConfig({
    name: 'an IdentityFile naming a .pub whose key is in the agent, IdentitiesOnly',
    files: { [CONFIG]: `Host app\n${to('mw01')}  User root\n  IdentityFile {clientpub}\n  IdentitiesOnly yes\n`, [KNOWN]: known('mw01') },
    agent: ['{stranger}', '{client}'],
    host: 'app',
    openssh: 'accepts',
  }),
  viaConfig({
    name: "IdentitiesOnly: the agent's other keys are not offered",
    files: { [CONFIG]: `Host app\n${to('mw01')}  User root\n  IdentityFile {stranger}\n  IdentitiesOnly yes\n`, [KNOWN]: known('mw01') },
    agent: ['{client}'],
    host: 'app',
    openssh: 'refuses',
    deploySays: /authentication refused .*\(tried: ssh-agent \S+ \(0 keys\), key \S+id_stranger\)/,
  }),
  viaConfig({
    name: '~/.ssh/id_ecdsa is one of the default keys',
    files: { [CONFIG]: `Host app\n${to('mw01')}  User root\n`, 'home/.ssh/id_ecdsa': '@copy:{ecdsa}', [KNOWN]: known('mw01') },
    host: 'app',
    openssh: 'accepts',
  }),
  viaConfig({
    name: 'ssh_key set: used before the IdentityFiles (deploy: instead of them)',
    files: { [CONFIG]: `Host app\n${to('mw01')}  User root\n  IdentityFile {stranger}\n`, [KNOWN]: known('mw01') },
    deploy: { key: '{client}' },
    host: 'app',
    openssh: 'accepts',
  }),
];
