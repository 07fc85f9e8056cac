// Connections for the `tcpstat top` screen test, driven by lines on stdin, run inside the
// test's network namespace. Listens on LISTEN_A and LISTEN_B (127.0.0.1); answers:
//   open PORT     -> a client connects to PORT; prints "opened LOCALPORT"
//   close LOCAL   -> the client with that local port ends (FIN); prints "closed LOCAL"
//   pump          -> a client to LISTEN_B sends data every 50 ms; prints "pumping LOCALPORT"
// and reports what each end sees when a connection is torn down from outside (ss -K):
//   "client-error LOCAL CODE" / "server-error REMOTEPORT CODE".
const net = require("net");
const [A, B] = process.argv.slice(2).map(Number);
const clients = new Map();
const serve = (port) =>
  new Promise((ok) => {
    const server = net.createServer((s) => {
      const peer = s.remotePort;
      s.on("data", () => {});
      s.on("error", (e) => console.log(`server-error ${peer} ${e.code}`));
    });
    server.listen(port, "127.0.0.1", ok);
  });
function open(port, then) {
  const c = net.connect(port, "127.0.0.1", () => {
    clients.set(c.localPort, c);
    const local = c.localPort;
    c.on("error", (e) => console.log(`client-error ${local} ${e.code}`));
    then(c);
  });
}
Promise.all([serve(A), serve(B)]).then(() => {
  console.log("ready");
  let buf = "";
  process.stdin.setEncoding("utf8").on("data", (d) => {
    buf += d;
    for (let i; (i = buf.indexOf("\n")) >= 0; ) {
      const [cmd, arg] = buf.slice(0, i).trim().split(" ");
      buf = buf.slice(i + 1);
      if (cmd === "open") open(Number(arg), (c) => console.log(`opened ${c.localPort}`));
      else if (cmd === "close") {
        clients.get(Number(arg))?.end();
        clients.delete(Number(arg));
        console.log(`closed ${arg}`);
      } else if (cmd === "pump")
        open(B, (c) => {
          const chunk = Buffer.alloc(64 * 1024, 120);
          setInterval(() => c.writable && c.write(chunk), 50);
          console.log(`pumping ${c.localPort}`);
        });
    }
  });
});
setTimeout(() => process.exit(0), 600_000);
