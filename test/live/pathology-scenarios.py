"""Socket pathologies, reproduced for real inside a test network namespace.

    python3 pathology-scenarios.py SCENARIO [COUNT]

Each scenario sets up its sockets, prints one line "READY <json>" naming the pids and
ports involved, then holds everything open until killed. Processes rename themselves
(prctl PR_SET_NAME) so tcpstat and ss show who is who.

  close-wait   leaky-server on 8080 never closes accepted connections; the clients hang up.
  time-wait    churn-client opens and closes COUNT short connections to echo-server on 9090,
               keeping one pooled connection open.
  syn-recv     defer-server on 7070 uses TCP_DEFER_ACCEPT; COUNT clients connect and send nothing.
  accept-queue stuck-server on 6060 listens with backlog 1 and never accepts; COUNT clients connect.
  fin-wait2    half-closer connects COUNT times to silent-server on 5050 and shuts down its
               sending side; silent-server never closes, so neither side finishes.
  ephemeral    busy-client holds COUNT connections to pool-server on 4040 (the test narrows
               net.ipv4.ip_local_port_range first).
  last-ack     lonely-server on 2020: COUNT clients half-close, the link goes dark (blackhole
               qdisc on lo), the server closes: LAST_ACK sockets retransmitting their FINs.
  healthy      web-server on 3030 with two idle keep-alive clients.
  states       one namespace with LISTEN, ESTABLISHED, SYN_SENT (into a dummy link), SYN_RECV,
               FIN_WAIT1, FIN_WAIT2, TIME_WAIT and CLOSE_WAIT sockets.
"""

import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time

LOOPBACK = "127.0.0.1"
held = []


def rename(name):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(15, name.encode()[:15], 0, 0, 0)  # PR_SET_NAME


def listener(port, backlog=128, defer=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if defer is not None:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, defer)
    s.bind((LOOPBACK, port))
    s.listen(backlog)
    held.append(s)
    return s


def connect(port, blocking=True):
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if blocking:
        c.connect((LOOPBACK, port))
    else:
        c.setblocking(False)
        c.connect_ex((LOOPBACK, port))
    held.append(c)
    return c


def child(name, body):
    """Runs body() in a renamed child process that then sleeps; returns its pid."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        rename(name)
        body()
        os.write(w, b"x")
        while True:
            time.sleep(3600)
    os.close(w)
    os.read(r, 1)  # wait until the child has set up its sockets
    os.close(r)
    return pid


# /proc/net/tcp state codes (include/net/tcp_states.h).
ESTABLISHED, SYN_SENT, SYN_RECV, FIN_WAIT1, FIN_WAIT2, TIME_WAIT = 0x01, 0x02, 0x03, 0x04, 0x05, 0x06
CLOSE_WAIT, LAST_ACK, LISTEN = 0x08, 0x09, 0x0A


def tcp_sockets():
    """This namespace's IPv4 TCP sockets, read from /proc/net/tcp as the kernel prints them."""
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            field = line.split()
            yield {
                "state": int(field[3], 16),
                "lport": int(field[1].split(":")[1], 16),
                "rport": int(field[2].split(":")[1], 16),
                "rxq": int(field[4].split(":")[1], 16),
                "retransmits": int(field[6], 16),
            }


def sockets_in(state, lport=None, rport=None, retransmits=0):
    return sum(
        1
        for s in tcp_sockets()
        if s["state"] == state and lport in (None, s["lport"]) and rport in (None, s["rport"]) and s["retransmits"] >= retransmits
    )


def until(what, ready, timeout=60):
    """Waits until ready() holds, looking every 10 ms: the kernel's state, not a guessed delay."""
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            sys.exit(f"scenario: {what} did not happen within {timeout} s")
        time.sleep(0.01)


def netstat_counter(name):
    """A TcpExt counter of /proc/net/netstat (e.g. ListenOverflows)."""
    with open("/proc/net/netstat") as f:
        lines = [l.split() for l in f if l.startswith("TcpExt:")]
    return int(dict(zip(lines[0][1:], lines[1][1:]))[name])


def accept_all(server, count):
    for _ in range(count):
        conn, _ = server.accept()
        held.append(conn)


