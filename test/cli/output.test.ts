import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, runTcpstat } from "../helpers/cli.js";
import { SocketRecordSchema, type SocketRecord } from "../../src/model/socket.js";
import { startFewSockets, type FewSockets } from "./few-sockets.js";
import { nodeComm } from "../helpers/comm.js";

let few: FewSockets;
beforeAll(async () => {
  few = await startFewSockets();
});
afterAll(() => few?.close());

const run = (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const r = runTcpstat(args, { netns: few.ns, env });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return r.stdout;
};
const json = (args: string[]) => JSON.parse(run([...args, "--json"])) as SocketRecord[];
const ports = (records: SocketRecord[]) => records.map((r) => `${r.proto}${r.family === "ipv6" ? "6" : ""}:${r.localPort}:${r.state ?? "-"}`).sort();

describe("--json and --ndjson", () => {
  it("--json is one array of schema-valid records", async () => {
    await few.freshTimeWait();
    const text = run(["-tu", "--json"]);
    const records = JSON.parse(text) as SocketRecord[];
    expect(Array.isArray(records)).toBe(true);
    for (const r of records) SocketRecordSchema.parse(r);
    const client = records.find((r) => r.remotePort === 7000)!;
    // listeners on 7000, 7001 (v6) and 7002, the 7000 pair (both sides), the UDP socket
    expect(ports(records.filter((r) => r.state !== "TIME_WAIT"))).toEqual(
      ["tcp:7000:LISTEN", "tcp:7000:ESTABLISHED", `tcp:${client.localPort}:ESTABLISHED`, "tcp:7002:LISTEN", "tcp6:7001:LISTEN", "udp:7003:-"].sort(),
    );
    // and the client side of each closed connection to 7002, waiting out TIME_WAIT
    const tw = records.filter((r) => r.state === "TIME_WAIT");
    expect(tw.length).toBeGreaterThanOrEqual(1);
    for (const r of tw) expect([r.localAddress, r.remoteAddress, r.remotePort]).toEqual(["127.0.0.1", "127.0.0.1", 7002]);
  });

  it("--json prints [] when nothing matches", () => {
    expect(run(["--port", "1", "--json"]).trim()).toBe("[]");
  });

  it("--ndjson is one schema-valid record a line, the same records as --json", () => {
    const text = run(["-tu", "--ndjson"]);
    expect(text.endsWith("\n")).toBe(true);
    const lines = text.trimEnd().split("\n");
    const records = lines.map((l) => SocketRecordSchema.parse(JSON.parse(l)));
    expect(ports(records)).toEqual(ports(json(["-tu"])));
    expect(run(["--port", "1", "--ndjson"])).toBe("");
  });

  it("--format json and --format ndjson are the same as the flags", () => {
    expect(ports(JSON.parse(run(["--format", "json"])))).toEqual(ports(json([])));
    expect(run(["--format", "ndjson"]).trimEnd().split("\n")).toHaveLength(json([]).length);
  });

  it("records carry owner, user and timer", async () => {
    await few.freshTimeWait();
    const records = json(["-tu"]);
    const listener = records.find((r) => r.localPort === 7000 && r.state === "LISTEN");
    expect(listener).toMatchObject({ pid: few.pid, process: nodeComm(), uid: 0, user: "root", timer: null, remoteAddress: null });
    const tw = records.find((r) => r.state === "TIME_WAIT");
    expect(tw).toMatchObject({ pid: null, remotePort: 7002, timer: { kind: "timewait", retransmits: 0 } });
    expect(tw!.timer!.expiresInMs).toBeGreaterThan(0);
    expect(tw!.timer!.expiresInMs).toBeLessThanOrEqual(60_000);
  });
});

