/**
 * ssh_config cases on which deploy's resolution must equal `ssh -G`'s, by category of issue 10.
 * Paths are under the sandbox folder; `{dir}` is that folder, `{home}` the home ssh sees.
 */
import type { ParityCase } from './parity-harness.js';

const F = 'cfg/config';

export const HOST_CASES: ParityCase[] = [
  {
    name: 'first value wins across blocks; Keyword=value; quotes',
    files: {
      [F]: 'Host web1\n  HostName=10.0.0.1\n  Port 2222\nHost web*\n  User deployer\n  Port 22\n  IdentityFile "~/my keys/id"\nHost *\n  User nobody\n',
    },
    configFile: F,
    host: 'web1',
  },
  {
    name: 'Host patterns are case-sensitive against the host as given; HostName is lower-cased',
    files: { [F]: 'Host Web1\n  User upper\nHost web1\n  User lower\n  HostName DB.Example.ORG\n' },
    configFile: F,
    host: 'Web1',
  },
  {
    name: 'several patterns, ? and negation',
    files: { [F]: 'Host app? "db one" !app9\n  HostName %h.internal\nHost *\n  Port 2201\n' },
    configFile: F,
    host: 'app9',
  },
  { name: 'negation elsewhere in the list', files: { [F]: 'Host !db* app*\n  User app\n' }, configFile: F, host: 'app3' },
  {
    name: 'settings before any Host apply to all; ~/.ssh/config then /etc/ssh/ssh_config',
    files: {
      'home/.ssh/config': 'User early\nHost other\n  User other\n',
      system_ssh_config: 'Host *\n  Port 2022\n  User system\n  IdentityFile ~/.ssh/from_system\n',
    },
    host: 'web2',
  },
  { name: 'a port in the request wins over Port', files: { [F]: 'Host *\n  Port 2200\n' }, configFile: F, host: 'h', port: 2299 },
  { name: 'ssh_user (-l) wins over User', files: { [F]: 'Host *\n  User cfg\n' }, configFile: F, host: 'h', user: 'explicit' },
];

export const MATCH_CASES: ParityCase[] = [
  { name: 'Match host sees HostName so far', files: { [F]: 'Host web\n  HostName 10.1.2.3\nMatch host 10.1.*\n  User net\n' }, configFile: F, host: 'web' },
  { name: 'Match host matches case-insensitively', files: { [F]: 'Match host WEB*\n  User m\n' }, configFile: F, host: 'web7' },
  {
    name: 'Match originalhost ignores HostName',
    files: { [F]: 'Host a\n  HostName b\nMatch originalhost a\n  Port 2001\nMatch host a\n  Port 2002\n' },
    configFile: F,
    host: 'a',
  },
  { name: 'Match user sees ssh_user (-l)', files: { [F]: 'Match user deploy\n  Port 2100\n' }, configFile: F, host: 'h', user: 'deploy' },
  { name: 'Match user sees User set earlier', files: { [F]: 'Host h\n  User svc\nMatch user svc\n  IdentityFile ~/.ssh/svc\n' }, configFile: F, host: 'h' },
  { name: 'Match user defaults to the local user', files: { [F]: 'Match user root,me\n  Port 2101\n' }, configFile: F, host: 'h' },
  { name: 'Match localuser', files: { [F]: 'Match localuser !nobody,*\n  User lu\n' }, configFile: F, host: 'h' },
  { name: 'Match all', files: { [F]: 'Host x\n  User x\nMatch all\n  User all\n' }, configFile: F, host: 'h' },
  {
    name: 'criteria are ANDed, ! negates one',
    files: { [F]: 'Match host h* !user bob\n  Port 2102\nMatch host h* user bob\n  Port 2103\n' },
    configFile: F,
    host: 'h1',
  },
  {
    name: 'Match canonical is false without canonicalization',
    files: { [F]: 'Match canonical\n  User c\nMatch !canonical host h\n  User nc\n' },
    configFile: F,
    host: 'h',
  },
  { name: 'Match exec is not run once an earlier criterion failed', files: { [F]: 'Match host nomatch exec "exit 0"\n  User ex\n' }, configFile: F, host: 'h' },
  { name: 'Match with a missing criterion is refused by both', files: { [F]: 'Match host\n  User x\n' }, configFile: F, host: 'h' },
];

