#!/usr/bin/env bash
# A long side-by-side run: the same closed-loop write load (`flotilla bench`) against a 3-member etcd and then a
# 3-member Flotilla cluster on 127.0.0.1, one after the other on this machine, watching what a 10-second run hides:
# memory that keeps growing, data that piles up on disk, throughput that sinks as the history grows, stalls, leader
# changes, and how long a member takes to come back on a data directory that has grown for half an hour.
#
#   bench/long-run.sh [--minutes 30] [--keys 100000] [--clients 256] [--conns 16] [--value-size 256]
#                     [--values random|zeros]
#                     [--system etcd|flotilla|both] [--out DIR] [--auto-compaction-retention 5m]
#                     [--quota-backend-bytes 2147483648] [--store rocksdb|lmdb|memory] [--warm-up S] [--keep-data]
#
#   bench/long-run.sh --minutes 1 --keys 10000          # smoke test, about 4 minutes for both systems
#   bench/long-run.sh --keys 1000000                    # the issue's large key space
#
# Both systems get etcd's periodic auto-compaction with the same retention (etcd: --auto-compaction-mode=periodic
# --auto-compaction-retention=R; Flotilla: --auto-compaction-mode periodic --auto-compaction-retention R) and the
# same backend quota (default etcd's 2 GiB). Both fsync (Flotilla's log store gets sync=true). Flotilla members run
# as compare-with-etcd.sh runs them (JAVA_OPTS=-Xmx1g, --log-store rocksdb by default); SERVER_OPTS adds JVM options.
#
# For each system: start 3 members (data in DIR), run one `flotilla bench` of --warm-up seconds (default 60, or 10
# when --minutes is under 10; not in the histogram) plus --minutes minutes, all writes over --keys keys. Every 10 s
# it samples each member's RSS (/proc/PID/status VmRSS) and data directory size (du -sb), and once a minute the
# leader and raft term (etcdctl endpoint status, which works against both), into DIR/<system>-samples.csv
# (time_s,member,rss_kb,disk_bytes,leader,term; time from the start of the load). After the load it SIGKILLs a
# follower, restarts it on its data directory and times, from the restart, the first serializable read that returns
# a key written before the load (etcdctl get --consistency=s every 50 ms, at most 120 s; ~0.1 s resolution).
#
# At the end it prints one table, both systems side by side with the ratio Flotilla / etcd, and writes it to
# DIR/summary.md; DIR/rss.png and DIR/disk.png plot each member's RSS and data directory over time (gnuplot; it is
# installed when missing and running as root, otherwise the plots are skipped). Results of a system are kept in
# DIR/<system>-result.json, so `--system etcd` and `--system flotilla` runs into the same --out end in one table.
# Also kept: DIR/<system>-bench.txt (the bench's per-second lines), its JSON, and the members' logs. The members'
# data directories are deleted after each system unless --keep-data (a 30-minute run writes gigabytes). du -sb counts
# etcd's preallocated 64 MiB WAL files at their full size, which is what they take on disk.
#
# Environment: FLOTILLA_ROOT, the Flotilla source tree to run (default: this script's tree; it must be built:
# mvn -B -q install -DskipTests). FLOTILLA_BACKEND_ARGS replaces the compaction and quota flags given to
# flotilla-server (set it to "" to run a build that predates them; the table then says so). SERVER_OPTS: extra JVM
# options for the Flotilla members. Needs etcd and etcdctl (apt-get install -y etcd-server etcd-client; installed if
# missing, when run as root), python3, and ports 12379-32380 free. Everything listens on 127.0.0.1 only, every step
# is bounded in time (about --minutes + --warm-up + 3 min per system), and every process it started is stopped at the
# end, also on Ctrl-C.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
root="${FLOTILLA_ROOT:-$here}"
minutes=30 keys=100000 clients=256 conns=16 value_size=256 values=random system=both retention=5m quota=2147483648
store=rocksdb warmup="" keep_data=false out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --keys) keys="$2"; shift 2 ;;
    --clients) clients="$2"; shift 2 ;;
    --conns) conns="$2"; shift 2 ;;
    --value-size) value_size="$2"; shift 2 ;;
    --values) values="$2"; shift 2 ;;
    --system) system="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --auto-compaction-retention) retention="$2"; shift 2 ;;
    --quota-backend-bytes) quota="$2"; shift 2 ;;
    --store) store="$2"; shift 2 ;;
    --warm-up) warmup="${2%s}"; shift 2 ;;
    --keep-data) keep_data=true; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for v in minutes keys clients conns value_size quota; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || { echo "--${v//_/-} must be a whole number, got '${!v}'" >&2; exit 2; }
