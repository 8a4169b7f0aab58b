#!/usr/bin/env bash
# Snippet for .ci/run (to merge next to the sshd install): the Debian packages the service
# harnesses in test/servers start on loopback, and php-cli for the lint's `php -l`. Installed only when something is missing;
# never started as system services (policy-rc.d denies it; the tests start their own).
# Runs standalone too: `bash test/servers/ci-install.sh` (as root, Debian/Ubuntu).
set -euo pipefail

need_services=0
[ -x /usr/bin/prometheus ] || need_services=1      # prometheus (Debian's path)
command -v etcd >/dev/null || need_services=1      # etcd-server
command -v etcdctl >/dev/null || need_services=1   # etcd-client
command -v rsync >/dev/null || need_services=1     # rsync
command -v nsenter >/dev/null || need_services=1   # util-linux (rsync daemon inside a fleet host)
command -v setpriv >/dev/null || need_services=1   # util-linux (services die with the test process)
command -v php >/dev/null || need_services=1       # php-cli (lint: php -l, test/lint)
if [ "$need_services" = 1 ]; then
  # Do not let the packages start prometheus or etcd as services.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    prometheus etcd-server etcd-client rsync util-linux php-cli >/dev/null
fi
