#!/usr/bin/env bash
# Prints the two costs a replicated write cannot avoid on this machine: one appending synchronous 256-byte write
# (dd oflag=dsync, like a log append with fdatasync) and one TCP round trip on 127.0.0.1 (p50 of 5000).
set -euo pipefail
dir="$(mktemp -d "${TMPDIR:-/tmp}/flotilla-floor.XXXX")"
trap 'rm -rf "$dir"' EXIT
start=$(date +%s%N)
dd if=/dev/zero of="$dir/f" bs=256 count=2000 oflag=dsync status=none
echo "synchronous 256 B append: $(( ($(date +%s%N) - start) / 2000 / 1000 )) us"
python3 - <<'PY'
import socket, threading, time
server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen(1)
def echo():
    c, _ = server.accept(); c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while (d := c.recv(64)):
        c.sendall(d)
threading.Thread(target=echo, daemon=True).start()
c = socket.create_connection(server.getsockname()); c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
times = []
for _ in range(5000):
    t = time.perf_counter(); c.sendall(b"x" * 32); c.recv(64); times.append(time.perf_counter() - t)
times.sort()
print(f"TCP round trip on 127.0.0.1: p50 {times[2500] * 1e6:.0f} us")
PY
