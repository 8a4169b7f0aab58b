#!/bin/sh
# Demo canary check: the host's folder must hold the synced tree and answer "healthy".
# Run by deploy on this machine once per canary (`{host}`), with DEPLOY_CANARIES set.
host=$1
dir=".fleet/$host"
if [ ! -d "$dir/srv/mediawiki" ]; then
  echo "$host: no /srv/mediawiki: the sync did not reach it" >&2
  exit 1
fi
echo "$host: healthy (canaries: $DEPLOY_CANARIES)"