done
[ "$minutes" -ge 1 ] || { echo "--minutes must be at least 1" >&2; exit 2; }
case "$values" in random|zeros) ;; *) echo "--values must be random or zeros" >&2; exit 2 ;; esac
case "$system" in etcd) systems=(etcd) ;; flotilla) systems=(flotilla) ;; both) systems=(etcd flotilla) ;;
  *) echo "--system must be etcd, flotilla or both" >&2; exit 2 ;; esac
[ -n "$warmup" ] || { if [ "$minutes" -ge 10 ]; then warmup=60; else warmup=10; fi; }
[[ "$warmup" =~ ^[0-9]+$ ]] || { echo "--warm-up must be whole seconds" >&2; exit 2; }
if [ -z "$out" ]; then out="$(mktemp -d /tmp/flotilla-long-run.XXXX)"; else mkdir -p "$out"; out="$(cd "$out" && pwd)"; fi
export ETCDCTL_API=3

need_root_install() { # command package...
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" != 0 ]; then echo "$1 is missing; install: apt-get install -y ${*:2}" >&2; exit 2; fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${@:2}" >/dev/null
}
for s in "${systems[@]}"; do [ "$s" = etcd ] && need_root_install etcd etcd-server; done
need_root_install etcdctl etcd-client
command -v python3 >/dev/null || { echo "python3 is needed for the summary" >&2; exit 2; }
for s in "${systems[@]}"; do
  if [ "$s" = flotilla ] && [ ! -f "$root/kv.service/target/runtime-module-path.txt" ]; then
    echo "Flotilla is not built in $root; run: (cd '$root' && mvn -B -q install -DskipTests)" >&2; exit 2
  fi
done
[ -f "$root/kv.service/target/runtime-module-path.txt" ] ||
  { echo "the load generator (flotilla bench) is not built in $root; run: mvn -B -q install -DskipTests" >&2; exit 2; }
for p in 12379 12380 22379 22380 32379 32380; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "port $p on 127.0.0.1 is in use; stop what listens there" >&2; exit 2; fi
done

eps=127.0.0.1:12379,127.0.0.1:22379,127.0.0.1:32379
probe_key=long-run/probe probe_value="written-before-the-load"
declare -A pid=()
bench_pid=""
stop_all() {
  local p
  if [ -n "$bench_pid" ]; then kill "$bench_pid" 2>/dev/null || true; fi
  for p in "${pid[@]}"; do kill "$p" 2>/dev/null || true; done
  for _ in $(seq 1 100); do # up to 10 s for a clean stop, then SIGKILL
    local alive=false
    for p in "${pid[@]}" $bench_pid; do kill -0 "$p" 2>/dev/null && alive=true; done
    $alive || break
    sleep 0.1
  done
  for p in "${pid[@]}" $bench_pid; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pid=() bench_pid=""
}
trap stop_all EXIT
interrupted() { echo "interrupted; stopping everything (the members' data stays in $out)" >&2; stop_all; exit 130; }
trap interrupted INT TERM