export const INCLUDE_CASES: ParityCase[] = [
  {
    name: "Include inside a Host block keeps the block's later settings",
    files: { [F]: 'Host web\n  Include {dir}/inc1/extra\n  User webuser\n', 'inc1/extra': 'Port 2201\n' },
    configFile: F,
    host: 'web',
  },
  {
    name: 'Include inside a Host block that does not match is not applied, even its Host * lines',
    files: { [F]: 'Host web\n  Include {dir}/inc2/extra\nHost *\n  User all\n', 'inc2/extra': 'Port 2202\nHost *\n  IdentityFile ~/.ssh/from_include\n' },
    configFile: F,
    host: 'db',
  },
  {
    name: 'a Host line in an included file does not switch off the lines after the Include',
    files: { [F]: 'Include {dir}/inc3/hosts\nUser toplevel\n', 'inc3/hosts': 'Host other\n  Port 2203\n' },
    configFile: F,
    host: 'h',
  },
  {
    name: 'globs in the folder part, several files in sorted order',
    files: {
      [F]: 'Include {dir}/inc4/*/conf.d/*.conf\n',
      'inc4/b/conf.d/1.conf': 'Host h\n  User from_b\n',
      'inc4/a/conf.d/2.conf': 'Host h\n  Port 2204\n',
      'inc4/a/conf.d/1.conf': 'Host h\n  User from_a\n',
      'inc4/a/conf.d/.hidden.conf': 'Host h\n  HostName hidden\n',
    },
    configFile: F,
    host: 'h',
  },
  {
    name: 'a relative Include in ~/.ssh/config is under ~/.ssh',
    files: { 'home/.ssh/config': 'Include conf.d/*\n', 'home/.ssh/conf.d/web': 'Host web\n  HostName 10.9.9.9\n' },
    host: 'web',
  },
  {
    name: 'a relative Include in the system config is under /etc/ssh (none here)',
    files: { system_ssh_config: 'Include ssh_config.d/deploy-parity-*.conf\nHost *\n  User sys\n' },
    host: 'web',
  },
  {
    name: 'Match inside an included file stays inside it',
    files: { [F]: 'Host h\n  Include {dir}/inc5/m\n  Port 2205\n', 'inc5/m': 'Match user nobody\n  User never\n' },
    configFile: F,
    host: 'h',
  },
  {
    name: 'an Include matching nothing is fine',
    files: { [F]: 'Include {dir}/nothing-here/*\nHost *\n  User u\n' },
    configFile: F,
    host: 'h',
  },
  {
    name: 'a world-writable included file is refused by both',
    files: { [F]: 'Include {dir}/inc6/bad\n', 'inc6/bad': 'User x\n' },
    modes: { 'inc6/bad': 0o666 },
    configFile: F,
    host: 'h',
  },
  {
    name: 'a group-writable file whose group is only its owner is fine (Debian)',
    files: { [F]: 'Include {dir}/inc7/ok\n', 'inc7/ok': 'User groupok\n' },
    modes: { 'inc7/ok': 0o664 },
    configFile: F,
    host: 'h',
  },
];

export const TOKEN_CASES: ParityCase[] = [
  {
    name: 'IdentityFile tokens %d %u %r %h %n %p %l %L %i %C %% and ${VAR}',
    files: {
      [F]: 'Host alias\n  HostName Real.Example\n  User bob\n  Port 2200\n  IdentityFile ~/k/%r@%h:%p-%n-%u-%d-%%\n  IdentityFile ${KEYDIR}/%C-%l-%L-%i\n',
    },
    configFile: F,
    host: 'alias',
    env: { KEYDIR: '/keys' },
  },
  { name: '%r follows ssh_user (-l)', files: { [F]: 'Host *\n  User cfg\n  IdentityFile ~/.ssh/%r\n' }, configFile: F, host: 'h', user: 'explicit' },
  { name: 'HostName %h', files: { [F]: 'Host *.short\n  HostName %h.example.net\n' }, configFile: F, host: 'www.short' },
  {
    name: 'UserKnownHostsFile with %k from HostKeyAlias, %n, ${VAR}',
    files: { [F]: 'Host *\n  HostKeyAlias Shared-Alias\n  UserKnownHostsFile ~/kh/%k ${KH}/%n\n' },
    configFile: F,
    host: 'h',
    env: { KH: '/kh' },
  },
  { name: 'IdentityAgent path with tokens', files: { [F]: 'Host *\n  IdentityAgent ~/agents/%h.sock\n' }, configFile: F, host: 'h' },
  { name: 'an unset ${VAR} is refused by both', files: { [F]: 'Host *\n  IdentityFile ${DEPLOY_PARITY_UNSET}/k\n' }, configFile: F, host: 'h' },
];

