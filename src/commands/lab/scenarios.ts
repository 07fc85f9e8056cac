import { TcpstatError } from "../../errors.js";
import { Lab, find } from "./runner.js";

/**
 * The classic experiments. Each one drives the lab's server and client step by step; a step
 * ends when the namespace's sockets show its outcome (never after a fixed time).
 */
export interface Scenario {
  name: string;
  summary: string;
  steps: number;
  run(lab: Lab): Promise<void>;
}

/** The server listens; `read` and `closeOnEof` say what its program does with a connection. */
async function listen(lab: Lab, options: { read: boolean; closeOnEof: boolean }, say: string): Promise<void> {
  const S = lab.port;
  await lab.step(
    `the server listens on 127.0.0.1:${S}`,
    say,
    async () => void ok(await lab.server.ask("listen", { port: S, ...options }), "listen"),
    (r) => Boolean(find(r, { local: S, state: "LISTEN" })),
  );
}

/** The client connects; resolves with its local port and the ids of both ends. */
async function connect(lab: Lab, options: { read: boolean; closeOnEof: boolean }, title: string, say: string): Promise<{ port: number; client: number; server: number }> {
  const S = lab.port;
  let port = 0;
  let client = 0;
  await lab.step(
    title,
    say,
    async () => {
      const r = ok(await lab.client.ask("connect", { port: S, ...options }), "connect");
      port = r.port!;
      client = r.id!;
    },
    (r) => Boolean(find(r, { local: port, state: "ESTABLISHED" }) && find(r, { local: S, remote: port, state: "ESTABLISHED" })),
  );
  const accepted = await lab.server.event((e) => e.event === "accepted" && e.port === port);
  return { port, client, server: accepted.id! };
}

function ok<T extends { ok: boolean; code?: string }>(reply: T, what: string): T {
  if (!reply.ok) throw new TcpstatError(`lab: the ${what} call failed: ${reply.code ?? "unknown error"}`);
  return reply;
}

const HANDSHAKE_SAY =
  "connect() sends a SYN: the client's socket goes CLOSE → SYN_SENT. The server's kernel answers SYN+ACK from a new socket beside the listener (LISTEN → SYN_RECV), and the client's ACK makes both sides ESTABLISHED. The kernels do all of it: the server's program only takes the finished connection with accept().";