# --- members ---
start_member() { # system member-number; starts it in the background and records its pid
  local s=$1 i=$2
  if [ "$s" = etcd ]; then
    etcd --name e$i --data-dir "$out/etcd-e$i" \
      --listen-client-urls http://127.0.0.1:${i}2379 --advertise-client-urls http://127.0.0.1:${i}2379 \
      --listen-peer-urls http://127.0.0.1:${i}2380 --initial-advertise-peer-urls http://127.0.0.1:${i}2380 \
      --initial-cluster e1=http://127.0.0.1:12380,e2=http://127.0.0.1:22380,e3=http://127.0.0.1:32380 \
      --initial-cluster-state new --auto-compaction-mode=periodic --auto-compaction-retention="$retention" \
      --quota-backend-bytes="$quota" --log-level error >> "$out/etcd-e$i.log" 2>&1 &
  else
    # shellcheck disable=SC2086 # FLOTILLA_BACKEND_ARGS is a list of words
    JAVA_OPTS="-Xmx1g ${SERVER_OPTS:-}" "$root/kv.service/bin/flotilla-server" --node-id n$i \
      --data-dir "$out/flotilla-n$i" --log-store "$store" --log-store-option sync=true \
      --member n1=127.0.0.1:12380/127.0.0.1:12379 --member n2=127.0.0.1:22380/127.0.0.1:22379 \
      --member n3=127.0.0.1:32380/127.0.0.1:32379 $backend_args >> "$out/flotilla-n$i.log" 2>&1 &
  fi
  pid[$i]=$!
}
data_dir() { if [ "$1" = etcd ]; then echo "$out/etcd-e$2"; else echo "$out/flotilla-n$2"; fi; }
name_of() { if [ "$1" = etcd ]; then echo "e$2"; else echo "n$2"; fi; }
default_backend_args="--auto-compaction-mode periodic --auto-compaction-retention $retention --quota-backend-bytes $quota"
backend_args="${FLOTILLA_BACKEND_ARGS-$default_backend_args}"

# One line per endpoint that answered: endpoint member_id leader_id raft_term db_size.
status() {
  { etcdctl --endpoints="$eps" --dial-timeout=2s --command-timeout=3s endpoint status -w json 2>/dev/null || true; } |
    python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except Exception:
    sys.exit(0)
for e in d:
    s = e.get("Status", {}); h = s.get("header", {})
    print(e.get("Endpoint"), h.get("member_id", 0), s.get("leader", 0), s.get("raftTerm", h.get("raft_term", 0)),
          s.get("dbSize", 0))'
}
declare -A id_name=()
learn_ids() { # system; maps member ids to e1/n1... from one status call
  local ep id _
  while read -r ep id _; do id_name[$id]="$(name_of "$1" "${ep:10:1}")"; done < <(status)
}
leader_name() { [ "$1" = 0 ] && echo none || echo "${id_name[$1]:-$1}"; }

# --- sampling ---
sample() { # system t0 with-status(true|false)
  local s=$1 t0=$2 t i ep id leader term rss disk
  t=$(($(date +%s) - t0))
  declare -A L=() T=()
  if [ "$3" = true ]; then
    while read -r ep id leader term _; do
      L[${ep:10:1}]=$(leader_name "$leader"); T[${ep:10:1}]=$term
    done < <(status)
  fi
  for i in 1 2 3; do
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/${pid[$i]}/status" 2>/dev/null || true)
    disk=$(du -sb "$(data_dir "$s" "$i")" 2>/dev/null | cut -f1 || true)
    echo "$t,$(name_of "$s" "$i"),$rss,$disk,${L[$i]:-},${T[$i]:-}" >> "$out/$s-samples.csv"
  done
  if [ "$3" = true ]; then
    printf '%s t=%4ds  rss MiB %s  data MiB %s  leader %s term %s  | %s\n' "$s" "$t" \
      "$(tail -3 "$out/$s-samples.csv" | awk -F, '{printf "%s%d", (NR > 1 ? "/" : ""), $3 / 1024}')" \
      "$(tail -3 "$out/$s-samples.csv" | awk -F, '{printf "%s%d", (NR > 1 ? "/" : ""), $4 / 1048576}')" \
      "${L[1]:-${L[2]:-${L[3]:-?}}}" "${T[1]:-${T[2]:-${T[3]:-?}}}" \
      "$(grep 'ops/s' "$out/$s-bench.txt" 2>/dev/null | tail -1 | tr -s ' ' || true)"
  fi
}

