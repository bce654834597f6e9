# Sourced by the bench scripts: starts and stops a 3-member etcd and a 3-member Flotilla on 127.0.0.1, both with
# fsync on, clients on ports 12379, 22379 and 32379. Needs $root (the repository) and $out (where data and logs go).
# Everything started is stopped by stop_all, which the caller traps on EXIT, INT and TERM.
pids=()
ENDPOINTS=127.0.0.1:12379,127.0.0.1:22379,127.0.0.1:32379

# SIGTERM, then SIGKILL for whatever has not exited after 15 s (a JVM out of memory may no longer handle SIGTERM).
stop_all() {
  local p i
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for i in $(seq 15); do
    local alive=0
    for p in "${pids[@]:-}"; do [ -n "$p" ] && kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 1
  done
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
}

ensure_etcd() {
  if ! command -v etcd >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >/dev/null
  fi
}

start_etcd() { # extra etcd flags...
  local i
  for i in 1 2 3; do
    etcd --name e$i --data-dir "$out/etcd-e$i" \
      --listen-client-urls http://127.0.0.1:${i}2379 --advertise-client-urls http://127.0.0.1:${i}2379 \
      --listen-peer-urls http://127.0.0.1:${i}2380 --initial-advertise-peer-urls http://127.0.0.1:${i}2380 \
      --initial-cluster e1=http://127.0.0.1:12380,e2=http://127.0.0.1:22380,e3=http://127.0.0.1:32380 \
      --initial-cluster-state new --log-level error "$@" > "$out/etcd-e$i.log" 2>&1 &
    pids+=($!)
  done
  sleep 5
}

start_flotilla() { # store, extra server flags...
  local store="$1" i
  shift
  local members="--member n1=127.0.0.1:12380/127.0.0.1:12379 --member n2=127.0.0.1:22380/127.0.0.1:22379 --member n3=127.0.0.1:32380/127.0.0.1:32379"
  for i in 1 2 3; do
    JAVA_OPTS="${SERVER_OPTS:--Xmx1g}" "$root/kv.service/bin/flotilla-server" --node-id n$i \
      --data-dir "$out/flotilla-n$i" --log-store "$store" --log-store-option sync=true $members "$@" \
      > "$out/flotilla-n$i.log" 2>&1 &
    pids+=($!)
  done
  sleep 8
}

# CPU time (user + system, in clock ticks) used so far by the given processes.
cpu_ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $t; }
