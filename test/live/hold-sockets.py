#!/usr/bin/env python3
"""
Holds real TCP and UDP sockets in every reachable state, for the live test.
Run it inside a fresh network namespace (it installs a blackhole qdisc on lo):

    unshare -n sh -c 'ip link set lo up && python3 hold-sockets.py'

For each flavour (v4: 127.0.0.1, v6: ::1, mapped: a dual-stack "::" listener
reached over IPv4, so the server's sockets show ::ffff:127.0.0.1) it uses the
ports BASE+0.. and leaves, on the server side unless noted:

  +0  LISTEN + ESTABLISHED pair; the client sent 100 bytes the server never reads
      (server recvQ 100); after the blackhole the server sends 1000 bytes that are
      never acknowledged (server sendQ 1000); the client has SO_KEEPALIVE on
  +1  LISTEN with backlog 7 and 2 connections nobody accepted (recvQ 2, no owner)
  +2  client shut down writing: client FIN_WAIT2, server CLOSE_WAIT
  +3  server shut down writing: server FIN_WAIT2, client CLOSE_WAIT
  +4  server closed first, then the client: server TIME_WAIT (60 s timer)
  +5  after the blackhole the server shuts down writing: FIN_WAIT1
  +6  client shut down, then after the blackhole the server too: LAST_ACK
  +7  TCP_DEFER_ACCEPT listener and a silent client: SYN_RECV request socket
  +8  after the blackhole a client connects: SYN_SENT (mapped: an IPv6 socket
      connecting to ::ffff:127.0.0.1, so its own address is mapped)
  +50 UDP bound, one unread 5-byte datagram queued (recvQ > 0)
  +51 UDP connected to +50

When everything is in place it prints one JSON line (its pid, the ports) and waits
to be killed (at most --hold seconds). With --capture DIR it copies
/proc/net/{tcp,tcp6,udp,udp6} and the output of `ss -tuanpoeH` into DIR and exits.
"""
import argparse
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

FLAVOURS = {
    "v4": {"base": 11000, "family": socket.AF_INET, "listen": "127.0.0.1", "connect": "127.0.0.1", "client": socket.AF_INET},
    "v6": {"base": 12000, "family": socket.AF_INET6, "listen": "::1", "connect": "::1", "client": socket.AF_INET6},
    "mapped": {"base": 13000, "family": socket.AF_INET6, "listen": "::", "connect": "127.0.0.1", "client": socket.AF_INET},
}

held = []  # every socket stays referenced, so none is closed by the garbage collector


def keep(s):
    held.append(s)
    return s


def listener(flavour, port, backlog=16, defer=False):
    s = keep(socket.socket(flavour["family"], socket.SOCK_STREAM))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if flavour["family"] == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0 if flavour["listen"] == "::" else 1)
    if defer:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, 120)
    s.bind((flavour["listen"], port))
    s.listen(backlog)
    return s


def connect(flavour, port):
    c = keep(socket.socket(flavour["client"], socket.SOCK_STREAM))
    c.connect((flavour["connect"], port))
    return c


def pair(flavour, port):
    srv = listener(flavour, port)
    c = connect(flavour, port)
    a, _ = srv.accept()
    return keep(a), c