# --- one system ---
run_system() {
  local s=$1 i t0 n next
  echo "=== $s: 3 members, ${minutes} min of writes (+${warmup} s warm-up), ${keys} keys, ${clients} clients, ${value_size} B ${values} values"
  for i in 1 2 3; do rm -rf "$(data_dir "$s" "$i")"; rm -f "$out/$s-$(name_of "$s" "$i").log"; done
  rm -f "$out/$s-samples.csv" "$out/$s-bench.txt" "$out/$s-bench.json" "$out/$s-restart.txt" "$out/$s-end-status.txt" \
    "$out/$s-result.json" "$out/$s-load.txt"
  for i in 1 2 3; do start_member "$s" "$i"; done
  local ready=false
  for _ in $(seq 1 60); do
    for i in 1 2 3; do
      if ! kill -0 "${pid[$i]}" 2>/dev/null; then
        echo "$s: member $(name_of "$s" "$i") exited at start; from its log ($out/$s-$(name_of "$s" "$i").log):" >&2
        { head -n 3; echo "..."; } < "$out/$s-$(name_of "$s" "$i").log" >&2; exit 1
      fi
    done
    if etcdctl --endpoints="$eps" --dial-timeout=1s --command-timeout=2s put "$probe_key" "$probe_value" >/dev/null 2>&1
    then ready=true; break; fi
    sleep 1
  done
  $ready || { echo "$s: the cluster did not accept a write within 60 s; logs in $out" >&2; exit 1; }
  id_name=(); learn_ids "$s"
  echo "time_s,member,rss_kb,disk_bytes,leader,term" > "$out/$s-samples.csv"
  JAVA_OPTS="-Xmx1g" timeout -k 10 $((warmup + minutes * 60 + 120)) "$root/kv.service/bin/flotilla" bench \
    --endpoints "$eps" --clients "$clients" --conns "$conns" --keys "$keys" --value-size "$value_size" \
    --values "$values" \
    --write-ratio 1 --warmup "${warmup}s" --duration "$((minutes * 60))s" --json "$out/$s-bench.json" \
    > "$out/$s-bench.txt" 2>&1 &
  bench_pid=$!
  t0=$(date +%s) n=0
  cut -d' ' -f1 /proc/loadavg > "$out/$s-load.txt"
  while kill -0 "$bench_pid" 2>/dev/null; do
    sample "$s" "$t0" "$([ $((n % 6)) = 0 ] && echo true || echo false)"
    n=$((n + 1)) next=$((t0 + n * 10))
    while [ "$(date +%s)" -lt "$next" ] && kill -0 "$bench_pid" 2>/dev/null; do sleep 1; done
  done
  wait "$bench_pid" || echo "$s: flotilla bench exited with $? (see $out/$s-bench.txt)" >&2
  bench_pid=""
  cut -d' ' -f1 /proc/loadavg >> "$out/$s-load.txt"
  sample "$s" "$t0" true
  status > "$out/$s-end-status.txt"
  tail -1 "$out/$s-bench.txt"

  # Restart a follower on its data directory and time its first serializable read.
  local leader="" ep id ld f="" st
  st=$(status)
  while read -r ep id ld _; do leader=$ld; done <<< "$st"
  while read -r ep id _; do [ "$id" != "$leader" ] && { f=${ep:10:1}; break; }; done <<< "$st"
  if [ -z "$f" ] || [ "$leader" = 0 ]; then
    echo "no leader/follower found; restart time not measured" | tee "$out/$s-restart.txt"
  else
    local dir_bytes port=${f}2379 t1="" tp="" start
    dir_bytes=$(du -sb "$(data_dir "$s" "$f")" | cut -f1)
    kill -9 "${pid[$f]}"; wait "${pid[$f]}" 2>/dev/null || true
    start=$(date +%s%3N)
    start_member "$s" "$f"
    while [ $(($(date +%s%3N) - start)) -lt 120000 ]; do
      # Wait for the port first (cheap), so that etcdctl's own connection backoff does not blur the time.
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { [ -n "$tp" ] || tp=$(date +%s%3N); } &&
        [ "$(etcdctl --endpoints="127.0.0.1:$port" --dial-timeout=1s --command-timeout=2s get "$probe_key" \
          --consistency=s --print-value-only 2>/dev/null)" = "$probe_value" ]; then
        t1=$(date +%s%3N); break
      fi
      sleep 0.05
    done
    if [ -n "$t1" ]; then
      echo "$((t1 - start)) $(name_of "$s" "$f") $dir_bytes $((tp - start))" > "$out/$s-restart.txt"
      echo "$s: follower $(name_of "$s" "$f") ($((dir_bytes / 1048576)) MiB of data) listened after $((tp - start)) ms" \
        "and served a serializable read $((t1 - start)) ms after its restart"
    else
      echo "timeout $(name_of "$s" "$f") $dir_bytes ${tp:+$((tp - start))}" > "$out/$s-restart.txt"
      echo "$s: follower $(name_of "$s" "$f") served no serializable read within 120 s of its restart" >&2
    fi
  fi
  stop_all
  summarize "$s"
  if ! $keep_data; then for i in 1 2 3; do rm -rf "$(data_dir "$s" "$i")"; done; fi
}

