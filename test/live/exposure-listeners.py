"""Holds listeners for test/live/exposure.test.ts: `exposure-listeners.py ADDR:PORT[:v6only|:dual] ...`,
prints "ready" once every one listens, then holds them until killed."""
import socket
import sys

held = []
for spec in sys.argv[1:]:
    mode = None
    if spec.endswith(":v6only") or spec.endswith(":dual"):
        spec, mode = spec.rsplit(":", 1)
    host, port = spec.rsplit(":", 1)
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    if mode is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1 if mode == "v6only" else 0)
    s.bind((host, int(port)))
    s.listen()
    held.append(s)
print("ready", flush=True)
import signal
while True:
    signal.pause()
