#!/usr/bin/env bash
# Watch and lease benchmarks, etcd and Flotilla side by side on this machine: the same `flotilla bench-watch`
# workloads (etcd's `benchmark watch-latency`: watchers spread over streams and members, puts at a fixed rate, each
# event timed from its put being sent) and `flotilla bench-lease` (etcd's `benchmark lease-keepalive`: closed-loop
# keep-alive streams) against a 3-member etcd, then a 3-member Flotilla; one table each with both.
#
#   bench/compare-watch-with-etcd.sh [--store rocksdb|lmdb|memory] [--duration 20s] [--warm-up 60s] [--out DIR]
#
# Both systems first get --warm-up seconds of the event-throughput workload (the JVM compiles its hot code meanwhile;
# etcd gets the same load). Needs a built tree (mvn -B -q install -DskipTests) and etcd (apt-get install -y
# etcd-server; installed if missing, when run as root). Everything listens on 127.0.0.1 and stops at the end.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
store=rocksdb
duration=20
server_warmup=60
out="$(mktemp -d /tmp/flotilla-watch-compare.XXXX)"
while [ $# -gt 0 ]; do
  case "$1" in
    --store) store="$2"; shift 2 ;;
    --duration) duration="${2%s}"; shift 2 ;;
    --warm-up) server_warmup="${2%s}"; shift 2 ;;
    --out) out="$2"; mkdir -p "$out"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
. "$root/bench/lib/clusters.sh"
ensure_etcd
trap stop_all EXIT INT TERM
bench_watch() { JAVA_OPTS="-Xmx2g" "$root/kv.service/bin/flotilla" bench-watch --endpoints "$ENDPOINTS" "$@"; }

# name | flotilla bench-watch arguments
workloads=(
  "1k watchers (1 per key), 500 puts/s|--watchers 1000 --keys 1000 --streams 10 --put-rate 500"
  "10k watchers (10 per key), 500 puts/s|--watchers 10000 --keys 1000 --streams 100 --put-rate 500"
  "1k watchers on 1 key, 100 puts/s|--watchers 1000 --keys 1 --streams 10 --put-rate 100"
  "1k watchers on 1 key, 200 puts/s|--watchers 1000 --keys 1 --streams 10 --put-rate 200"
)

run_all() { # system
  local system="$1" i=0
  bench_watch --watchers 1000 --keys 1 --streams 10 --put-rate 100 --warmup 0s --duration "${server_warmup}s" >/dev/null
  for w in "${workloads[@]}"; do
    bench_watch ${w#*|} --warmup 5s --duration "${duration}s" --json "$out/$system-$i.json" > "$out/$system-$i.txt"
    i=$((i + 1))
  done
  JAVA_OPTS="-Xmx1g" "$root/kv.service/bin/flotilla" bench-lease --endpoints "$ENDPOINTS" --clients 64 --conns 8 \
    --warmup 5s --duration "${duration}s" --json "$out/$system-lease.json" > "$out/$system-lease.txt"
}

echo "results in $out"
start_etcd
run_all etcd
stop_all
start_flotilla "$store"
run_all flotilla
stop_all

python3 - "$out" "${#workloads[@]}" "${workloads[@]%%|*}" <<'PY'
import json, sys, os
out, n, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
print(f"{'workload':40} {'etcd events/s':>13} {'p50':>6} {'p99':>6} {'p99.9':>6} {'max':>6} {'miss':>5} {'put p50':>7} |"
      f" {'Flotilla events/s':>17} {'p50':>6} {'p99':>6} {'p99.9':>6} {'max':>6} {'miss':>5} {'put p50':>7}")
for i, name in enumerate(names):
    row = f"{name:40}"
    for system in ("etcd", "flotilla"):
        r = json.load(open(os.path.join(out, f"{system}-{i}.json")))
        miss = r["eventsExpected"] - r["eventsReceived"]
        width = 13 if system == "etcd" else 17
        row += (" |" if system == "flotilla" else "") + f" {r['eventsPerSecond']:{width}.0f} {r['p50Ms']:6.2f}" \
               f" {r['p99Ms']:6.2f} {r['p999Ms']:6.2f} {r['maxMs']:6.1f} {miss:5d} {r['putP50Ms']:7.2f}"
    print(row)
print("latencies in ms, from a put being sent to its event arriving; miss = events expected but not received;")
print("put p50: the puts' own latency (sent to acknowledged) in the same run")
print()
print(f"{'lease keep-alive, 64 streams':40} {'renewals/s':>13} {'p50':>6} {'p99':>6} {'p99.9':>6} {'max':>6} {'errors':>6}")
for system in ("etcd", "flotilla"):
    r = json.load(open(os.path.join(out, f"{system}-lease.json")))
    print(f"{system:40} {r['renewalsPerSecond']:13.0f} {r['p50Ms']:6.2f} {r['p99Ms']:6.2f} {r['p999Ms']:6.2f}"
          f" {r['maxMs']:6.1f} {r['errors']:6d}")
PY
