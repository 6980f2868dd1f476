#!/usr/bin/env bash
# Stop every process the mail lab started, by PID (pidfiles in $LAB_STATE/run/pids/).
# Re-runnable; leaves $LAB_STATE/{venv,node,keys,logs,out} in place and removes
# $LAB_STATE/run and $LAB_STATE/var.  LAB_KEEP_STATE=1 keeps run/ and var/.
set -uo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lab.env" || exit 1
# only a directory that up.sh marked as the lab's state is touched
if [ ! -f "$LAB_STATE/.mail-lab-state" ] || ! cd "$LAB_STATE"; then
  echo "down: no mail lab state in $LAB_STATE, nothing to stop"; exit 0
fi

# alive PID: running and not a zombie (PID 1 here may reap orphans late)
alive() { [ -r "/proc/$1/stat" ] && ! awk '{exit ($3=="Z") ? 0 : 1}' "/proc/$1/stat" 2>/dev/null; }

# stop_pid NAME PIDFILE EXPECTED-COMMAND-SUBSTRING
stop_pid() {
  local name=$1 f=$2 want=$3 pid
  [ -e "$f" ] || return 0
  pid=$(tr -dc 0-9 < "$f" 2>/dev/null); [ -n "$pid" ] || return 0
  if alive "$pid" && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "$want"; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 100); do alive "$pid" || break; sleep 0.05; done
    if alive "$pid"; then kill -KILL "$pid" 2>/dev/null; echo "down: $name ($pid) needed SIGKILL"; fi
    echo "down: stopped $name (pid $pid)"
  fi
}

# postfix: orderly stop first (master + its children), then by PID as a fallback
if [ -f run/postfix/main.cf ] && [ -s var/postfix/spool/pid/master.pid ]; then
  postfix -c "$LAB_STATE/run/postfix" stop >/dev/null 2>&1 && echo "down: postfix stop"
  for _ in $(seq 50); do
    pid=$(tr -dc 0-9 < var/postfix/spool/pid/master.pid 2>/dev/null)
    [ -n "$pid" ] && alive "$pid" || break; sleep 0.1
  done
fi
stop_pid postfix-master var/postfix/spool/pid/master.pid master
stop_pid dovecot   run/dovecot/master.pid dovecot
stop_pid slowsmtp  run/pids/slowsmtp.pid  slowsmtp.py
stop_pid verifysmtp run/pids/verifysmtp.pid verifysmtp.py
stop_pid submitsmtp run/pids/submitsmtp.pid submitsmtp.py
stop_pid https     run/pids/https.pid     https_static.py
stop_pid dnsdelay  run/pids/dnsdelay.pid  dnsdelay.py
stop_pid unbound   run/unbound.pid        unbound
stop_pid rbldnsd   run/pids/rbldnsd.pid   rbldnsd
stop_pid knotd     run/pids/knot.pid      knotd
stop_pid knotd-aux run/pids/knot-aux.pid  knotd

# anything of ours still listening on a lab address? (report only, never kill by name)
left=$(lab_listeners)
[ -n "$left" ] && { echo "down: WARNING, still listening:"; echo "$left"; }
[ -n "${LAB_KEEP_STATE:-}" ] || rm -rf run var
echo "down: done"
