import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTcpstat } from "../helpers/cli.js";
import { ExplanationSchema } from "../../src/model/report.js";
import { TCP_STATES } from "../../src/model/state.js";
import { startPathology, type Pathology } from "../live/pathology-helpers.js";

/** `tcpstat explain` as a user runs it, with live counts from a namespace whose sockets we know. */

let healthy: Pathology;
beforeAll(async () => {
  // web-server on 3030 with two keep-alive clients: 1 LISTEN, 4 ESTABLISHED (both ends).
  healthy = await startPathology("healthy");
});
afterAll(() => healthy?.close());

describe("tcpstat explain", () => {
  it("draws the state diagram with the live count beside each state", () => {
    const r = runTcpstat(["explain"], { netns: healthy.ns });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    const lines = r.stdout.split("\n");
    const estab = lines.findIndex((l) => l.includes("|  ESTABLISHED  |"));
    expect(lines[estab + 1]).toMatch(/\+-+\+ \(4\)$/);
    const listen = lines.findIndex((l) => l.includes("| LISTEN   |"));
    expect(lines[listen - 1]).toMatch(/\+----------\+ \(1\)$/);
    expect(r.stdout).toContain("ESTABLISHED (4): An open connection");
    expect(r.stdout).toContain("TIME_WAIT (0):");
  });

  it.each([
    ["SYN_RCVD", "en", "SYN_RECV", "Meaning"],
    ["close-wait", "zh", "CLOSE_WAIT", "含义"],
    ["LISTENING", "fr", "LISTEN", "Signification"],
    ["Time_Wait", "fr", "TIME_WAIT", "Combien de temps"],
    ["ESTAB", "zh", "ESTABLISHED", "如何离开"],
    ["closed", "en", "CLOSE", "What to do"],
  ])("explains %s in %s", (word, lang, state, heading) => {
    const r = runTcpstat(["explain", word, "--lang", lang], { netns: healthy.ns });
    expect(r.status).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(new RegExp(`^${state}  \\(`));
    expect(r.stdout).toContain(`\n${heading}\n`);
  });

  it("gives every state in each language as JSON, with live counts", () => {
    for (const lang of ["en", "zh", "fr"]) {
      const r = runTcpstat(["explain", "--json", "--lang", lang], { netns: healthy.ns });
      expect(r.status).toBe(0);
      const all = (JSON.parse(r.stdout) as unknown[]).map((e) => ExplanationSchema.parse(e));
      expect(all.map((e) => e.state)).toEqual([...TCP_STATES]);
      expect(all.every((e) => e.lang === lang)).toBe(true);
      expect(all.find((e) => e.state === "ESTABLISHED")!.count).toBe(4);
      expect(all.find((e) => e.state === "LISTEN")!.count).toBe(1);
    }
  });

  it("follows LANG when --lang is not given", () => {
    const fr = runTcpstat(["explain", "fin-wait-2"], { netns: healthy.ns, env: { LANG: "fr_FR.UTF-8", LC_ALL: undefined, LC_MESSAGES: undefined } });
    expect(fr.stdout).toContain("tcp_fin_timeout");
    expect(fr.stdout).toContain("\nSignification\n");
    const zh = runTcpstat(["explain", "fin-wait-2"], { netns: healthy.ns, env: { LANG: "en_US.UTF-8", LC_ALL: "zh_CN.UTF-8" } });
    expect(zh.stdout).toContain("\n含义\n");
  });

  it("rejects an unknown state or language with one line and exit 2", () => {
    const bad = runTcpstat(["explain", "close-wiat"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(
      "tcpstat: unknown state 'close-wiat' (did you mean CLOSE_WAIT?); valid states: ESTABLISHED, SYN_SENT, SYN_RECV, FIN_WAIT1, FIN_WAIT2, TIME_WAIT, CLOSE, CLOSE_WAIT, LAST_ACK, LISTEN, CLOSING; or a lesson: handshake, teardown\n",
    );
    const lang = runTcpstat(["explain", "listen", "--lang", "de"]);
    expect(lang.status).toBe(2);
    expect(lang.stderr).toBe("tcpstat: unsupported language 'de' for --lang; choose one of: en, zh, fr\n");
  });

  it("still explains when the sockets cannot be read, and says why on stderr", () => {
    const r = runTcpstat(["explain", "--input", "/nonexistent/capture.txt"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("| TIME_WAIT |");
    expect(r.stdout).not.toMatch(/\(\d+\)/);
    expect(r.stderr).toBe("tcpstat: counts not shown: cannot read --input /nonexistent/capture.txt: no such file\n");
  });
});