# --- per-system result (JSON) and the side-by-side table ---
summarize() { # system
  local version note=""
  if [ "$1" = etcd ]; then version="etcd $(etcd --version 2>/dev/null | awk '/etcd Version/ {print $3}')"
  else version="Flotilla $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$root" diff --quiet HEAD 2>/dev/null || echo '+changes'), log store $store"
    [ "$backend_args" = "$default_backend_args" ] || note="flotilla-server flags: '${backend_args}' instead of '$default_backend_args'"
  fi
  python3 - "$out" "$1" "$minutes" "$warmup" "$keys" "$clients" "$conns" "$value_size" "$retention" "$quota" \
    "$version" "$note" "$values" <<'PY'
import csv, json, os, re, sys
out, system, minutes, warmup, keys, clients, conns, vsize, retention, quota, version, note, values = sys.argv[1:14]
p = lambda name: os.path.join(out, f"{system}-{name}")
r = {"system": system, "version": version, "note": note,
     "params": dict(minutes=int(minutes), warmup_s=int(warmup), keys=int(keys), clients=int(clients),
                    conns=int(conns), value_size=int(vsize), values=values, retention=retention,
                    quota=int(quota))}
try:
    r["bench"] = json.load(open(p("bench.json")))
except Exception:
    r["bench"] = None
# Per-second lines: "  12.0s      9876 ops/s  p50   1.23 ms  p99  12.34 ms  errors 0"
secs = []
for line in open(p("bench.txt"), errors="replace"):
    m = re.match(r"\s*([\d.]+)s\s+(\d+) ops/s\s+p50\s+([\d.]+) ms\s+p99\s+([\d.]+) ms", line)
    if m:
        secs.append((float(m[1]), int(m[2]), float(m[4])))
# Drop intervals shorter than half a second (the last one can be), their rate is noise.
full = [x for prev, x in zip([(0.0,)] + secs, secs) if x[0] - prev[0] >= 0.5] or secs
if full:
    mean = sum(x[1] for x in full) / len(full)
    fifth = max(1, len(full) // 5)
    first = sum(x[1] for x in full[:fifth]) / fifth
    last = sum(x[1] for x in full[-fifth:]) / fifth
    r["seconds"] = dict(worst_ops=min(x[1] for x in full), worst_p99=max(x[2] for x in full),
                        slow=sum(1 for x in full if x[1] < 0.1 * mean), trend=last / first if first else None,
                        count=len(full))
rows = list(csv.DictReader(open(p("samples.csv"))))
members = sorted({row["member"] for row in rows})
r["rss"] = {}
r["disk_end"] = {}
for m in members:
    rss = [int(x["rss_kb"]) for x in rows if x["member"] == m and x["rss_kb"]]
    disk = [int(x["disk_bytes"]) for x in rows if x["member"] == m and x["disk_bytes"]]
    if rss:
        r["rss"][m] = dict(min=min(rss), max=max(rss), last=rss[-1])
    if disk:
        r["disk_end"][m] = disk[-1]
        r.setdefault("disk_max", {})[m] = max(disk)
# Leader at each status sample: the one most members name; a change is a new name between two samples.
by_time = {}
for x in rows:
    if x["leader"]:
        by_time.setdefault(int(x["time_s"]), []).append((x["leader"], int(x["term"] or 0)))
leaders, terms = [], []
for t in sorted(by_time):
    names = [l for l, _ in by_time[t] if l != "none"]
    if names:
        leaders.append(max(set(names), key=names.count))
    terms.append(max(term for _, term in by_time[t]))
r["leader_changes"] = sum(1 for a, b in zip(leaders, leaders[1:]) if a != b)
r["term_increase"] = (terms[-1] - terms[0]) if terms else None
r["status_samples"] = len(by_time)
db = [int(line.split()[4]) for line in open(p("end-status.txt")) if len(line.split()) >= 5]
r["db_size_end"] = max(db) if db else None
words = open(p("restart.txt")).read().split() if os.path.exists(p("restart.txt")) else []
r["restart"] = None
if len(words) >= 3:
    r["restart"] = dict(ms=None if words[0] == "timeout" else int(words[0]), member=words[1], data_bytes=int(words[2]),
                        listen_ms=int(words[3]) if len(words) > 3 else None)
try:
    r["load"] = [float(x) for x in open(p("load.txt")).read().split()]
except Exception:
    r["load"] = []
json.dump(r, open(p("result.json"), "w"), indent=2)
PY
}