describe("selection flags and their long forms", () => {
  it.each([
    [["-t"], ["--tcp"]],
    [["-u"], ["--udp"]],
    [["-l"], ["--listening"]],
    [["-4"], ["--ipv4"]],
    [["-6"], ["--ipv6"]],
    [["-tu"], ["-t", "-u"]],
    [["-a", "-n", "-p"], ["--all", "--numeric", "--programs"]],
    [["-tunap"], ["--tcp", "--udp"]],
    [["-tuln"], ["-tu", "-l"]],
  ])("%j = %j", (short, long) => {
    expect(ports(json(short))).toEqual(ports(json(long)));
  });

  it("no flag lists TCP only; -u UDP only; -tu both", () => {
    expect(json([]).every((r) => r.proto === "tcp")).toBe(true);
    expect(ports(json(["-u"]))).toEqual(["udp:7003:-"]);
    expect(json(["-tu"]).length).toBe(json([]).length + 1);
  });

  it("-l lists listeners (and unbound-peer UDP with -u)", () => {
    expect(ports(json(["-l"]))).toEqual(["tcp6:7001:LISTEN", "tcp:7000:LISTEN", "tcp:7002:LISTEN"]);
    expect(ports(json(["-lu"]))).toEqual(["udp:7003:-"]);
  });

  it("-4 and -6 split the families", () => {
    expect(json(["-6"]).map((r) => r.localAddress)).toEqual(["::1"]);
    expect(json(["-4"]).every((r) => r.family === "ipv4")).toBe(true);
  });

  it("--state, --port, --local-port, --remote-port, --pid, --process", async () => {
    expect(ports(json(["--state", "listening"]))).toEqual(ports(json(["-l"])));
    await few.freshTimeWait();
    const tw = json(["--state", "time-wait"]);
    expect(tw.length).toBeGreaterThanOrEqual(1);
    expect(tw.every((r) => r.state === "TIME_WAIT")).toBe(true);
    expect(json(["--port", "7000"])).toHaveLength(3);
    expect(json(["--local-port", "7000"])).toHaveLength(2);
    expect(json(["--remote-port", "7000"])).toHaveLength(1);
    expect(json(["--local-port", "7000-7002"])).toHaveLength(4);
    expect(json(["--pid", String(few.pid)])).toHaveLength(5);
    expect(json(["--process", nodeComm().slice(0, -1)])).toHaveLength(5);
    expect(json(["--process", "nginx"])).toHaveLength(0);
  });

  it("--no-owners leaves pid and process empty", () => {
    expect(json(["--no-owners"]).every((r) => r.pid === null && r.process === null)).toBe(true);
  });
});

describe("the table", () => {
  it("has netstat's columns and one row a socket, listeners first", async () => {
    await few.freshTimeWait();
    const lines = run(["-tu"]).trimEnd().split("\n");
    expect(lines[0]!.trim().split(/\s{2,}/)).toEqual(["Proto", "Recv-Q", "Send-Q", "Local Address", "Foreign Address", "State", "PID/Program"]);
    const timeWaits = lines.filter((l) => l.includes("TIME_WAIT")).length;
    expect(timeWaits).toBeGreaterThanOrEqual(1);
    expect(lines).toHaveLength(1 + 6 + timeWaits);
    expect(lines[1]).toMatch(new RegExp(`^tcp\\s+0\\s+0\\s+127\\.0\\.0\\.1:7000\\s+0\\.0\\.0\\.0:\\*\\s+LISTEN\\s+${few.pid}/${nodeComm()}\\s*$`));
    expect(lines.some((l) => /^tcp6\s+0\s+0\s+\[::1\]:7001\s+\[::\]:\*\s+LISTEN\s/.test(l))).toBe(true);
    expect(lines.some((l) => new RegExp(`^udp\\s+0\\s+0\\s+127\\.0\\.0\\.1:7003\\s+0\\.0\\.0\\.0:\\*\\s+\\d+/${nodeComm()}`).test(l))).toBe(true);
    expect(lines.some((l) => /127\.0\.0\.1:7002\s+TIME_WAIT\s+-\s*$/.test(l))).toBe(true);
  });

  it("-o adds netstat's timer column", async () => {
    await few.freshTimeWait();
    const lines = run(["-o"]).trimEnd().split("\n");
    expect(lines[0]).toMatch(/PID\/Program\s+Timer\s*$/);
    expect(lines.find((l) => l.includes("TIME_WAIT"))).toMatch(/timewait \(\d+\.\d\d\/0\)\s*$/);
    expect(lines.find((l) => l.includes("LISTEN"))).toMatch(/\soff\s*$/);
    expect(run(["--timers"]).split("\n")[0]).toContain("Timer");
  });
});

