# Shared by tests-dropin/memcached.sh and tests-c/demo.sh (sourced, POSIX sh).
# Runs Debian's /usr/bin/memcached on loopback with a chosen libevent and stops it again.
#   ensure_memcached           install Debian's memcached when missing (quiet, noninteractive)
#   mc_start MODE              MODE: ldpath (LD_LIBRARY_PATH=build/lib), preload (LD_PRELOAD=
#                              build/lib/libevent-2.1.so.7) or system (Debian's libevent);
#                              sets MC_PID MC_PORT MC_LOG MC_ENV MC_ARGS; nonzero on failure
#   mc_libevent_files          the libevent files mapped into MC_PID (from /proc/PID/maps)
#   mc_check_loaded MODE       the right libevent is loaded, and only that one
#   mc_stop [SIG]              send SIG (default TERM), wait up to MC_STOP_WAIT s (default 10);
#                              sets MC_STATUS (exit status; 128+N: killed by signal N), MC_STOP_MS
#   mc_kill                    SIGKILL if still running (for traps)
# Needs ROOT (the repository). Every wait is bounded, and memcached runs under
# `timeout -s KILL $MC_LIFETIME` (default 60 s): it stops by itself even if the caller is killed.

MEMCACHED=/usr/bin/memcached
MC_PID=""        # memcached
MC_TPID=""       # the timeout(1) process above it (our child)

ensure_memcached() {
  [ -x "$MEMCACHED" ] && return 0
  echo "installing Debian's memcached (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  # Installing the package may start Debian's own memcached service (port 11211) where no
  # policy-rc.d forbids it: stop that again, only if it was not running before.
  _svc_before=$(ps -eo comm= | grep -cx memcached)
  if ! { apt-get update -qq && apt-get install -y -qq memcached; } >/dev/null 2>&1; then
    echo "could not install memcached with apt-get" >&2
    return 1
  fi
  if [ "$(ps -eo comm= | grep -cx memcached)" != "$_svc_before" ]; then
    { command -v systemctl >/dev/null 2>&1 && systemctl stop memcached; } >/dev/null 2>&1 ||
      service memcached stop >/dev/null 2>&1 || true
  fi
  [ -x "$MEMCACHED" ] || { echo "memcached is still missing after apt-get install" >&2; return 1; }
}

_mc_state() { # process state letter of MC_PID ("" when gone); a zombie is 'Z'
  [ -n "$MC_PID" ] || return 0
  sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$MC_PID/stat" 2>/dev/null
}

_mc_alive() { s=$(_mc_state); [ -n "$s" ] && [ "$s" != Z ]; }

_mc_is_ours() { # MC_PID still is the memcached we started (guards against pid reuse)
  [ -n "$MC_PID" ] && tr '\0' ' ' <"/proc/$MC_PID/cmdline" 2>/dev/null | grep -q "^$MEMCACHED .*-p $MC_PORT "
}

_mc_listening() { # anyone listening on 127.0.0.1:$1 (TCP)?
  grep -qi " 0100007F:$(printf %04X "$1") 00000000:0000 0A " /proc/net/tcp
}

_mc_random_port() {
  echo $(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 30000 + 30000 ))
}

_mc_ms() { date +%s%3N; }

