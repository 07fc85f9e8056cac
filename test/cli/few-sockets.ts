import { lineFrom } from "../helpers/child-output.js";
import { createNetns, type Netns } from "../helpers/netns.js";

/**
 * A namespace with a few known sockets, held by one node process:
 *   tcp  127.0.0.1:7000 LISTEN, and an ESTABLISHED pair with it
 *   tcp6 [::1]:7001 LISTEN
 *   tcp  127.0.0.1:7002 LISTEN; a client that closes first leaves TIME_WAIT on its side
 *   udp  127.0.0.1:7003 bound
 * TIME_WAIT lasts 60 s, longer than a slow test run may take, so SIGUSR1 makes a fresh one.
 */
const HOLDER = `
const net = require("net"), dgram = require("dgram");
const keep = [];
const listen = (port, host) => new Promise((ok) => { const s = net.createServer((c) => { keep.push(c); c.on("end", () => c.end()); }); s.listen(port, host, ok); keep.push(s); });
(async () => {
  await listen(7000, "127.0.0.1");
  await listen(7001, "::1");
  await listen(7002, "127.0.0.1");
  await new Promise((ok) => { const c = net.connect(7000, "127.0.0.1", ok); keep.push(c); });
  const timeWait = () => new Promise((ok) => { const c = net.connect(7002, "127.0.0.1", () => c.end()); c.on("close", ok); c.resume(); });
  process.on("SIGUSR1", timeWait);
  await timeWait();
  await new Promise((ok) => { const u = dgram.createSocket("udp4"); u.bind(7003, "127.0.0.1", ok); keep.push(u); });
  console.log(process.pid);
  setTimeout(() => {}, 600000);
})();
`;

export interface FewSockets {
  ns: Netns;
  pid: number;
  /** Makes a new TIME_WAIT socket and waits until the kernel shows it. */
  freshTimeWait(): Promise<void>;
  close(): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startFewSockets(): Promise<FewSockets> {
  const ns = createNetns();
  const child = ns.spawn(process.execPath, ["-e", HOLDER]);
  const pid = await lineFrom(child, "socket holder").then(Number, (error) => {
    ns.close();
    throw error;
  });
  const timeWaits = () => ns.run("ss", ["-tanH", "state", "time-wait"]).stdout.trim().split("\n").filter(Boolean);
  const waitForNew = async (before: string[]) => {
    for (let i = 0; i < 200; i++) {
      if (timeWaits().some((line) => !before.includes(line.replace(/\s+/g, " ")))) return;
      await sleep(50);
    }
    throw new Error("no new TIME_WAIT socket appeared");
  };
  await waitForNew([]);
  const freshTimeWait = async () => {
    const before = timeWaits().map((line) => line.replace(/\s+/g, " "));
    process.kill(pid, "SIGUSR1");
    await waitForNew(before);
  };
  return { ns, pid, freshTimeWait, close: () => ns.close() };
}
