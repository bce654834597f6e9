#!/usr/bin/env bash
# Measures failover: SIGKILL the leader of a 3-member Flotilla cluster on 127.0.0.1 and time the first successful
# write through the survivors, seen by a client writing all the time (flotilla bench, one client, all endpoints).
#
#   bench/failover.sh [--store rocksdb|lmdb|memory] [--trials 20]
#
# After each trial the killed member is restarted on its data and given time to catch up. Prints every gap, then
# the median and the maximum. Needs a built tree (mvn -B -q install -DskipTests).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
store=rocksdb
trials=20
while [ $# -gt 0 ]; do
  case "$1" in
    --store) store="$2"; shift 2 ;;
    --trials) trials="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
out="$(mktemp -d /tmp/flotilla-failover.XXXX)"
eps=127.0.0.1:12379,127.0.0.1:22379,127.0.0.1:32379
members="--member n1=127.0.0.1:12380/127.0.0.1:12379 --member n2=127.0.0.1:22380/127.0.0.1:22379 --member n3=127.0.0.1:32380/127.0.0.1:32379"
declare -A pid
start() { # member number
  JAVA_OPTS="-Xmx512m" "$root/kv.service/bin/flotilla-server" --node-id n$1 --data-dir "$out/n$1" \
    --log-store "$store" $members >> "$out/n$1.log" 2>&1 &
  pid[$1]=$!
}
cleanup() { kill "${pid[@]}" "${probe:-}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
for i in 1 2 3; do start $i; done
sleep 8
JAVA_OPTS="-Xmx256m" "$root/kv.service/bin/flotilla" bench --endpoints "$eps" --clients 1 --conns 3 --timeout 1s \
  --duration 3600s --warmup 0s --quiet --success-log "$out/successes.txt" > "$out/probe.txt" 2>&1 &
probe=$!
sleep 3
gaps=()
for t in $(seq 1 "$trials"); do
  leader=$(JAVA_OPTS="-Xmx64m" "$root/kv.service/bin/flotilla" status --endpoints "$eps" 2>/dev/null \
    | awk -F', ' '/leader=true/ {split($1, a, ":"); print substr(a[2], 1, 1)}' | head -1)
  if [ -z "$leader" ]; then echo "trial $t: no leader found"; sleep 2; continue; fi
  kill -9 "${pid[$leader]}"
  killed_at=$(date +%s%3N)
  first=""
  for _ in $(seq 1 150); do
    sleep 0.1
    first=$(awk -v t="$killed_at" '$1 > t {print $1; exit}' "$out/successes.txt")
    [ -n "$first" ] && break
  done
  if [ -z "$first" ]; then echo "trial $t: no successful write within 15 s"; gaps+=(15000); else
    gaps+=($((first - killed_at))); echo "trial $t: leader n$leader killed, first write after $((first - killed_at)) ms"; fi
  start "$leader"
  sleep 4
done
printf '%s\n' "${gaps[@]}" | sort -n | awk '{a[NR]=$1} END {printf "failover over %d trials: median %d ms, max %d ms\n", NR, (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2), a[NR]}'
