#!/usr/bin/env python3
"""Churn for the trace benchmark: RATE TCP connections a second for SECONDS, each one
connected, accepted and closed in order (the client closes first), over loopback in the
namespace this runs in, by WORKERS processes (RATE/WORKERS each). Stops by itself at
SECONDS, behind schedule or not (and is killed by an alarm at SECONDS + 30 whatever happens).
Prints {"ready": ...} once listening, then one JSON line at the end:
{"connections": N, "seconds": S, "rate": N/S}.

    python3 bench/trace-churn.py RATE SECONDS [WORKERS]
"""
import json, os, signal, socket, sys, time

rate = float(sys.argv[1]) if len(sys.argv) > 1 else 5000
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10
workers = int(sys.argv[3]) if len(sys.argv) > 3 else 2
PORTS = 4
signal.alarm(int(seconds) + 30)

listeners = []
for _ in range(PORTS):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(4096)
    listeners.append(s)
addresses = [s.getsockname() for s in listeners]
print(json.dumps({"ready": True, "ports": [a[1] for a in addresses]}), flush=True)


def churn(my_rate, start):
    done = 0
    while True:
        elapsed = time.monotonic() - start
        if elapsed >= seconds:
            return done
        due = min(int(elapsed * my_rate) + 10, int(seconds * my_rate))
        while done < due:
            i = done % PORTS
            c = socket.create_connection(addresses[i])
            a, _ = listeners[i].accept()
            c.close()
            a.close()
            done += 1
        ahead = done / my_rate - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(ahead)


start = time.monotonic()
pipes = []
for w in range(workers):
    r, wfd = os.pipe()
    if os.fork() == 0:
        os.close(r)
        n = churn(rate / workers, start)
        os.write(wfd, str(n).encode())
        os._exit(0)
    os.close(wfd)
    pipes.append(r)
total = 0
for r in pipes:
    total += int(os.read(r, 64) or b"0")
    os.close(r)
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
elapsed = time.monotonic() - start
print(json.dumps({"connections": total, "seconds": round(elapsed, 3), "rate": round(total / elapsed)}), flush=True)