def close_wait(count):
    def serve():
        server = listener(8080)
        pid = os.fork()
        if pid == 0:
            # The clients: connect, then hang up. Their sockets end up orphaned in FIN_WAIT2.
            rename("hangup-client")
            socks = [socket.create_connection((LOOPBACK, 8080)) for _ in range(count)]
            for c in socks:
                c.close()
            os._exit(0)
        accept_all(server, count)  # accepted, and never closed: CLOSE_WAIT once the FINs arrive
        os.waitpid(pid, 0)

    server_pid = child("leaky-server", serve)
    until("the clients' FINs", lambda: sockets_in(CLOSE_WAIT, lport=8080) == count and sockets_in(FIN_WAIT2, rport=8080) == count)
    return {"pid": server_pid, "port": 8080, "process": "leaky-server"}


def time_wait(count):
    server = listener(9090, backlog=1024)

    def echo():
        # A forked acceptor: reads until the client hangs up, then closes (the client closed first).
        pid = os.fork()
        if pid == 0:
            while True:
                conn, _ = server.accept()
                if conn.recv(4096) == b"pool":
                    held.append(conn)  # the pooled connection stays open
                    continue
                while conn.recv(4096):
                    pass
                conn.close()
        held.append(pid)

    server_pid = child("echo-server", echo)

    def churn():
        pooled = connect(9090)  # a long-lived pooled connection, as real clients have
        pooled.sendall(b"pool")
        for _ in range(count):
            c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            c.connect((LOOPBACK, 9090))
            c.sendall(b"ping")
            c.close()
        held.append(pooled)

    client_pid = child("churn-client", churn)
    # Done when every short connection is in TIME_WAIT and the server's ends are gone.
    until(
        "the churn's closes",
        lambda: sockets_in(TIME_WAIT, rport=9090) == count and sockets_in(LAST_ACK, lport=9090) + sockets_in(CLOSE_WAIT, lport=9090) == 0,
    )
    return {"pid": client_pid, "serverPid": server_pid, "port": 9090, "process": "churn-client"}


def syn_recv(count):
    def serve():
        listener(7070, backlog=4096, defer=600)

    server_pid = child("defer-server", serve)

    def clients():
        for _ in range(count):
            connect(7070)  # completes on our side; the server waits for data that never comes

    client_pid = child("quiet-client", clients)
    return {"pid": server_pid, "clientPid": client_pid, "port": 7070, "process": "defer-server"}


def accept_queue(count):
    server_pid = child("stuck-server", lambda: listener(6060, backlog=1))

    def clients():
        for _ in range(count):
            connect(6060, blocking=False)
            time.sleep(0.05)

    overflows = netstat_counter("ListenOverflows")
    client_pid = child("eager-client", clients)
    # The queue full (backlog 1 holds 2), clients left in SYN_SENT, and the SYNs or ACKs
    # dropped on the full queue counted by the kernel.
    until(
        "a full accept queue",
        lambda: any(s["state"] == LISTEN and s["lport"] == 6060 and s["rxq"] == 2 for s in tcp_sockets())
        and sockets_in(SYN_SENT, rport=6060) > 0
        and netstat_counter("ListenOverflows") > overflows,
    )
    return {"pid": server_pid, "clientPid": client_pid, "port": 6060, "process": "stuck-server"}


def fin_wait2(count):
    def serve():
        server = listener(5050, backlog=1024)
        pid = os.fork()
        if pid == 0:
            accept_all(server, count)
            while True:
                time.sleep(3600)
        held.append(pid)

    server_pid = child("silent-server", serve)

    def half_close():
        for _ in range(count):
            c = connect(5050)
            c.shutdown(socket.SHUT_WR)  # FIN sent; the socket stays open, waiting for the peer's FIN

    client_pid = child("half-closer", half_close)
    until("the half-closes", lambda: sockets_in(FIN_WAIT2, rport=5050) == count and sockets_in(CLOSE_WAIT, lport=5050) == count)
    return {"pid": client_pid, "serverPid": server_pid, "port": 5050, "process": "half-closer"}


def ephemeral(count):
    server_pid = child("pool-server", lambda: listener(4040, backlog=1024))
    client_pid = child("busy-client", lambda: [connect(4040) for _ in range(count)])
    return {"pid": client_pid, "serverPid": server_pid, "port": 4040, "process": "busy-client"}


