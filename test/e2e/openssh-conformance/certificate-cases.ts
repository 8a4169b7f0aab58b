/**
 * Host certificates (issue 20): mw04 presents a certificate for its ed25519 key, signed by the
 * test CA `{ca}` for the principals `{mw04}` and `mw04`. ssh2 cannot negotiate certificates, so
 * where ssh accepts through a `@cert-authority` line deploy must refuse with a line naming that
 * CA line (never advising ssh-keyscan); where ssh refuses (a revoked key or CA), so does deploy.
 * The fleet listens on a port other than 22, so every case also exercises ssh's retry of the
 * port-less name.
 */
import type { ConformanceCase } from './runner.js';

const CONFIG = 'case/config';
const KNOWN = 'home/.ssh/known_hosts';
const block = (name: string, host: string, extra = ''): string =>
  `Host ${name}\n  HostName {${host}}\n  Port {port}\n  User root\n  IdentityFile {client}\n${extra}`;
const viaConfig = (testCase: Omit<ConformanceCase, 'deploy'> & { deploy?: ConformanceCase['deploy'] }): ConformanceCase => ({
  ...testCase,
  deploy: { config: CONFIG, ...testCase.deploy },
});
/** The certificate line: names the CA line and never advises ssh-keyscan. */
const certificateLine = (file: string, line: number): RegExp =>
  new RegExp(`^(?!.*ssh-keyscan).*@cert-authority line \\S*${file} line ${line}\\b.*deploy cannot check host certificates`);

export const CERTIFICATE_CASES: ConformanceCase[] = [
  viaConfig({
    name: 'a host known only through @cert-authority (ssh accepts its certificate; deploy says it cannot)',
    files: { [CONFIG]: block('h', 'mw04'), [KNOWN]: '@cert-authority * {ca}\n' },
    host: 'h',
    openssh: 'accepts',
    certificate: true,
    deploySays:
      /vouched for only by the @cert-authority line \S+ line 1, and deploy cannot check host certificates .*add the plain key line `\[127\.0\.\d+\.5\]:\d+ ssh-ed25519 /,
  }),
  viaConfig({
    name: 'a @cert-authority line for the port-less address (ssh retries the name without the port)',
    files: { [CONFIG]: block('h', 'mw04'), [KNOWN]: '# the fleet CA\n@cert-authority {mw04} {ca}\n' },
    host: 'h',
    openssh: 'accepts',
    certificate: true,
    deploySays: certificateLine('known_hosts', 2),
  }),
  viaConfig({
    name: 'a port-less @cert-authority pattern in GlobalKnownHostsFile',
    files: {
      [CONFIG]: block('h', 'mw04', '  UserKnownHostsFile {dir}/case/user\n  GlobalKnownHostsFile {dir}/case/global\n'),
      'case/global': '@cert-authority 127.0.*.5,mw04 {ca}\n',
    },
    host: 'h',
    openssh: 'accepts',
    certificate: true,
    deploySays: certificateLine('case/global', 1),
  }),
  viaConfig({
    name: 'ssh_known_hosts set to a file with a port-less @cert-authority line',
    files: { [CONFIG]: block('h', 'mw04'), 'case/only': '@cert-authority {mw04} {ca}\n' },
    host: 'h',
    deploy: { knownHosts: '{dir}/case/only' },
    openssh: 'accepts',
    certificate: true,
    deploySays: certificateLine('case/only', 1),
  }),
  viaConfig({
    name: 'HostKeyAlias named by the @cert-authority line (and the certificate)',
    files: { [CONFIG]: block('h', 'mw04', '  HostKeyAlias mw04\n'), [KNOWN]: '@cert-authority mw04 {ca}\n' },
    host: 'h',
    openssh: 'accepts',
    certificate: true,
    deploySays: certificateLine('known_hosts', 1),
  }),
  viaConfig({
    name: 'a ProxyJump bastion known only through a port-less @cert-authority line',
    files: {
      [CONFIG]: block('target', 'mw02', '  ProxyJump bastion\n') + block('bastion', 'mw04'),
      [KNOWN]: '[{mw02}]:{port} {key:mw02}\n@cert-authority {mw04} {ca}\n',
    },
    host: 'target',
    openssh: 'accepts',
    certificate: true,
    deploySays: /via jump host bastion .*@cert-authority line \S*known_hosts line 2\b.*deploy cannot check host certificates/,
  }),
  viaConfig({
    name: 'an old plain key for the host and a @cert-authority line (ssh accepts the certificate, not CHANGED)',
    files: { [CONFIG]: block('h', 'mw04'), [KNOWN]: '[{mw04}]:{port} {wrongkey}\n@cert-authority * {ca}\n' },
    host: 'h',
    openssh: 'accepts',
    certificate: true,
    deploySays: certificateLine('known_hosts', 2),
  }),
  viaConfig({
    name: 'a @revoked CA: refused as revoked, no plain line offered',
    files: { [CONFIG]: block('h', 'mw04'), [KNOWN]: '@cert-authority * {ca}\n@revoked * {ca}\n' },
    host: 'h',
    openssh: 'refuses',
    deploySays: /^(?!.*(ssh-keyscan|plain key line)).*REVOKED in \S+known_hosts line 2/,
  }),
  viaConfig({
    name: 'a @revoked host key beside a @cert-authority line is refused as revoked',
    files: { [CONFIG]: block('h', 'mw04'), [KNOWN]: '@cert-authority * {ca}\n@revoked * {key:mw04}\n' },
    host: 'h',
    openssh: 'refuses',
    deploySays: /^(?!.*ssh-keyscan).*is REVOKED in \S+known_hosts line 2/,
  }),
  viaConfig({
    name: 'a host key revoked for the port-less address beside a port-less @cert-authority line',
    files: { [CONFIG]: block('h', 'mw04'), [KNOWN]: '@cert-authority {mw04} {ca}\n@revoked {mw04} {key:mw04}\n' },
    host: 'h',
    openssh: 'refuses',
    deploySays: /^(?!.*ssh-keyscan).*is REVOKED in \S+known_hosts line 2/,
  }),
  viaConfig({
    name: 'a plain host key revoked for the port-less address only',
    files: { [CONFIG]: block('h', 'mw01'), [KNOWN]: '@revoked {mw01} {key:mw01}\n' },
    host: 'h',
    openssh: 'refuses',
    deploySays: /^(?!.*ssh-keyscan).*is REVOKED in \S+known_hosts line 1/,
  }),
  viaConfig({
    name: 'a @cert-authority line for another port does not cover the host',
    files: { [CONFIG]: block('h', 'mw04'), [KNOWN]: '@cert-authority [{mw04}]:1 {ca}\n' },
    host: 'h',
    openssh: 'refuses',
    deploySays: /is unknown .*ssh-keyscan/,
  }),
];
