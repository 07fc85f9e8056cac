#!/usr/bin/env python3
"""Churn for the trace benchmark: RATE TCP connections a second for SECONDS, each one
connected, accepted and closed in order (the client closes first: 10 state changes), over
loopback in the namespace this runs in, by WORKERS processes (RATE/WORKERS each). Stops by
itself at SECONDS, behind schedule or not: it looks at the clock at least every BATCH
connections (and an alarm kills it at SECONDS + 30 whatever happens).
Prints {"ready": ...} once listening, then one JSON line at the end:
{"connections": N, "seconds": S, "rate": N/S, "cpu": user+system seconds of the workers}.

The loop is kept to the system calls (socket, connect, accept4, close, close): no name
lookup (socket.create_connection calls getaddrinfo each time) and no socket object for the
accepted side, so that the offered rate is bound by the kernel's work, not by Python's.

    python3 bench/trace-churn.py RATE SECONDS [WORKERS]
"""
import json, os, resource, signal, socket, sys, time

rate = float(sys.argv[1]) if len(sys.argv) > 1 else 5000
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10
workers = int(sys.argv[3]) if len(sys.argv) > 3 else 2
PORTS = 4
BATCH = 50
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
    end = start + seconds
    total = int(seconds * my_rate)
    pairs = [(listeners[i]._accept, addresses[i]) for i in range(PORTS)]
    new = socket.socket
    close = os.close
    done = 0
    while done < total:
        now = time.monotonic()
        if now >= end:
            break
        due = min(int((now - start) * my_rate) + 1, total)
        if due <= done:
            time.sleep((done + 1) / my_rate - (now - start))
            continue
        for _ in range(min(due - done, BATCH)):
            accept, address = pairs[done % PORTS]
            c = new()
            c.connect(address)
            fd, _ = accept()
            c.close()
            close(fd)
            done += 1
    return done


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
used = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"connections": total, "seconds": round(elapsed, 3), "rate": round(total / elapsed), "cpu": round(used.ru_utime + used.ru_stime, 2)}), flush=True)
