import { WELL_KNOWN_SERVICES, parseServices } from "../../src/lib/services.js";
import { describe, expect, it } from "vitest";
import { TcpstatError } from "../../src/errors.js";
import { makePredicate, parsePids, parsePorts, parseStates } from "../../src/lib/filter.js";
import { editDistance, nearest } from "../../src/lib/suggest.js";
import type { SocketRecord } from "../../src/model/socket.js";

const usage = (fn: () => unknown): TcpstatError => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TcpstatError);
    expect((error as TcpstatError).exitCode).toBe(2);
    return error as TcpstatError;
  }
  throw new Error("expected a usage error");
};

describe("parsePorts", () => {
  it("reads single ports, lists, ranges and repeats", () => {
    expect(parsePorts(["443"])).toEqual([[443, 443]]);
    expect(parsePorts(["80,443"])).toEqual([
      [80, 80],
      [443, 443],
    ]);
    expect(parsePorts(["8000-8100", "22"])).toEqual([
      [8000, 8100],
      [22, 22],
    ]);
    expect(parsePorts([" 0 , 65535 "])).toEqual([
      [0, 0],
      [65535, 65535],
    ]);
    expect(parsePorts(["5-5"])).toEqual([[5, 5]]);
  });

  it("reads :443 and service names (a services file, else the well-known names)", () => {
    const file = parseServices("http 80/tcp www\nhttp-alt 8080/tcp webcache\nmyapp 7777/tcp\n");
    expect(parsePorts([":443,http", "http-alt", "MyApp", ":8000-:8001"], "--port", file)).toEqual([
      [443, 443],
      [80, 80],
      [8080, 8080],
      [7777, 7777],
      [8000, 8001],
    ]);
    expect(parsePorts(["https"], "--port", WELL_KNOWN_SERVICES)).toEqual([[443, 443]]);
  });

  it.each(["65536", "-1", "htp", "80-", "-80", "90-80", "1.5", "", "80,,443", "1e3", "0x50", "99999999"])(
    "rejects %j with the flag and the accepted forms",
    (bad) => {
      const e = usage(() => parsePorts([bad], "--local-port"));
      expect(e.message).toMatch(/^bad port '.*' for --local-port$/);
      expect(e.hint).toBe("use a port 0-65535 or a service name (http), a list (80,443) or a range (8000-8100)");
    },
  );
});

describe("parsePids", () => {
  it("reads pids and lists", () => {
    expect([...parsePids(["1", "20,300"])]).toEqual([1, 20, 300]);
  });
  it.each(["0", "-5", "abc", "", "1.5", "12,x"])("rejects %j", (bad) => {
    expect(usage(() => parsePids([bad])).message).toMatch(/^bad pid '.*' for --pid$/);
  });
});

describe("parseStates", () => {
  it("reads comma lists, repeats, groups and any spelling", () => {
    expect([...parseStates(["LISTEN,time-wait", "SYN_RCVD"])].sort()).toEqual(["LISTEN", "SYN_RECV", "TIME_WAIT"]);
    expect([...parseStates(["bucket"])].sort()).toEqual(["SYN_RECV", "TIME_WAIT"]);
    expect([...parseStates(["CONNECTED"])]).toHaveLength(9);
  });

  it("names the valid choices and suggests the nearest", () => {
    const e = usage(() => parseStates(["ESTABLISHD"]));
    expect(e.message).toBe("unknown state 'ESTABLISHD' (did you mean ESTABLISHED?)");
    expect(e.hint).toContain("valid states: ESTABLISHED, SYN_SENT");
    expect(e.hint).toContain("connected, synchronized, bucket, big");
    expect(usage(() => parseStates(["time-wiat"])).message).toContain("did you mean TIME_WAIT?");
    expect(usage(() => parseStates(["listn"])).message).toContain("did you mean LISTEN?");
    expect(usage(() => parseStates(["conected"])).message).toContain("did you mean connected?");
  });

  it("does not guess wildly", () => {
    expect(usage(() => parseStates(["banana-split-sundae"])).message).toBe("unknown state 'banana-split-sundae'");
  });
});