def wait_for(predicate, what, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise SystemExit(f"hold-sockets: timed out waiting for {what}")


def states_on(port):
    """(state code, local?) of each socket on `port` (local or remote), from /proc/net/tcp and tcp6."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            next(f)
            for line in f:
                field = line.split()
                local, remote = (int(field[i].rsplit(":", 1)[1], 16) for i in (1, 2))
                if port in (local, remote):
                    found.append((field[3], local == port))
    return found


def tcp_state(s):
    # struct tcp_info starts with tcpi_state (u8)
    return s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0]



def die_with_parent():
    # PR_SET_PDEATHSIG (prctl(2)): a crashed or killed test run takes these sockets with it.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def main():
    die_with_parent()
    ap = argparse.ArgumentParser()
    ap.add_argument("--capture")
    ap.add_argument("--hold", type=float, default=300)
    args = ap.parse_args()

    later = []
    for name, fl in FLAVOURS.items():
        b = fl["base"]
        # +0 ESTABLISHED with unread data, keepalive on the client
        a0, c0 = pair(fl, b + 0)
        c0.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        c0.sendall(b"x" * 100)
        # +1 two connections waiting in the accept queue
        listener(fl, b + 1, backlog=7)
        connect(fl, b + 1)
        connect(fl, b + 1)
        # +2 CLOSE_WAIT on the server, FIN_WAIT2 on the client
        a2, c2 = pair(fl, b + 2)
        c2.shutdown(socket.SHUT_WR)
        # +3 FIN_WAIT2 on the server, CLOSE_WAIT on the client
        a3, c3 = pair(fl, b + 3)
        a3.shutdown(socket.SHUT_WR)
        # +4 TIME_WAIT on the server: it closes first
        a4, c4 = pair(fl, b + 4)
        held.remove(a4)
        a4.close()
        wait_for(lambda: c4.recv(1) == b"", "EOF on +4")
        held.remove(c4)
        c4.close()
        # +5 FIN_WAIT1 and +6 LAST_ACK are finished after the blackhole
        a5, c5 = pair(fl, b + 5)
        a6, c6 = pair(fl, b + 6)
        c6.shutdown(socket.SHUT_WR)
        wait_for(lambda: tcp_state(a6) == 8, "CLOSE_WAIT on +6")  # TCP_CLOSE_WAIT
        # +7 SYN_RECV: the listener defers accept until data arrives, which never does
        listener(fl, b + 7, defer=True)
        connect(fl, b + 7)
        # +8 the target of SYN_SENT
        listener(fl, b + 8)
        # UDP
        udp_family = fl["family"]
        u = keep(socket.socket(udp_family, socket.SOCK_DGRAM))
        if udp_family == socket.AF_INET6:
            u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0 if fl["listen"] == "::" else 1)
        u.bind((fl["listen"], b + 50))
        uc = keep(socket.socket(udp_family, socket.SOCK_DGRAM))
        target = "::ffff:127.0.0.1" if name == "mapped" else fl["connect"]
        uc.bind(("::ffff:127.0.0.1" if name == "mapped" else fl["connect"], b + 51))
        uc.connect((target, b + 50))
        uc.send(b"hello")
        later.append((name, fl, a0, a5, a6))

    # The two +4 closes settled into TIME_WAIT before anything is frozen.
    for name, fl in FLAVOURS.items():
        # the listener (0A), the server's end in TIME_WAIT (06), the client's end gone
        wait_for(lambda: sorted(states_on(fl["base"] + 4)) == [("06", True), ("0A", True)], f"TIME_WAIT on +4 ({name})")
    subprocess.run(["tc", "qdisc", "add", "dev", "lo", "root", "blackhole"], check=True)

    frozen = []
    for name, fl, a0, a5, a6 in later:
        b = fl["base"]
        a0.send(b"y" * 1000)  # never acknowledged: sendQ 1000
        a5.shutdown(socket.SHUT_WR)  # FIN lost: FIN_WAIT1
        a6.shutdown(socket.SHUT_WR)  # FIN lost: LAST_ACK
        if name == "mapped":
            s = keep(socket.socket(socket.AF_INET6, socket.SOCK_STREAM))
            target = ("::ffff:127.0.0.1", b + 8)
        else:
            s = keep(socket.socket(fl["client"], socket.SOCK_STREAM))
            target = (fl["connect"], b + 8)
        s.setblocking(False)
        try:
            s.connect(target)
        except BlockingIOError:
            pass  # SYN lost: SYN_SENT
        frozen += [(a5, 4, f"FIN_WAIT1 on +5 ({name})"), (a6, 9, f"LAST_ACK on +6 ({name})"), (s, 2, f"SYN_SENT to +8 ({name})")]

    for sock, state, what in frozen:
        wait_for(lambda: tcp_state(sock) == state, what)
    if args.capture:
        os.makedirs(args.capture, exist_ok=True)
        for table in ("tcp", "tcp6", "udp", "udp6"):
            shutil.copyfile(f"/proc/net/{table}", os.path.join(args.capture, table))
        with open(os.path.join(args.capture, "ss.txt"), "w") as out:
            subprocess.run(["ss", "-tuanpoeH"], stdout=out, check=True)
        return

    info = {"pid": os.getpid(), "bases": {n: f["base"] for n, f in FLAVOURS.items()}}
    print(json.dumps(info), flush=True)
    time.sleep(args.hold)


if __name__ == "__main__":
    main()
