# Sockets of every kind -i's table from ss must read as the plain listing does
# (test/live/info-table.test.ts): listeners on IPv4, IPv6 only, dual-stack (ss: *) and bound to
# lo (ss: %lo), connections over IPv4, IPv6 and IPv4-mapped IPv6, some shut one way
# (CLOSE-WAIT: ss's -->, FIN-WAIT-2: <--), a TIME-WAIT, and data queued unread (Recv-Q).
import socket, time

held = []
def listener(family, addr, port, v6only=None, device=None):
    s = socket.socket(family)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    if device:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, device)
    s.bind((addr, port))
    s.listen(64)
    held.append(s)
    return s

def connect(family, srv, addr, port, send=b"", back=b""):
    c = socket.socket(family)
    c.connect((addr, port))
    a, _ = srv.accept()
    if send:
        c.sendall(send)
        got = 0
        while got < len(send):
            got += len(a.recv(65536))
    if back:
        a.sendall(back)
    held.extend([c, a])
    return c, a

v4 = listener(socket.AF_INET, "127.0.0.1", 7300)
v6 = listener(socket.AF_INET6, "::1", 7301, v6only=1)
dual = listener(socket.AF_INET6, "::", 7302, v6only=0)
lo = listener(socket.AF_INET, "127.0.0.1", 7303, device=b"lo")
connect(socket.AF_INET, v4, "127.0.0.1", 7300, b"a" * 1000, b"b" * 300)
connect(socket.AF_INET, v4, "127.0.0.1", 7300, b"c" * 5000)
connect(socket.AF_INET6, v6, "::1", 7301, b"d" * 4000, b"e" * 10)
connect(socket.AF_INET6, dual, "::ffff:127.0.0.1", 7302, b"f" * 200)
connect(socket.AF_INET, lo, "127.0.0.1", 7303, b"g" * 20)
# Recv-Q: 700 bytes the server never reads.
c, a = connect(socket.AF_INET, v4, "127.0.0.1", 7300)
c.sendall(b"h" * 700)
# Shut one way: the client's FIN makes it FIN-WAIT-2 and the server CLOSE-WAIT.
for _ in range(2):
    c, a = connect(socket.AF_INET, v4, "127.0.0.1", 7300, b"i" * 50)
    c.shutdown(socket.SHUT_WR)
# A TIME-WAIT: the side that closes first.
c, a = connect(socket.AF_INET, v4, "127.0.0.1", 7300, b"j" * 5)
held.remove(c); held.remove(a)
c.close(); time.sleep(0.05); a.close()
print("ready", flush=True)
time.sleep(600)