mc_start() { # MODE
  MC_LOG=${MC_LOG:-$(mktemp)}
  case $1 in
    ldpath)  MC_ENV="LD_LIBRARY_PATH=$ROOT/build/lib";;
    preload) MC_ENV="LD_PRELOAD=$ROOT/build/lib/libevent-2.1.so.7";;
    system)  MC_ENV="";;
    *) echo "unknown mode $1" >&2; return 2;;
  esac
  # memcached refuses to run as root unless told which user to be
  user=""; [ "$(id -u)" = 0 ] && user="-u root"
  tries=0
  while [ $tries -lt 10 ]; do
    tries=$((tries + 1))
    MC_PORT=$(_mc_random_port)
    _mc_listening "$MC_PORT" && continue           # busy: pick another
    MC_ARGS="-l 127.0.0.1 -p $MC_PORT -U 0 -m 64 -t 4 $user"
    # timeout(1) bounds memcached's life; env(1) execs memcached, so it is timeout's only child
    # shellcheck disable=SC2086
    timeout -s KILL "${MC_LIFETIME:-60}" env -u LD_LIBRARY_PATH -u LD_PRELOAD $MC_ENV \
      "$MEMCACHED" $MC_ARGS >"$MC_LOG" 2>&1 </dev/null &
    MC_TPID=$!
    MC_PID=""
    i=0
    while [ $i -lt 100 ]; do                          # up to 5 s to listen
      if [ -z "$MC_PID" ]; then
        MC_PID=$(cat "/proc/$MC_TPID/task/$MC_TPID/children" 2>/dev/null | awk '{print $1}')
        [ -n "$MC_PID" ] || MC_PID=$(pgrep -P "$MC_TPID" 2>/dev/null | head -n1)
      fi
      if [ -n "$MC_PID" ]; then
        _mc_alive || break
        _mc_is_ours && _mc_listening "$MC_PORT" && return 0
      fi
      sleep 0.05; i=$((i + 1))
    done
    if _mc_alive; then
      echo "memcached did not listen on 127.0.0.1:$MC_PORT within 5 s" >&2; mc_kill; return 1
    fi
    wait "$MC_TPID" 2>/dev/null; st=$?; MC_PID=""; MC_TPID=""
    grep -q "Address already in use" "$MC_LOG" && continue  # lost a race for the port: retry
    echo "memcached exited at start (status $st)" >&2; return 1
  done
  echo "no free port found in 10 tries" >&2; return 1
}

mc_libevent_files() {
  awk '$6 ~ /libevent/ {print $6}' "/proc/$MC_PID/maps" 2>/dev/null | sort -u
}

mc_check_loaded() { # MODE: ours (from build/lib) and no other, or Debian's and not ours
  files=$(mc_libevent_files)
  [ -n "$files" ] || { echo "no libevent mapped in memcached (pid $MC_PID)" >&2; return 1; }
  case $1 in
    system)
      if echo "$files" | grep -qF "$ROOT/build/lib/"; then
        echo "system run loaded our library:" >&2; echo "$files" | sed 's/^/    /' >&2; return 1
      fi;;
    *)
      if ! echo "$files" | grep -qF "$ROOT/build/lib/libevent"; then
        echo "memcached did not load our library; it mapped:" >&2; echo "$files" | sed 's/^/    /' >&2; return 1
      fi
      if echo "$files" | grep -vqF "$ROOT/build/lib/"; then
        echo "memcached loaded another libevent besides ours:" >&2; echo "$files" | sed 's/^/    /' >&2; return 1
      fi;;
  esac
}

mc_stop() { # [SIG]: send it, wait (bounded) for the exit; MC_STATUS as timeout(1) passes it on
  MC_STATUS=""; MC_STOP_MS=""
  [ -n "$MC_PID" ] && _mc_is_ours || return 1
  t0=$(_mc_ms)
  kill -"${1:-TERM}" "$MC_PID" 2>/dev/null
  i=0; n=$(( ${MC_STOP_WAIT:-10} * 20 ))
  while _mc_alive && [ $i -lt $n ]; do sleep 0.05; i=$((i + 1)); done
  if _mc_alive; then
    echo "memcached did not exit within ${MC_STOP_WAIT:-10} s of SIG${1:-TERM}" >&2
    mc_kill; return 1
  fi
  MC_STOP_MS=$(( $(_mc_ms) - t0 ))
  wait "$MC_TPID"; MC_STATUS=$?                     # timeout(1) exits with memcached's status
  MC_PID=""; MC_TPID=""
  return 0
}

mc_kill() {
  if [ -n "$MC_PID" ] && _mc_is_ours; then kill -KILL "$MC_PID" 2>/dev/null; fi
  if [ -n "$MC_TPID" ]; then
    kill -KILL "$MC_TPID" 2>/dev/null
    wait "$MC_TPID" 2>/dev/null
  fi
  MC_PID=""; MC_TPID=""
}