describe("colour", () => {
  const ESC = "\u001b[";
  it("never on a pipe by default, nor with NO_COLOR", () => {
    expect(run([])).not.toContain(ESC);
    expect(run([], { NO_COLOR: "1" })).not.toContain(ESC);
  });

  it("with FORCE_COLOR, states painted by meaning", async () => {
    await few.freshTimeWait();
    const out = run([], { NO_COLOR: undefined, FORCE_COLOR: "1" });
    expect(out).toContain(`${ESC}36mLISTEN`); // cyan: listening
    expect(out).toContain(`${ESC}32mESTABLISHED`); // green: healthy
    expect(out).toContain(`${ESC}90mTIME_WAIT`); // grey: closing
    expect(run([], { NO_COLOR: undefined, FORCE_COLOR: "0" })).not.toContain(ESC);
  });

  it("--color and --no-color override the environment", () => {
    expect(run(["--color"])).toContain(ESC);
    expect(run(["--no-color"], { NO_COLOR: undefined, FORCE_COLOR: "1" })).not.toContain(ESC);
  });

  it("on a terminal: colour, unless NO_COLOR is set", () => {
    // script(1) gives tcpstat a pseudo-terminal as stdout.
    const onTty = (env: NodeJS.ProcessEnv) =>
      few.ns.run("script", ["-qec", `${process.execPath} ${BIN}`, "/dev/null"], {
        env: { ...process.env, FORCE_COLOR: undefined, NO_COLOR: undefined, TERM: "xterm", ...env },
      });
    const coloured = onTty({});
    expect(coloured.status).toBe(0);
    expect(coloured.stdout).toContain(`${ESC}36mLISTEN`);
    const plain = onTty({ NO_COLOR: "1" });
    expect(plain.stdout).toContain("LISTEN");
    expect(plain.stdout).not.toContain(ESC);
  });
});

describe("a closed pipe", () => {
  const shell = (script: string) =>
    few.ns.run("bash", ["-c", script], { env: { ...process.env, NO_COLOR: "1", TCPSTAT: `${process.execPath} ${BIN}` } });

  it("tcpstat | head -1 prints the header and ends quietly", () => {
    const r = shell('$TCPSTAT -tu | head -1; echo "status=${PIPESTATUS[0]}"');
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^Proto\s+Recv-Q/);
    expect(r.stdout).toMatch(/status=0\n$/);
  });

  it("a reader that is gone before tcpstat writes: exit 0, no EPIPE text", () => {
    for (const format of ["", "--json", "--ndjson"]) {
      const r = shell(`$TCPSTAT -tu ${format} | true; echo "status=\${PIPESTATUS[0]}"`);
      expect(r.stderr, format).toBe("");
      expect(r.stdout, format).toBe("status=0\n");
    }
  });
});

describe("without root", () => {
  it("lists the sockets, says once that owners could not all be identified, exits 0", () => {
    const r = few.ns.run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, BIN, "-tu", "--json"], {
      env: { ...process.env, NO_COLOR: "1" },
    });
    expect(r.status, r.stderr).toBe(0);
    const records = JSON.parse(r.stdout) as SocketRecord[];
    expect(ports(records)).toEqual(ports(json(["-tu"])));
    // root's sockets: the owner is hidden from nobody, the uid is not
    expect(records.every((r) => r.pid === null)).toBe(true);
    expect(records.find((r) => r.state === "LISTEN")?.user).toBe("root");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^tcpstat: not all processes could be identified: .*run as root to see every owner\.$/);
  });

  it("-q keeps stderr quiet", () => {
    const r = few.ns.run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, BIN, "-q"]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("LISTEN");
  });
});

it("runs without a network namespace too (the machine's own sockets)", () => {
  const r = runTcpstat(["-tu", "--json", "--no-owners"]);
  expect(r.status).toBe(0);
  expect(Array.isArray(JSON.parse(r.stdout))).toBe(true);
});
