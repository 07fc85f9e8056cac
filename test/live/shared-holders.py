"""Sockets held by several processes, for test/live/shared-holders.test.ts.

  forked PORT N            a listener, then N forked workers named worker-1..N; the parent
                           closes its copy: the workers alone hold it (a pre-fork server)
  activated PORT           a process named "systemd" opens a listener and passes it to a child
                           named "sshd" (socket activation): both hold it
  named PORT NAME          a listener held by a process whose name (comm) is NAME, escapes read
                           (\\n, \\") so names with newlines and quotes can be given

Each prints "ready PID..." (the pids holding the socket) and sleeps until killed.
"""
import ctypes, os, signal, socket, sys, time


def listener(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(16)
    return s


def rename(name):
    with open("/proc/self/comm", "w") as f:
        f.write(name)


def child(name):
    pid = os.fork()
    if pid == 0:
        # Ends with its parent (which the test kills): PR_SET_PDEATHSIG, SIGKILL.
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
        if os.getppid() == 1:
            os._exit(0)
        rename(name)
        time.sleep(600)
        os._exit(0)
    return pid


kind, port = sys.argv[1], int(sys.argv[2])
if kind == "forked":
    s = listener(port)
    names = [f"worker-{i + 1}" for i in range(int(sys.argv[3]))]
    pids = [child(name) for name in names]
    s.close()
elif kind == "activated":
    rename("systemd")
    s = listener(port)
    names = ["systemd", "sshd"]
    pids = [os.getpid(), child("sshd")]
elif kind == "named":
    s = listener(port)
    names = [sys.argv[3].encode().decode("unicode_escape")]
    rename(names[0])
    pids = [os.getpid()]
# Each child renames itself: wait until every name is in place before saying ready.
for pid, name in zip(pids, names):
    while open(f"/proc/{pid}/comm").read()[:-1] != name[:15]:
        time.sleep(0.01)
print("ready " + " ".join(map(str, pids)), flush=True)
time.sleep(600)
