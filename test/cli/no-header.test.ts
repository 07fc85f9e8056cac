import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lineFrom } from "../helpers/child-output.js";
import { runTcpstat } from "../helpers/cli.js";
import { createNetns, type Netns } from "../helpers/netns.js";

/** -H/--no-header: the rows of the table and nothing else, as ss -H prints its rows. */

let ns: Netns;
beforeAll(async () => {
  ns = createNetns();
  const holder = ns.spawn("python3", ["-c", `
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 7300)); s.listen()
c = socket.create_connection(("127.0.0.1", 7300)); a, _ = s.accept()
print("ready", flush=True); time.sleep(600)`]);
  await lineFrom(holder, "socket holder");
});
afterAll(() => ns?.close());

describe("-H", () => {
  it.each([[[]], [["--no-owners"]], [["-o", "--no-owners"]]])("tcpstat -H %j: the table without its first line, as many rows as ss -tanH", (extra) => {
    const full = runTcpstat([...extra], { netns: ns });
    const bare = runTcpstat(["-H", ...extra], { netns: ns });
    expect(bare.status).toBe(0);
    const lines = full.stdout.split("\n");
    expect(lines[0]).toMatch(/^Proto\s+Recv-Q/);
    expect(bare.stdout).toBe(lines.slice(1).join("\n"));
    const ss = ns.run("ss", ["-tanH"]).stdout.trim().split("\n");
    expect(bare.stdout.trim().split("\n")).toHaveLength(ss.length);
  });

  it("-iH: the -i table's rows (whose idle times move between runs), no header", () => {
    const bare = runTcpstat(["-iH"], { netns: ns });
    expect(bare.status).toBe(0);
    const rows = bare.stdout.trim().split("\n");
    expect(rows).toHaveLength(ns.run("ss", ["-tanH"]).stdout.trim().split("\n").length);
    expect(rows.every((l) => /^tcp\s/.test(l))).toBe(true);
  });

  it("--no-header is its long name; refused where there is no header", () => {
    expect(runTcpstat(["--no-header"], { netns: ns }).stdout).toBe(runTcpstat(["-H"], { netns: ns }).stdout);
    const json = runTcpstat(["-H", "--json"], { netns: ns });
    expect(json.status).toBe(2);
    expect(json.stderr).toBe("tcpstat: -H/--no-header leaves out the table's header line; it does not apply to --format json; drop -H\n");
    expect(runTcpstat(["-H", "-c", "1", "--count", "1"], { netns: ns }).status).toBe(2);
  });
});
