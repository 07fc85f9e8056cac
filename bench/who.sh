#!/usr/bin/env bash
# --who's cost at 10k sockets held by 1,000 processes (BENCHMARKS.md): in a namespace of its own
# (root), 1,000 forked processes each hold 10 listeners; `tcpstat -l --json` and the same with
# --who run alternately ROUNDS times (default 21); the medians are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != inner ]; then exec unshare -n "$0" inner "${2:-21}"; fi
rounds=$2
ip link set lo up
python3 - <<'PY' &
import os, socket, sys, signal
held = []
for p in range(1000):
    if os.fork() == 0:
        for k in range(10):
            s = socket.socket(); s.bind(("127.0.0.1", 20000 + p * 10 + k)); s.listen(); held.append(s)
        signal.pause()
        os._exit(0)
signal.pause()
PY
holder=$!
# Each process is its own process group's member: the namespace ends with this script's kill of them all.
trap 'kill $(ps -o pid= --ppid "$holder") "$holder" 2>/dev/null' EXIT
until [ "$(ss -tlnH | wc -l)" -ge 10000 ]; do sleep 0.2; done
ms() { local t0 t1; t0=$(date +%s%N); node bin/tcpstat.cjs "$@" >/dev/null; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }
a=(); b=()
for i in $(seq "$rounds"); do
  if [ $((i % 2)) = 0 ]; then a+=("$(ms -l --json)"); b+=("$(ms -l --json --who)"); else b+=("$(ms -l --json --who)"); a+=("$(ms -l --json)"); fi
done
median() { printf "%s\n" "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
echo "sockets: $(node bin/tcpstat.cjs -l --json | grep -c '"proto"')"
echo "tcpstat -l --json:        median $(median "${a[@]}") ms"
echo "tcpstat -l --json --who:  median $(median "${b[@]}") ms"