table() {
  python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
res = {}
for s in ("etcd", "flotilla"):
    f = os.path.join(out, f"{s}-result.json")
    if os.path.exists(f):
        res[s] = json.load(open(f))
MiB = 1024 * 1024
def num(x, fmt="{:,.0f}"):
    return "–" if x is None else fmt.format(x).replace(",", " ")
def b(r, k):
    return (r.get("bench") or {}).get(k)
def sec(r, k):
    return (r.get("seconds") or {}).get(k)
rows = []  # (label, function(result) -> (text, value for the ratio))
def row(label, get, fmt="{:,.0f}"):
    rows.append((label, lambda r: (num(get(r), fmt), get(r))))
row("writes/s (whole run)", lambda r: b(r, "opsPerSecond"))
row("p50 ms", lambda r: b(r, "p50Ms"), "{:.2f}")
row("p99 ms", lambda r: b(r, "p99Ms"), "{:.1f}")
row("p99.9 ms", lambda r: b(r, "p999Ms"), "{:.1f}")
row("max ms", lambda r: b(r, "maxMs"), "{:.0f}")
row("errors", lambda r: b(r, "errors"))
row("worst second, writes/s", lambda r: sec(r, "worst_ops"))
row("worst second, p99 ms", lambda r: sec(r, "worst_p99"), "{:.1f}")
row("seconds under 10 % of the mean", lambda r: sec(r, "slow"))
row("writes/s, last fifth / first fifth", lambda r: sec(r, "trend"), "{:.2f}")
row("leader changes (1-min samples)", lambda r: r.get("leader_changes"))
row("raft term increase", lambda r: r.get("term_increase"))
for i in (1, 2, 3):
    def rss(r, i=i):
        m = ("e" if r["system"] == "etcd" else "n") + str(i)
        x = r["rss"].get(m)
        if not x:
            return ("–", None)
        return (f"{x['min'] / 1024:.0f} / {x['max'] / 1024:.0f} / {x['last'] / 1024:.0f}", x["max"])
    rows.append((f"member {i} RSS MiB min / max / last", rss))
def disk(r):
    d = r.get("disk_end") or {}
    if not d:
        return ("–", None)
    return (" / ".join(f"{d[m] / MiB:.0f}" for m in sorted(d)), sum(d.values()))
rows.append(("data dirs at the end, MiB (each member)", disk))
def disk_max(r):
    d = r.get("disk_max") or {}
    return (num(max(d.values()) / MiB) if d else "–", max(d.values()) if d else None)
rows.append(("largest data dir seen, MiB", disk_max))
row("backend size at the end (status dbSize), MiB", lambda r: r["db_size_end"] / MiB if r.get("db_size_end") else None)
def restart(r):
    x = r.get("restart")
    if not x:
        return ("not measured", None)
    listen = f"listening at {x['listen_ms'] / 1000:.1f}, " if x.get("listen_ms") is not None else ""
    if x["ms"] is None:
        return (f"> 120 ({listen}{x['member']})", None)
    return (f"{x['ms'] / 1000:.2f} ({listen}{x['member']}, {x['data_bytes'] / MiB:.0f} MiB)", x["ms"])
rows.append(("follower restart to 1st serializable read, s", restart))

e, f = res.get("etcd"), res.get("flotilla")
lines = ["| | etcd | Flotilla | Flotilla / etcd |", "|---|---|---|---|"]
for label, get in rows:
    et, ev = get(e) if e else ("–", None)
    ft, fv = get(f) if f else ("–", None)
    ratio = f"{fv / ev:.2f}" if isinstance(ev, (int, float)) and isinstance(fv, (int, float)) and ev else ""
    lines.append(f"| {label} | {et} | {ft} | {ratio} |")
notes = []
for s, r in res.items():
    pr = r["params"]
    notes.append(f"- {s}: {r['version']}; {pr['minutes']} min measured after {pr['warmup_s']} s warm-up, "
                 f"{pr['keys']} keys, {pr['clients']} clients on {pr['conns']} connections, {pr['value_size']} B "
                 f"{pr.get('values', 'zero-filled')} values, periodic auto-compaction {pr['retention']}, quota {pr['quota']} B"
                 + (f"; 1-min load average {' then '.join(str(x) for x in r['load'])} at the load's start and end"
                    if r.get("load") else "")
                 + (f". **{r['note']}**" if r.get("note") else ""))
if e and f and e["params"] != f["params"]:
    notes.append("- **The two systems ran with different parameters; the ratios compare unlike runs.**")
notes.append("- Ratio: Flotilla / etcd (above 1 is better for writes/s, worse for the rest); RSS ratio of the maxima, "
             "data dirs of the sums. RSS and data dirs sampled every 10 s, leader and term every minute. Restart: "
             "SIGKILL of a follower after the load, time from its restart to a serializable read of a key written "
             "before the load. This machine's load average is printed because other work on it skews every figure.")
text = "\n".join(lines + [""] + notes) + "\n"
print(text)
open(os.path.join(out, "summary.md"), "w").write("# bench/long-run.sh\n\n" + text +
    ("\n![RSS per member](rss.png)\n" if os.path.exists(os.path.join(out, "rss.png")) else ""))
PY
}

