import { describe, expect, it } from "vitest";
import { LINUX_TCP_STATES, STATE_GROUPS, TCP_STATES, canonicalState } from "../../src/model/state.js";

describe("canonicalState accepts every spelling people type or tools print", () => {
  it.each([
    // netstat (Linux), ss, BSD/macOS netstat, Windows netstat, lsof, RFC 793, typos of case and separators
    ["ESTABLISHED", "ESTABLISHED"],
    ["established", "ESTABLISHED"],
    ["ESTAB", "ESTABLISHED"],
    ["estab", "ESTABLISHED"],
    ["SYN_SENT", "SYN_SENT"],
    ["SYN-SENT", "SYN_SENT"],
    ["syn sent", "SYN_SENT"],
    ["SYN_RECV", "SYN_RECV"],
    ["SYN-RECV", "SYN_RECV"],
    ["SYN_RCVD", "SYN_RECV"],
    ["SYN_RECEIVED", "SYN_RECV"],
    ["syn-received", "SYN_RECV"],
    ["NEW_SYN_RECV", "SYN_RECV"],
    ["FIN_WAIT1", "FIN_WAIT1"],
    ["FIN_WAIT_1", "FIN_WAIT1"],
    ["FIN-WAIT-1", "FIN_WAIT1"],
    ["fin-wait-1", "FIN_WAIT1"],
    ["FIN_WAIT2", "FIN_WAIT2"],
    ["FIN_WAIT_2", "FIN_WAIT2"],
    ["FIN-WAIT-2", "FIN_WAIT2"],
    ["TIME_WAIT", "TIME_WAIT"],
    ["TIME-WAIT", "TIME_WAIT"],
    ["time-wait", "TIME_WAIT"],
    ["TimeWait", "TIME_WAIT"],
    ["CLOSE", "CLOSE"],
    ["CLOSED", "CLOSE"],
    ["closed", "CLOSE"],
    ["CLOSE_WAIT", "CLOSE_WAIT"],
    ["CLOSE-WAIT", "CLOSE_WAIT"],
    ["close-wait", "CLOSE_WAIT"],
    ["CloseWait", "CLOSE_WAIT"],
    ["LAST_ACK", "LAST_ACK"],
    ["LAST-ACK", "LAST_ACK"],
    ["last-ack", "LAST_ACK"],
    ["LISTEN", "LISTEN"],
    ["LISTENING", "LISTEN"],
    ["listening", "LISTEN"],
    ["CLOSING", "CLOSING"],
    ["closing", "CLOSING"],
  ])("%s -> %s", (word, state) => {
    expect(canonicalState(word)).toBe(state);
  });

  it.each(["", "EST", "WAIT", "LISTENER", "FIN_WAIT3", "SYN", "UNCONN"])("rejects %j", (word) => {
    expect(canonicalState(word)).toBeUndefined();
  });
});

describe("Linux kernel state codes (include/net/tcp_states.h)", () => {
  it("maps 1..12 in the kernel's order, NEW_SYN_RECV (12) onto SYN_RECV", () => {
    const codes = Array.from({ length: 12 }, (_, i) => LINUX_TCP_STATES[i + 1]);
    expect(codes).toEqual([
      "ESTABLISHED",
      "SYN_SENT",
      "SYN_RECV",
      "FIN_WAIT1",
      "FIN_WAIT2",
      "TIME_WAIT",
      "CLOSE",
      "CLOSE_WAIT",
      "LAST_ACK",
      "LISTEN",
      "CLOSING",
      "SYN_RECV",
    ]);
    expect(LINUX_TCP_STATES[0]).toBeUndefined();
    expect(LINUX_TCP_STATES[13]).toBeUndefined();
  });
});

describe("ss state groups (ss(8) STATE-FILTER; the live test checks them against ss itself)", () => {
  const sorted = (states: readonly string[]) => [...states].sort();
  it("connected: everything but LISTEN and CLOSE", () => {
    expect(sorted(STATE_GROUPS.connected!)).toEqual(
      sorted(["ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE_WAIT", "LAST_ACK", "CLOSING"]),
    );
  });
  it("synchronized: connected but SYN_SENT", () => {
    expect(sorted(STATE_GROUPS.synchronized!)).toEqual(
      sorted(["ESTABLISHED", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE_WAIT", "LAST_ACK", "CLOSING"]),
    );
  });
  it("bucket: the minisockets SYN_RECV and TIME_WAIT", () => {
    expect(sorted(STATE_GROUPS.bucket!)).toEqual(["SYN_RECV", "TIME_WAIT"]);
  });
  it("big: everything but bucket", () => {
    expect(sorted(STATE_GROUPS.big!)).toEqual(
      sorted(["ESTABLISHED", "SYN_SENT", "FIN_WAIT1", "FIN_WAIT2", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING"]),
    );
  });
  it("all: the eleven states", () => {
    expect(sorted(STATE_GROUPS.all!)).toEqual(
      sorted(["ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING"]),
    );
    expect(TCP_STATES).toHaveLength(11);
  });
});