def last_ack(count):
    """lonely-server on 2020: clients half-close, then every packet on lo is dropped
    (a blackhole qdisc: the peers vanish) and the server closes: its FINs are never
    acknowledged, so its sockets sit in LAST_ACK, retransmitting."""
    r, w = os.pipe()

    def serve():
        server = listener(2020, backlog=1024)
        pid = os.fork()
        if pid == 0:
            rename("lonely-server")
            conns = []
            for _ in range(count):
                conn, _ = server.accept()
                conns.append(conn)
            os.read(r, 1)  # wait for the blackhole
            for conn in conns:
                conn.close()
            while True:
                time.sleep(3600)
        held.append(pid)

    server_pid = child("lonely-server", serve)

    def clients():
        for _ in range(count):
            c = connect(2020)
            c.shutdown(socket.SHUT_WR)

    client_pid = child("gone-client", clients)
    until("the half-closes", lambda: sockets_in(CLOSE_WAIT, lport=2020) == count and sockets_in(FIN_WAIT2, rport=2020) == count)
    subprocess.run(["tc", "qdisc", "add", "dev", "lo", "root", "blackhole"], check=True)
    os.write(w, b"x")
    # Each FIN retransmitted 3 times or more (at about 0.2, 0.6 and 1.4 s): what doctor's
    # retransmits rule counts.
    until("the FINs' retransmissions", lambda: sockets_in(LAST_ACK, lport=2020, retransmits=3) == count)
    return {"pid": server_pid, "clientPid": client_pid, "port": 2020, "process": "lonely-server"}


def healthy(_count):
    def serve():
        server = listener(3030)
        pid = os.fork()
        if pid == 0:
            accept_all(server, 2)
            while True:
                time.sleep(3600)
        held.append(pid)

    server_pid = child("web-server", serve)
    client_pid = child("keepalive", lambda: [connect(3030) for _ in range(2)])
    return {"pid": server_pid, "clientPid": client_pid, "port": 3030}


def states(_count):
    """Every state reachable on loopback without a packet filter; counts known in advance."""
    info = {}

    def build():
        lst = listener(2000)  # LISTEN
        est = connect(2000)  # ESTABLISHED x2 (client + accepted)
        a, _ = lst.accept()
        held.append(a)
        # CLOSE_WAIT (server side) + FIN_WAIT2 (orphaned client side)
        cw = connect(2000)
        b, _ = lst.accept()
        held.append(b)
        held.remove(cw)
        cw.close()
        # TIME_WAIT: a connection the client closes after the server already closed.
        tw = connect(2000)
        c, _ = lst.accept()
        held.remove(tw)
        tw_port = tw.getsockname()[1]
        tw.close()
        until("the FIN to close after", lambda: sockets_in(CLOSE_WAIT, lport=2000, rport=tw_port) == 1)
        c.close()
        # SYN_RECV: a deferred-accept listener and a client that sends nothing.
        listener(2001, defer=30)
        connect(2001)
        # FIN_WAIT1: fill the peer's receive window, then close: the FIN cannot be sent.
        lst2 = listener(2002)
        w = connect(2002)
        d, _ = lst2.accept()
        d.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        held.append(d)
        w.setblocking(False)
        try:
            while True:
                w.send(b"x" * 65536)
        except BlockingIOError:
            pass
        held.remove(w)
        w.close()
        # SYN_SENT: toward an address on a dummy link, where SYNs vanish.
        connect_to = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        connect_to.setblocking(False)
        connect_to.connect_ex(("10.77.0.2", 80))
        held.append(connect_to)
        until(
            "every state",
            lambda: all(
                sockets_in(state, lport=lport, rport=rport) > 0
                for state, lport, rport in [
                    (SYN_SENT, None, 80),
                    (SYN_RECV, 2001, None),
                    (FIN_WAIT1, None, 2002),
                    (FIN_WAIT2, None, 2000),
                    (TIME_WAIT, None, 2000),
                    (CLOSE_WAIT, 2000, None),
                ]
            ),
        )

    info["pid"] = child("state-zoo", build)
    return info


SCENARIOS = {
    "close-wait": close_wait,
    "time-wait": time_wait,
    "syn-recv": syn_recv,
    "accept-queue": accept_queue,
    "fin-wait2": fin_wait2,
    "ephemeral": ephemeral,
    "last-ack": last_ack,
    "healthy": healthy,
    "states": states,
}


def main():
    name = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    rename("scenario")
    info = SCENARIOS[name](count)
    print("READY " + json.dumps(info), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: os.killpg(0, signal.SIGKILL))
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    os.setpgrp()
    main()