plot() {
  if ! command -v gnuplot >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >/dev/null; } 2>/dev/null || true
    fi
    command -v gnuplot >/dev/null 2>&1 ||
      { echo "gnuplot is missing (apt-get install -y gnuplot-nox, as root): no rss.png / disk.png"; return 0; }
  fi
  local s m plots_rss=() plots_disk=() term=pngcairo
  mkdir -p "$out/plot"
  for s in etcd flotilla; do
    [ -f "$out/$s-samples.csv" ] || continue
    for m in $(awk -F, 'NR > 1 {print $2}' "$out/$s-samples.csv" | sort -u); do
      awk -F, -v m="$m" 'NR > 1 && $2 == m && $3 != "" {print $1 / 60, $3 / 1024, $4 / 1048576}' \
        "$out/$s-samples.csv" > "$out/plot/$s-$m.dat"
      plots_rss+=("'$out/plot/$s-$m.dat' using 1:2 with lines lw 2 title '$s $m'")
      plots_disk+=("'$out/plot/$s-$m.dat' using 1:3 with lines lw 2 title '$s $m'")
    done
  done
  [ ${#plots_rss[@]} -gt 0 ] || return 0
  case "$(gnuplot -e 'set terminal' 2>&1)" in *pngcairo*) ;; *) term=png ;; esac
  local IFS=,
  gnuplot <<EOF
set terminal $term size 1200,600
set xlabel "minutes since the load started"
set key outside right
set grid
set output "$out/rss.png"
set title "RSS of each member"
set ylabel "RSS (MiB)"
plot ${plots_rss[*]}
set output "$out/disk.png"
set title "Data directory of each member (du -sb)"
set ylabel "MiB"
plot ${plots_disk[*]}
EOF
  echo "plots: $out/rss.png $out/disk.png"
}

echo "results in $out"
first=true
for s in "${systems[@]}"; do
  $first || sleep 5 # let the machine settle between the two systems
  first=false
  run_system "$s"
done
plot
table
echo "table saved to $out/summary.md"