describe("suggest", () => {
  it("measures edit distance", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
  });
  it("picks the nearest candidate case-insensitively, or none when far", () => {
    expect(nearest("jsn", ["json", "ndjson", "table"])).toBe("json");
    expect(nearest("TABEL", ["json", "table"])).toBe("table");
    expect(nearest("zzzzzzzz", ["json", "table"])).toBeUndefined();
  });
});

describe("makePredicate", () => {
  const rec = (over: Partial<SocketRecord>): SocketRecord => ({
    proto: "tcp",
    family: "ipv4",
    localAddress: "127.0.0.1",
    localPort: 8080,
    remoteAddress: "127.0.0.1",
    remotePort: 40000,
    state: "ESTABLISHED",
    recvQ: 0,
    sendQ: 0,
    pid: 42,
    process: "nginx",
    uid: 0,
    user: "root",
    inode: 1,
    timer: null,
    ...over,
  });
  const both = { protos: ["tcp", "udp"] as const, families: ["ipv4", "ipv6"] as const };
  const listener = rec({ state: "LISTEN", remoteAddress: null, remotePort: null });
  const udpUnconnected = rec({ proto: "udp", state: null, remoteAddress: null, remotePort: null, localPort: 53 });
  const udpConnected = rec({ proto: "udp", state: null, localPort: 5000, remotePort: 53 });

  it("-l keeps TCP LISTEN and unconnected UDP", () => {
    const keep = makePredicate({ ...both, listening: true });
    expect([listener, rec({}), udpUnconnected, udpConnected].map(keep)).toEqual([true, false, true, false]);
  });

  it("UDP matches states as ss does: connected = ESTABLISHED, otherwise CLOSE", () => {
    expect([udpUnconnected, udpConnected].map(makePredicate({ ...both, states: new Set(["ESTABLISHED"] as const) }))).toEqual([false, true]);
    expect([udpUnconnected, udpConnected].map(makePredicate({ ...both, states: new Set(["CLOSE"] as const) }))).toEqual([true, false]);
  });

  it("ports: --port either side, --local-port and --remote-port one side, ranges inclusive", () => {
    const r = rec({});
    expect(makePredicate({ ...both, ports: [[40000, 40000]] })(r)).toBe(true);
    expect(makePredicate({ ...both, localPorts: [[40000, 40000]] })(r)).toBe(false);
    expect(makePredicate({ ...both, localPorts: [[8000, 8080]] })(r)).toBe(true);
    expect(makePredicate({ ...both, remotePorts: [[39999, 40001]] })(r)).toBe(true);
    expect(makePredicate({ ...both, remotePorts: [[1, 100]] })(listener)).toBe(false);
  });

  it("--pid and --process need an owner; --process is a case-insensitive substring", () => {
    expect(makePredicate({ ...both, pids: new Set([42]) })(rec({}))).toBe(true);
    expect(makePredicate({ ...both, pids: new Set([42]) })(rec({ pid: null }))).toBe(false);
    expect(makePredicate({ ...both, process: "GIN" })(rec({}))).toBe(true);
    expect(makePredicate({ ...both, process: "apache" })(rec({}))).toBe(false);
    expect(makePredicate({ ...both, process: "nginx" })(rec({ process: null, pid: null }))).toBe(false);
  });

  it("protocol and family", () => {
    expect(makePredicate({ protos: ["udp"], families: ["ipv4"] })(rec({}))).toBe(false);
    expect(makePredicate({ protos: ["tcp"], families: ["ipv6"] })(rec({}))).toBe(false);
    expect(makePredicate({ protos: ["tcp"], families: ["ipv6"] })(rec({ family: "ipv6", localAddress: "::ffff:127.0.0.1" }))).toBe(true);
  });
});
