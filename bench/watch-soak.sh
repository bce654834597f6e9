#!/usr/bin/env bash
# A long watch run, etcd and then Flotilla on this machine: `flotilla bench-watch` with many watchers at a steady put
# rate, plus streams that never read (clients too slow for their events), for --minutes each, sampling every member's
# RSS every 10 s. Prints, per system: events/s, event latency p50/p99/p99.9/max, events missed, errors, and member
# RSS at the start, the middle and the end of the run and its maximum.
#
#   bench/watch-soak.sh [--minutes 15] [--system both|etcd|flotilla] [--out DIR]
#
# Flotilla runs with the demo's 256 MB heap (SERVER_OPTS overrides). Needs a built tree and etcd (installed if
# missing, when run as root). Everything listens on 127.0.0.1 and stops at the end.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
minutes=15
system=both
out="$(mktemp -d /tmp/flotilla-watch-soak.XXXX)"
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --system) system="$2"; shift 2 ;;
    --out) out="$2"; mkdir -p "$out"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
. "$root/bench/lib/clusters.sh"
trap stop_all EXIT INT TERM
workload=(--watchers 10000 --keys 1000 --streams 100 --put-rate 1000 --stalled-streams 4 --warmup 30s)

soak() { # system
  local name="$1" sampler
  ( while true; do
      printf '%s' "$(date +%s)"
      for p in "${pids[@]}"; do printf ' %s' "$(awk '/VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)"; done
      echo
      sleep 10
    done ) > "$out/$name-rss.txt" &
  sampler=$!
  JAVA_OPTS="-Xmx2g" "$root/kv.service/bin/flotilla" bench-watch --endpoints "$ENDPOINTS" "${workload[@]}" \
    --duration "${minutes}m" --json "$out/$name.json" > "$out/$name.txt"
  kill "$sampler" 2>/dev/null || true
}

echo "results in $out"
if [ "$system" != flotilla ]; then
  ensure_etcd
  start_etcd
  soak etcd
  stop_all
fi
if [ "$system" != etcd ]; then
  SERVER_OPTS="${SERVER_OPTS:--Xmx256m}" start_flotilla rocksdb
  soak flotilla
  stop_all
fi

python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
for name in ("etcd", "flotilla"):
    path = os.path.join(out, name + ".json")
    if not os.path.exists(path):
        continue
    r = json.load(open(path))
    rows = [list(map(int, l.split())) for l in open(os.path.join(out, name + "-rss.txt")) if l.strip()]
    per = [[v // 1024 for v in row[1:]] for row in rows]
    pick = lambda row: "/".join(str(v) for v in row)
    mx = [max(col) for col in zip(*per)] if per else []
    print(f"{name}: {r['eventsPerSecond']:.0f} events/s over {r['seconds']:.0f} s, latency ms p50 {r['p50Ms']:.2f}"
          f" p99 {r['p99Ms']:.2f} p99.9 {r['p999Ms']:.2f} max {r['maxMs']:.1f}; missed"
          f" {r['eventsExpected'] - r['eventsReceived']} of {r['eventsExpected']}; errors {r['errors']}")
    if per:
        print(f"  member RSS MiB: start {pick(per[0])}, middle {pick(per[len(per)//2])}, end {pick(per[-1])},"
              f" max {pick(mx)}")
PY
