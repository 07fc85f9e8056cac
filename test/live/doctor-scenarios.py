"""Socket trouble for test/live/doctor-namespaces.test.ts, in the namespace it runs in.

  timewait PORT N         a listener on 127.0.0.1:PORT and N connections the client closes
                          first: N TIME_WAIT sockets toward 127.0.0.1:PORT
  acceptq PORT BACKLOG N  a listener with listen(BACKLOG) that never accepts, and N clients:
                          its accept queue fills (Recv-Q BACKLOG + 1)
  finwait PORT N          a server ("leaky-server") that accepts and never closes, and N
                          clients ("fin-client") that shut down their side: N FIN_WAIT2 here,
                          N CLOSE_WAIT there

Prints "ready" once the sockets are in place (checked in /proc/net/tcp), then sleeps.
"""
import ctypes, os, signal, socket, sys, time


def tcp_states(port):
    """Counts of /proc/net/tcp states (hex codes) among sockets with PORT on either side."""
    counts = {}
    for line in open("/proc/net/tcp").read().splitlines()[1:]:
        f = line.split()
        lp, rp = int(f[1].split(":")[1], 16), int(f[2].split(":")[1], 16)
        if port in (lp, rp):
            counts[f[3]] = counts.get(f[3], 0) + 1
    return counts


def wait_for(port, code, n):
    while tcp_states(port).get(code, 0) < n:
        time.sleep(0.01)


kind, port, args = sys.argv[1], int(sys.argv[2]), [int(a) for a in sys.argv[3:]]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
keep = []
if kind == "timewait":
    srv.listen(128)
    for _ in range(args[0]):
        c = socket.create_connection(("127.0.0.1", port))
        a, _ = srv.accept()
        c.close()  # the client closes first: TIME_WAIT on its side
        a.close()
    wait_for(port, "06", args[0])
elif kind == "acceptq":
    srv.listen(args[0])
    for _ in range(args[1]):
        c = socket.socket()
        c.setblocking(False)
        c.connect_ex(("127.0.0.1", port))
        keep.append(c)
    while int(next(l.split()[4].split(":")[1] for l in open("/proc/net/tcp").read().splitlines()[1:] if l.split()[3] == "0A" and int(l.split()[1].split(":")[1], 16) == port), 16) < args[0] + 1:
        time.sleep(0.01)
elif kind == "finwait":
    srv.listen(128)
    pid = os.fork()
    if pid == 0:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # ends with its parent
        open("/proc/self/comm", "w").write("leaky-server")
        while True:
            a, _ = srv.accept()
            keep.append(a)  # never closed: CLOSE_WAIT once the client shuts down
    srv.close()
    open("/proc/self/comm", "w").write("fin-client")
    for _ in range(args[0]):
        c = socket.create_connection(("127.0.0.1", port))
        c.shutdown(socket.SHUT_WR)  # half-closed and still held: FIN_WAIT2 without a time limit
        keep.append(c)
    wait_for(port, "05", args[0])
    wait_for(port, "08", args[0])
print("ready", flush=True)
time.sleep(600)