export const SCENARIOS: readonly Scenario[] = [
  {
    name: "handshake",
    summary: "connect, accept, close: the three-way handshake and an orderly four-way close",
    steps: 3,
    async run(lab) {
      const S = lab.port;
      await listen(lab, { read: true, closeOnEof: true }, "listen() puts the server's socket in LISTEN: it waits for SYNs and never carries data itself.");
      const c = await connect(lab, { read: true, closeOnEof: true }, "the client connects", HANDSHAKE_SAY);
      await lab.step(
        "the client closes",
        "The client calls close() first, so it is the active closer: ESTABLISHED → FIN_WAIT1 → FIN_WAIT2, then TIME_WAIT once the server's FIN arrives. The server reads end-of-file and closes too: CLOSE_WAIT → LAST_ACK → CLOSE. What stays is the client's TIME_WAIT, held by the kernel (no process) for 2MSL, 60 s on Linux.",
        async () => void ok(await lab.client.ask("close", { id: c.client }), "close"),
        (r) => Boolean(find(r, { local: c.port, state: "TIME_WAIT" }) && !find(r, { local: S, remote: c.port })),
      );
    },
  },
  {
    name: "server-ctrl-c",
    summary: "the server is killed: FIN_WAIT2 owned by nobody on its side, CLOSE_WAIT with Recv-Q 1 on the client's",
    steps: 4,
    async run(lab) {
      const S = lab.port;
      await listen(lab, { read: false, closeOnEof: false }, "A server that accepts a connection and then just waits.");
      const c = await connect(lab, { read: false, closeOnEof: true }, "the client connects and reads nothing yet", HANDSHAKE_SAY);
      await lab.step(
        "Ctrl-C on the server (SIGINT)",
        "The server process dies and its kernel closes its sockets for it. The listener goes (LISTEN → CLOSE). The connection sends a FIN (ESTABLISHED → FIN_WAIT1) that the client's kernel acknowledges at once (FIN_WAIT2): the killed side is the active closer. Its FIN_WAIT2 socket now belongs to no process (no PID/Program); Linux hands such an orphan to the same small socket that holds TIME_WAIT, with a timer of tcp_fin_timeout (60 s), as the Timer column shows. The client has read nothing: its socket is in CLOSE_WAIT with Recv-Q 1, the one sequence number of the FIN its program has not read yet.",
        () => lab.server.kill("SIGINT"),
        (r) => Boolean(find(r, { local: S, remote: c.port, state: "FIN_WAIT2" }) && find(r, { local: c.port, state: "CLOSE_WAIT", recvQ: 1 }) && !find(r, { state: "LISTEN" })),
      );
      await lab.step(
        "the client reads end-of-file and closes",
        "The client's read returns end-of-file (Recv-Q drops to 0) and it calls close(): CLOSE_WAIT → LAST_ACK, and CLOSE once the ACK comes back. The server's ownerless FIN_WAIT2 socket receives that FIN, sends the last ACK and becomes TIME_WAIT.",
        async () => void ok(await lab.client.ask("read", { id: c.client }), "read"),
        (r) => Boolean(!find(r, { local: c.port }) && find(r, { local: S, remote: c.port, state: "TIME_WAIT" })),
      );
    },
  },
  {
    name: "client-ctrl-c",
    summary: "the client is killed: FIN_WAIT2 owned by nobody on its side, CLOSE_WAIT with Recv-Q 1 on the server's",
    steps: 4,
    async run(lab) {
      const S = lab.port;
      await listen(lab, { read: false, closeOnEof: true }, "A server that accepts a connection and reads nothing until told.");
      const c = await connect(lab, { read: false, closeOnEof: false }, "the client connects", HANDSHAKE_SAY);
      await lab.step(
        "Ctrl-C on the client (SIGINT)",
        "The client process dies and its kernel closes its socket: FIN (ESTABLISHED → FIN_WAIT1), acknowledged at once by the server's kernel (FIN_WAIT2), owned by no process now. The server's connection is in CLOSE_WAIT with Recv-Q 1 (the unread FIN); its listener is untouched.",
        () => lab.client.kill("SIGINT"),
        (r) => Boolean(find(r, { local: c.port, state: "FIN_WAIT2" }) && find(r, { local: S, remote: c.port, state: "CLOSE_WAIT", recvQ: 1 })),
      );
      await lab.step(
        "the server reads end-of-file and closes",
        "The server reads end-of-file and calls close(): CLOSE_WAIT → LAST_ACK → CLOSE. The client's ownerless FIN_WAIT2 socket answers with the last ACK and becomes TIME_WAIT.",
        async () => void ok(await lab.server.ask("read", { id: c.server }), "read"),
        (r) => Boolean(!find(r, { local: S, remote: c.port }) && find(r, { local: c.port, state: "TIME_WAIT" })),
      );
    },
  },
  {
    name: "refused",
    summary: "a SYN to a port nobody listens on is answered with a reset: ECONNREFUSED",
    steps: 1,
    async run(lab) {
      const S = lab.port;
      let code = "";
      await lab.step(
        `the client connects to 127.0.0.1:${lab.closedPort}, where nothing listens`,
        "connect() sends a SYN (CLOSE → SYN_SENT). No socket listens on that port, so the kernel answers with a reset (RST) instead of a SYN+ACK. The client's socket falls back to CLOSE at once and connect() fails with ECONNREFUSED, \"Connection refused\". Nothing is left behind.",
        async () => {
          const r = await lab.client.ask("connect", { port: lab.closedPort });
          if (r.ok) throw new TcpstatError(`lab: connect() to port ${lab.closedPort} succeeded, but nothing should listen there`);
          code = r.code ?? "";
        },
        (r) => code !== "" && r.length === 0,
      );
      await lab.say(`connect() failed with ${code}.`);
    },
  },
  {
    name: "time-wait",
    summary: "the active closer keeps TIME_WAIT, the passive closer does not: once from each side",
    steps: 5,
    async run(lab) {
      const S = lab.port;
      await listen(lab, { read: true, closeOnEof: true }, "A server that closes a connection when its client has closed.");
      const first = await connect(lab, { read: true, closeOnEof: true }, "the client connects", HANDSHAKE_SAY);
      await lab.step(
        "the client closes first",
        "The client is the active closer: FIN_WAIT1 → FIN_WAIT2 → TIME_WAIT. The server, the passive closer, goes CLOSE_WAIT → LAST_ACK → CLOSE and keeps nothing. TIME_WAIT lasts 2MSL (60 s on Linux): long enough to answer the server's FIN again if the last ACK were lost, and for old duplicates of this connection to die out before its ports are reused.",
        async () => void ok(await lab.client.ask("close", { id: first.client }), "close"),
        (r) => Boolean(find(r, { local: first.port, state: "TIME_WAIT" }) && !find(r, { local: S, remote: first.port })),
      );
      const second = await connect(lab, { read: true, closeOnEof: true }, "the client connects again", "A second connection, from a new ephemeral port.");
      await lab.step(
        "the server closes first",
        `This time the server's program closes first: the server is the active closer and its side (local port ${S}) keeps TIME_WAIT, while the client passes CLOSE_WAIT → LAST_ACK → CLOSE. A server that closes its connections first collects the TIME_WAIT sockets.`,
        async () => void ok(await lab.server.ask("close", { id: second.server }), "close"),
        (r) => Boolean(find(r, { local: S, remote: second.port, state: "TIME_WAIT" }) && !find(r, { local: second.port })),
      );
    },
  },
  {
    name: "simultaneous-close",
    summary: "both ends close before either FIN is acknowledged: CLOSING, then TIME_WAIT on both sides",
    steps: 5,
    async run(lab) {
      const S = lab.port;
      await listen(lab, { read: true, closeOnEof: false }, "A server whose program closes only when told.");
      const c = await connect(lab, { read: true, closeOnEof: false }, "the client connects", HANDSHAKE_SAY);
      await lab.step(
        "the client closes; its FIN is held back",
        "On one machine a FIN arrives the moment it is sent, so two FINs never cross. The lab takes the namespace's loopback link down while the client closes: its FIN is lost, as if it were still on the wire. The client is in FIN_WAIT1; the server has heard nothing and is still ESTABLISHED.",
        async () => {
          lab.ns.run("ip", ["link", "set", "lo", "down"]);
          ok(await lab.client.ask("close", { id: c.client }), "close");
        },
        (r) => Boolean(find(r, { local: c.port, state: "FIN_WAIT1" }) && find(r, { local: S, remote: c.port, state: "ESTABLISHED" })),
      );
      await lab.step(
        "the server closes too, before any FIN has arrived",
        "The server's FIN is lost on the way as well. Both ends have now closed first, as far as each knows: both are in FIN_WAIT1, each with a FIN the other has not acknowledged.",
        async () => void ok(await lab.server.ask("close", { id: c.server }), "close"),
        (r) => Boolean(find(r, { local: c.port, state: "FIN_WAIT1" }) && find(r, { local: S, remote: c.port, state: "FIN_WAIT1" })),
      );
      await lab.step(
        "the link comes back",
        "Each kernel sends its FIN again when its retransmission timer fires (the timers backed off, doubling from about 200 ms, while the link was down). The first FIN to arrive finds the other end in FIN_WAIT1 with its own FIN unacknowledged: that end goes to CLOSING and acknowledges it, and the sender, its FIN acknowledged, goes to FIN_WAIT2. The second FIN then completes both: each end ends in TIME_WAIT, because each closed actively. With both FINs in flight at the same moment, as on a real network, both ends would pass through CLOSING.",
        async () => lab.ns.run("ip", ["link", "set", "lo", "up"]),
        (r) => Boolean(find(r, { local: c.port, state: "TIME_WAIT" }) && find(r, { local: S, remote: c.port, state: "TIME_WAIT" })),
        // Up to the next retransmission: seconds if the machine was slow while the link was down.
        60_000,
      );
    },
  },
  {
    name: "close-wait-leak",
    summary: "a server that never calls close(): CLOSE_WAIT piles up on its side, FIN_WAIT2 on the clients'",
    steps: 3,
    async run(lab) {
      const S = lab.port;
      await listen(lab, { read: true, closeOnEof: false }, "A buggy server: it reads each connection to its end, then forgets it, never calling close().");
      const ports: number[] = [];
      await lab.step(
        "three clients connect and hang up",
        "Each client closes (FIN_WAIT1 → FIN_WAIT2). The server's kernel acknowledges each FIN and its program reads the end-of-file (Recv-Q 0), but never calls close(): its sockets stay in CLOSE_WAIT with no time limit, each holding a file descriptor. The clients' FIN_WAIT2 sockets belong to no process; Linux drops them after tcp_fin_timeout (60 s). `tcpstat doctor` reports this pattern.",
        async () => {
          for (let i = 0; i < 3; i++) {
            const r = ok(await lab.client.ask("connect", { port: S, read: true }), "connect");
            ports.push(r.port!);
            ok(await lab.client.ask("close", { id: r.id }), "close");
          }
        },
        (r) => ports.length === 3 && ports.every((p) => find(r, { local: S, remote: p, state: "CLOSE_WAIT", recvQ: 0 }) && find(r, { local: p, state: "FIN_WAIT2" })),
      );
      await lab.step(
        "the server is stopped",
        "Only the end of the process frees its CLOSE_WAIT sockets (or a fix that calls close()): its kernel sends the missing FINs (CLOSE_WAIT → LAST_ACK → CLOSE), and the clients' FIN_WAIT2 sockets end in TIME_WAIT.",
        () => lab.server.kill("SIGTERM"),
        (r) => !find(r, { local: S }) && ports.every((p) => find(r, { local: p, state: "TIME_WAIT" })),
      );
    },
  },
];
