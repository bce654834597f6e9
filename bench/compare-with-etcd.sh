#!/usr/bin/env bash
# Runs the same `flotilla bench` workloads against a 3-member etcd and a 3-member Flotilla cluster on 127.0.0.1, one
# after the other on this machine, and prints one table with both and the ratio Flotilla / etcd.
#
#   bench/compare-with-etcd.sh [--store rocksdb|lmdb|memory] [--duration 15s] [--warm-up 60s] [--out DIR]
#
# Each system first gets the same warm-up load (writes, then reads; --warm-up, default 60 s): the JVM compiles its hot
# code during the first tens of seconds and a measurement taken then says more about the JIT than about Flotilla.
# etcd (Go, compiled ahead of time) gets the same load, so both are measured in their steady state. Besides ops/s and
# p99, the table shows the CPU time the three servers used per operation (from /proc, user + system).
#
# Needs: a built tree (mvn -B -q install -DskipTests) and etcd (apt-get install -y etcd-server; installed if missing,
# when run as root). Both systems run with fsync on (etcd always fsyncs; Flotilla's store is asked for sync=true).
# Everything listens on 127.0.0.1 only and is stopped at the end, also on Ctrl-C.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
store=rocksdb
duration=15s
warmup=3s
server_warmup=60
out="$(mktemp -d /tmp/flotilla-compare.XXXX)"
while [ $# -gt 0 ]; do
  case "$1" in
    --store) store="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;; # whole seconds, at least 5s
    --warm-up) server_warmup="${2%s}"; shift 2 ;;
    --out) out="$2"; mkdir -p "$out"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
. "$root/bench/lib/clusters.sh"
ensure_etcd
bench() { JAVA_OPTS="-Xmx1g" "$root/kv.service/bin/flotilla" bench --quiet "$@"; }
trap stop_all EXIT INT TERM

# name | flotilla bench arguments
workloads=(
  "write, 1 client|--clients 1 --conns 1"
  "write, 16 clients|--clients 16 --conns 4"
  "write, 256 clients|--clients 256 --conns 16"
  "linearizable read, 256 clients|--clients 256 --conns 16 --write-ratio 0 --read-mode linearizable"
  "serializable read, 256 clients|--clients 256 --conns 16 --write-ratio 0 --read-mode serializable"
  "90% read / 10% write, 256 clients|--clients 256 --conns 16 --write-ratio 0.1"
)

run_all() { # system endpoints
  local system="$1" eps="$2" i=0 before after
  # Preload the key space so reads find values, then warm up (see the top of this file).
  bench --endpoints "$eps" --clients 64 --conns 8 --keys 10000 --duration 3s --warmup 0s >/dev/null
  bench --endpoints "$eps" --clients 256 --conns 16 --keys 10000 --duration "$((server_warmup / 2))s" --warmup 0s >/dev/null
  bench --endpoints "$eps" --clients 256 --conns 16 --keys 10000 --write-ratio 0 \
    --duration "$((server_warmup - server_warmup / 2))s" --warmup 0s >/dev/null
  local d=${duration%s} wu=${warmup%s} b
  for w in "${workloads[@]}"; do
    bench --endpoints "$eps" --keys 10000 --value-size 256 --duration "${d}s" --warmup "${wu}s" ${w#*|} \
      --json "$out/$system-$i.json" >/dev/null &
    b=$!
    # Server CPU inside the measured interval (the client JVM takes up to ~2 s to start): [wu+2 s, wu+d-1 s].
    sleep $((wu + 2)); before=$(cpu_ticks "${pids[@]}")
    sleep $((d - 3)); after=$(cpu_ticks "${pids[@]}")
    wait $b
    echo "$((after - before)) $(getconf CLK_TCK) $((d - 3))" > "$out/$system-$i.cpu"
    i=$((i + 1))
  done
}

echo "results in $out"
# --- etcd ---
start_etcd
run_all etcd "$ENDPOINTS"
stop_all

# --- Flotilla ---
SERVER_OPTS="-Xmx1g" start_flotilla "$store"
run_all flotilla "$ENDPOINTS"
stop_all

# --- table ---
python3 - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
names = ["write, 1 client", "write, 16 clients", "write, 256 clients", "linearizable read, 256 clients",
         "serializable read, 256 clients", "90% read / 10% write, 256 clients"]
def cpu_per_op(system, i, result):
    ticks, hz, seconds = open(os.path.join(out, f"{system}-{i}.cpu")).read().split()
    ops = result["opsPerSecond"] * int(seconds)
    return int(ticks) / int(hz) / ops * 1e6 if ops else float("nan")
print(f"{'workload':36} {'etcd ops/s':>11} {'p99 ms':>7} {'CPU us/op':>9} {'Flotilla ops/s':>15} {'p99 ms':>7}"
      f" {'CPU us/op':>9} {'ratio':>6}")
for i, n in enumerate(names):
    e = json.load(open(os.path.join(out, f"etcd-{i}.json")))
    f = json.load(open(os.path.join(out, f"flotilla-{i}.json")))
    ratio = f["opsPerSecond"] / e["opsPerSecond"] if e["opsPerSecond"] else float("nan")
    print(f"{n:36} {e['opsPerSecond']:11.0f} {e['p99Ms']:7.1f} {cpu_per_op('etcd', i, e):9.0f}"
          f" {f['opsPerSecond']:15.0f} {f['p99Ms']:7.1f} {cpu_per_op('flotilla', i, f):9.0f} {ratio:6.2f}")
PY
