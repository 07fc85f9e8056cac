#!/usr/bin/env bash
# --who's cost at 10k sockets held by 1,000 processes (BENCHMARKS.md, issue 19): in a namespace
# of its own (root), 1,000 forked processes each hold 10 listeners; bench/pair.mjs then times
# A = `tcpstat -l --json` and B = the same with --who, back to back, order alternating, ROUNDS
# rounds (default 21), and prints both medians and the median of the differences B - A.
# Then the same pairs once more with GNU time, for the CPU time (user + system, worker thread
# included) of each: on a loaded machine the wall time is mostly waiting for a core, and the
# CPU time is what the extra fields cost.
#
#   sudo bash bench/who.sh 21                 # -l --json vs -l --json --who
#   sudo bash bench/who.sh 21 -l              # the table: -l vs -l --who
#   sudo WHO_OWN_PIDS=1 bash bench/who.sh 21  # in a PID namespace of its own too
#
# The owner scan reads every process it can see: on a machine shared with other jobs (their
# load processes hold 10k+ descriptors each) it takes most of the run and varies from run to
# run, which drowns the cost of --who. WHO_OWN_PIDS=1 runs the whole benchmark in a PID
# namespace (with its own /proc), where the scan sees the 1,000 holders and little else, as
# on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != inner ]; then
  if [ -n "${WHO_OWN_PIDS:-}" ]; then exec unshare -n -p -f --mount-proc "$0" inner "$@"; fi
  exec unshare -n "$0" inner "$@"
fi
shift
rounds=${1:-21}
shift || true
listing=${*:--l --json}
ip link set lo up
python3 - <<'PY' &
import os, socket, signal
for p in range(1000):
    if os.fork() == 0:
        held = []
        for k in range(10):
            s = socket.socket(); s.bind(("127.0.0.1", 30000 + p * 10 + k)); s.listen(); held.append(s)
        signal.pause()
        os._exit(0)
signal.pause()
PY
holder=$!
trap 'kill $(ps -o pid= --ppid "$holder") "$holder" 2>/dev/null' EXIT
until [ "$(ss -tlnH | wc -l)" -ge 10000 ]; do sleep 0.2; done
echo "sockets held: $(ss -tlnH | wc -l) by $(ps -o pid= --ppid "$holder" | wc -l) processes; load: $(uptime | sed 's/.*load/load/')"
TCPSTAT_BENCH_PAIR_INSIDE=1 node bench/pair.mjs --conns 1 --rounds "$rounds" \
  --a "node bin/tcpstat.cjs $listing" --b "node bin/tcpstat.cjs $listing --who"
cpu() { /usr/bin/time -f "%U %S" node bin/tcpstat.cjs "$@" 2>&1 >/dev/null | tail -n 1 | awk '{ printf "%d", ($1 + $2) * 1000 }'; }
diffs=(); ca=(); cb=()
for i in $(seq "$rounds"); do
  # shellcheck disable=SC2086
  if [ $((i % 2)) = 0 ]; then x=$(cpu $listing); y=$(cpu $listing --who); else y=$(cpu $listing --who); x=$(cpu $listing); fi
  ca+=("$x"); cb+=("$y"); diffs+=($((y - x)))
done
median() { printf "%s\n" "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
echo "CPU (user+sys), $rounds paired rounds: A median $(median "${ca[@]}") ms, B median $(median "${cb[@]}") ms, B - A median $(median "${diffs[@]}") ms"
echo "load after: $(uptime | sed 's/.*load/load/')"

