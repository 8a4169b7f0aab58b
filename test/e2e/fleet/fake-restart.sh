#!/bin/bash
# Fake safe-restart script of the e2e SSH fleet (see README.md beside this file).
#
# Installed on every fleet host as /srv/fleet/bin/restart-php-fpm and called as
#   restart-php-fpm [service] <threshold> [--force]
# It appends one JSON line {"at": <epoch ms>, "args": [...]} to /srv/fleet/restart.log, writes
# its pid to /srv/fleet/restart.pid, then behaves as /srv/fleet/behaviour.env says (written by
# SshdFleet.setBehaviour; default: exit 0 at once, no output).
set -u

# The folder above bin/: /srv/fleet on a fleet host (also works when run from the host root).
FLEET=$(cd -- "$(dirname -- "$0")/.." && pwd)

json_str() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  s=${s//[$'\x01'-$'\x1f']/?}
  printf '"%s"' "$s"
}

sleep_ms() {
  local ms=${1:-0}
  [ "$ms" -gt 0 ] 2>/dev/null || return 0
  sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
}

args=''
for arg in "$@"; do
  [ -n "$args" ] && args+=','
  args+=$(json_str "$arg")
done
printf '{"at":%s,"args":[%s]}\n' "$(date +%s%3N)" "$args" >>"$FLEET/restart.log"

echo $$ >"$FLEET/restart.pid"
# Marks every process this script starts, so the harness can find them (isRestartRunning).
export FLEET_FAKE_RESTART=1
# On a normal exit the pid file goes; a killed script leaves it (its pid is then simply dead).
trap '[ "$(cat "$FLEET/restart.pid" 2>/dev/null)" = "$$" ] && rm -f "$FLEET/restart.pid"' EXIT

B_KIND=ok
B_SLEEP_MS=0
B_CODE=0
B_STDOUT=''
B_STDERR=''
B_EVERY_MS=0
B_TOTAL_MS=0
B_MS=0
B_AFTER_MS=0
if [ -f "$FLEET/behaviour.env" ]; then
  # shellcheck source=/dev/null
  . "$FLEET/behaviour.env"
fi

print_output() {
  [ -n "$B_STDOUT" ] && printf '%s' "$B_STDOUT"
  [ -n "$B_STDERR" ] && printf '%s' "$B_STDERR" >&2
  return 0
}

case $B_KIND in
ok)
  sleep_ms "$B_SLEEP_MS"
  print_output
  exit 0
  ;;
exit)
  sleep_ms "$B_SLEEP_MS"
  print_output
  exit "$B_CODE"
  ;;
hang)
  # Same pid as written to restart.pid: sleeps until killed.
  trap - EXIT
  exec sleep 100000
  ;;
talk)
  elapsed=0
  n=0
  while [ "$elapsed" -lt "$B_TOTAL_MS" ]; do
    n=$((n + 1))
    echo "restart-php-fpm: still restarting ($n)"
    step=$B_EVERY_MS
    [ $((elapsed + step)) -gt "$B_TOTAL_MS" ] && step=$((B_TOTAL_MS - elapsed))
    sleep_ms "$step"
    elapsed=$((elapsed + step))
  done
  exit 0
  ;;
silent)
  sleep_ms "$B_MS"
  exit 0
  ;;
drop)
  print_output
  sleep_ms "$B_AFTER_MS"
  # Walk up to this connection's sshd session process ("sshd: root@notty"), never the
  # listener ("sshd: /usr/sbin/sshd ... [listener] ...", pid 1 in the host's pid namespace).
  pid=$$
  while :; do
    pid=$(sed -n 's/^PPid:[[:space:]]*//p' "/proc/$pid/status" 2>/dev/null)
    [ -n "$pid" ] && [ "$pid" -gt 1 ] || break
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)
    case $cmd in
    *'[listener]'*) break ;;
    'sshd:'* | 'sshd-session:'*)
      kill -9 "$pid"
      exit 137
      ;;
    esac
  done
  echo "restart-php-fpm: drop: no sshd session process above pid $$" >&2
  exit 98
  ;;
*)
  echo "restart-php-fpm: unknown behaviour '$B_KIND'" >&2
  exit 99
  ;;
esac