export const PROXY_CASES: ParityCase[] = [
  { name: 'ProxyJump with several hops, users and ports', files: { [F]: 'Host t\n  ProxyJump ops@b1:2201,b2,[10.0.0.3]:2203\n' }, configFile: F, host: 't' },
  {
    name: 'the first of ProxyJump and ProxyCommand wins (ProxyCommand first)',
    files: { [F]: 'Host t\n  ProxyCommand nc %h %p\n  ProxyJump b1\n' },
    configFile: F,
    host: 't',
  },
  {
    name: 'the first of ProxyJump and ProxyCommand wins (ProxyJump first)',
    files: { [F]: 'Host t\n  ProxyJump b1\nHost *\n  ProxyCommand nc %h %p\n' },
    configFile: F,
    host: 't',
  },
  { name: 'ssh_proxy_jump (-J) wins over ProxyJump', files: { [F]: 'Host t\n  ProxyJump b1\n' }, configFile: F, host: 't', proxyJump: 'b2:2202' },
  { name: 'ssh_proxy_jump none turns off ProxyJump', files: { [F]: 'Host t\n  ProxyJump b1\n' }, configFile: F, host: 't', proxyJump: 'none' },
  {
    name: 'ssh_proxy_jump none leaves a ProxyCommand in place, as -J none does',
    files: { [F]: 'Host t\n  ProxyCommand nc %h %p\n' },
    configFile: F,
    host: 't',
    proxyJump: 'none',
  },
  {
    name: 'ProxyJump none, then ProxyCommand: the ProxyCommand applies',
    files: { [F]: 'Host t\n  ProxyJump none\n  ProxyCommand nc %h %p\n' },
    configFile: F,
    host: 't',
  },
  {
    name: 'ProxyJump none in a specific block wins over Host *',
    files: { [F]: 'Host bastion\n  ProxyJump none\nHost *\n  ProxyJump bastion\n' },
    configFile: F,
    host: 'bastion',
  },
  { name: 'ProxyCommand keeps its text raw', files: { [F]: 'Host t\n  ProxyCommand=ssh -W "[%h]:%p" -l %r jump # comment\n' }, configFile: F, host: 't' },
  { name: 'a jump host loop is refused by both', files: { [F]: 'Host t\n  ProxyJump t\n' }, configFile: F, host: 't' },
];

export const KNOWN_HOSTS_CASES: ParityCase[] = [
  { name: 'default known_hosts files', files: { [F]: '' }, configFile: F, host: 'h' },
  {
    name: 'UserKnownHostsFile list, first line wins whole',
    files: { [F]: 'Host h\n  UserKnownHostsFile ~/a ~/b\nHost *\n  UserKnownHostsFile ~/c\n' },
    configFile: F,
    host: 'h',
  },
  {
    name: 'UserKnownHostsFile none, GlobalKnownHostsFile',
    files: { [F]: 'Host *\n  UserKnownHostsFile none\n  GlobalKnownHostsFile ~/global /etc/other\n' },
    configFile: F,
    host: 'h',
  },
  { name: 'HostKeyAlias is lower-cased', files: { [F]: 'Host h\n  HostKeyAlias MyAlias\n' }, configFile: F, host: 'h' },
];

export const IDENTITY_CASES: ParityCase[] = [
  { name: 'ssh default identity files', files: { [F]: 'Host *\n  User u\n' }, configFile: F, host: 'h' },
  {
    name: 'every IdentityFile, in order, duplicates once',
    files: { [F]: 'Host h\n  IdentityFile ~/.ssh/one\nHost *\n  IdentityFile ~/.ssh/two\n  IdentityFile ~/.ssh/one\n' },
    configFile: F,
    host: 'h',
  },
  { name: 'IdentityFile none: no files, no defaults', files: { [F]: 'Host *\n  IdentityFile none\n' }, configFile: F, host: 'h' },
  { name: 'IdentitiesOnly and IdentityAgent none', files: { [F]: 'Host *\n  IdentitiesOnly yes\n  IdentityAgent none\n' }, configFile: F, host: 'h' },
  {
    name: 'IdentityFile naming a .pub, CertificateFile',
    files: { [F]: 'Host *\n  IdentityFile ~/.ssh/hw.pub\n  CertificateFile ~/.ssh/id-cert.pub\n' },
    configFile: F,
    host: 'h',
  },
];

export const ERROR_CASES: ParityCase[] = [
  { name: 'a keyword OpenSSH does not know makes ssh refuse the config', files: { [F]: 'Host *\n  NoSuchKeyword yes\n' }, configFile: F, host: 'h' },
  { name: 'IgnoreUnknown lets it pass', files: { [F]: 'IgnoreUnknown NoSuch*\nHost *\n  NoSuchKeyword yes\n  User ign\n' }, configFile: F, host: 'h' },
  { name: 'a bad Port is refused by both, even in a block that does not apply', files: { [F]: 'Host other\n  Port 99999\n' }, configFile: F, host: 'h' },
  { name: 'a missing -F file is refused by both', files: {}, configFile: 'cfg/missing', host: 'h' },
  { name: 'a keyword without argument is refused by both', files: { [F]: 'Host *\n  User\n' }, configFile: F, host: 'h' },
];
