#!/usr/bin/env bash
# Starts a Flotilla cluster on 127.0.0.1 (fsync on), warms it up, runs one `flotilla bench` workload and prints its
# result line, then the servers' CPU time (user + system) and context switches per operation, read from /proc over
# the measured interval. This is how each profile-driven change in the README was measured, at its commit.
#
#   bench/cpu-per-op.sh [--store rocksdb|lmdb|memory] [--backend rocksdb|memory] [--members 3|1] [--warm-up 90]
#                       [--duration 12]
#                       [--leader-only] [-- <flotilla bench arguments, e.g. --clients 256 --conns 16>]
#
# --store picks the Raft log store, --backend the MVCC store (memory for both takes the disks out of the figure).
#
# --leader-only points the client at the leader alone (no forwarding between members). SERVER_OPTS adds JVM options
# to the servers (e.g. SERVER_OPTS=-XX:+UseParallelGC). Each snapshot a member takes is logged, with its size and
# time, in the members' logs (kept in the directory printed first). Needs a built tree
# (mvn -B -q install -DskipTests). Everything is stopped at the end, also on Ctrl-C.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
store=rocksdb backend=rocksdb members=3 warmup=90 duration=12 leader_only=false
while [ $# -gt 0 ]; do
  case "$1" in
    --store) store="$2"; shift 2 ;;
    --backend) backend="$2"; shift 2 ;;
    --members) members="$2"; shift 2 ;;
    --warm-up) warmup="${2%s}"; shift 2 ;;
    --duration) duration="${2%s}"; shift 2 ;;
    --leader-only) leader_only=true; shift ;;
    --) shift; break ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ $# -gt 0 ] || set -- --clients 256 --conns 16
out="$(mktemp -d /tmp/flotilla-cpu.XXXX)"
echo "member logs in $out"
flags=() eps=()
for i in $(seq 1 "$members"); do
  flags+=(--member "n$i=127.0.0.1:${i}2380/127.0.0.1:${i}2379"); eps+=("127.0.0.1:${i}2379")
done
all=$(IFS=,; echo "${eps[*]}")
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT INT TERM
for i in $(seq 1 "$members"); do
  JAVA_OPTS="-Xmx1g ${SERVER_OPTS:-}" "$root/kv.service/bin/flotilla-server" --node-id "n$i" --data-dir "$out/n$i" \
    --log-store "$store" --log-store-option sync=true --backend "$backend" "${flags[@]}" > "$out/n$i.log" 2>&1 &
  pids+=($!)
done
sleep 8
target=$all
if $leader_only; then
  target=$("$root/kv.service/bin/flotilla" status --endpoints "$all" 2>/dev/null \
    | awk -F', ' '/leader=true/ {print $1; exit}')
fi
bench() { JAVA_OPTS="-Xmx1g" "$root/kv.service/bin/flotilla" bench --quiet --endpoints "$target" "$@"; }
# The JIT needs over a minute under load before the servers run at full speed: with 3 members and the client on 2
# cores, C2 still took 55 % of the servers' CPU 40 s in, 11 % at 90 s (measured at deafd6e).
bench --duration "${warmup}s" --warmup 0s "$@" > /dev/null
# CPU ticks and context switches of every thread of the servers so far.
usage() {
  local ticks=0 switches=0 p
  for p in "${pids[@]}"; do
    ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$p/stat")))
    switches=$((switches + $(cat /proc/"$p"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s += $2} END {print s}')))
  done
  echo "$ticks $switches"
}
bench --duration "${duration}s" --warmup 3s --json "$out/result.json" "$@" > "$out/result.txt" &
b=$!
# Measure inside the benchmark's measured interval (the client JVM takes up to ~2 s to start).
sleep 5; read -r t0 s0 < <(usage)
sleep $((duration - 3)); read -r t1 s1 < <(usage)
wait $b
cat "$out/result.txt"
python3 - "$out/result.json" "$((t1 - t0))" "$((s1 - s0))" "$(getconf CLK_TCK)" "$((duration - 3))" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ticks, switches, hz, seconds = (int(a) for a in sys.argv[2:6])
ops = r["opsPerSecond"] * seconds
print(f"servers: {ticks / hz / ops * 1e6:.1f} us CPU and {switches / ops:.1f} context switches per operation")
PY
