import { fileURLToPath } from "node:url";
import { lineFrom } from "../helpers/child-output.js";
import { createNetns, type Netns } from "../helpers/netns.js";

const SCRIPT = fileURLToPath(new URL("./hold-sockets.py", import.meta.url));

/** What hold-sockets.py holds (see its header): ports are BASE + offset. */
export const BASES = { v4: 11000, v6: 12000, mapped: 13000 } as const;
export type Flavour = keyof typeof BASES;
/** The server's address in each flavour, as tcpstat and ss print it. */
export const SERVER_ADDRESS: Record<Flavour, string> = { v4: "127.0.0.1", v6: "::1", mapped: "::ffff:127.0.0.1" };
/** The listener's address: the mapped flavour listens on the dual-stack wildcard. */
export const LISTEN_ADDRESS: Record<Flavour, string> = { v4: "127.0.0.1", v6: "::1", mapped: "::" };
/** The node process's listener, a second owner for --pid and --process. */
export const NODE_PORT = 14000;
/** Its process name (comm), with spaces as some daemons have them. */
export const NODE_NAME = "node web 1";

export interface Scenario {
  ns: Netns;
  pythonPid: number;
  nodePid: number;
  close(): void;
}

/** A fresh namespace holding every state (python) plus one node listener. */
export async function startScenario(): Promise<Scenario> {
  const ns = createNetns();
  try {
    const python = ns.spawn("python3", [SCRIPT, "--hold", "600"]);
    const info = JSON.parse(await lineFrom(python, "hold-sockets.py")) as { pid: number };
    const node = ns.spawn(process.execPath, [
      "-e",
      `process.title = ${JSON.stringify(NODE_NAME)}; require("net").createServer().listen(${NODE_PORT}, "127.0.0.1", () => console.log(process.pid)); setTimeout(() => {}, 600000);`,
    ]);
    const nodePid = Number(await lineFrom(node, "node listener"));
    return { ns, pythonPid: info.pid, nodePid, close: () => ns.close() };
  } catch (error) {
    ns.close();
    throw error;
  }
}
