import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OUTPUT_SCHEMA_NAMES, outputJsonSchema } from "../../src/model/schemas.js";
import { runTcpstat } from "../helpers/cli.js";
import { startScenario, type Scenario } from "../live/scenario.js";

/** The contract for scripts: shipped JSON Schemas, `tcpstat schema`, real output validated by ajv. */

const EXPECTED_NAMES = ["socket-record", "sockets", "summary", "stats", "doctor", "finding", "explanation", "explanations", "lesson", "watch-event", "trace-event"];
const shipped = (name: string) => JSON.parse(readFileSync(new URL(`../../schema/${name}.json`, import.meta.url), "utf8")) as object;

function validator(name: string) {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  return ajv.compile(shipped(name));
}

/** Validates a parsed document; on failure the message lists ajv's errors. */
function expectValid(name: string, value: unknown): void {
  const validate = validator(name);
  const ok = validate(value);
  expect(ok, `${name}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
}

describe("tcpstat schema", () => {
  it("without a name lists every output with the command that prints it", () => {
    const result = runTcpstat(["schema"]);
    expect(result.status).toBe(0);
    const names = result.stdout.trimEnd().split("\n").map((line) => line.split(/\s+/)[0]);
    expect(names).toEqual(EXPECTED_NAMES);
    expect(result.stdout).toMatch(/^sockets +tcpstat --json: /m);
  });

  it("prints the shipped file, which is the zod schema's JSON Schema", () => {
    expect(OUTPUT_SCHEMA_NAMES).toEqual(EXPECTED_NAMES);
    for (const name of EXPECTED_NAMES) {
      const result = runTcpstat(["schema", name]);
      expect(result.status, name).toBe(0);
      expect(JSON.parse(result.stdout), name).toEqual(shipped(name));
      expect(shipped(name), `schema/${name}.json is stale: npm run build`).toEqual(outputJsonSchema(name as never));
    }
  });

  it("describes the socket record field by field, and nothing else", () => {
    const schema = shipped("socket-record") as {
      $schema: string;
      properties: Record<string, { enum?: string[] }>;
      required: string[];
      additionalProperties: boolean;
    };
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.additionalProperties).toBe(false);
    const always = ["proto", "family", "localAddress", "localPort", "remoteAddress", "remotePort", "state", "recvQ", "sendQ", "pid", "process", "uid", "user", "inode", "timer"];
    expect(schema.required.sort()).toEqual([...always].sort());
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(always));
    expect(schema.properties.proto?.enum).toEqual(["tcp", "udp"]);
    // every object anywhere in every schema refuses fields it does not name
    for (const name of EXPECTED_NAMES) {
      const loose: string[] = [];
      const walk = (node: unknown, path: string): void => {
        if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${path}/${i}`));
        else if (node && typeof node === "object") {
          const o = node as Record<string, unknown>;
          if (o.type === "object" && o.properties && o.additionalProperties !== false) loose.push(path);
          for (const [k, v] of Object.entries(o)) walk(v, `${path}/${k}`);
        }
      };
      walk(shipped(name), name);
      expect(loose).toEqual([]);
    }
  });

  it("rejects a bad name with the choices, exit 2, one line", () => {
    const result = runTcpstat(["schema", "socket"]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("'socket'");
    expect(result.stderr).toContain("socket-record");
  });

  it("the validator is not a rubber stamp: an extra field, a bad state or a missing field fail", () => {
    const record = {
      proto: "tcp", family: "ipv4", localAddress: "127.0.0.1", localPort: 80, remoteAddress: null, remotePort: null,
      state: "LISTEN", recvQ: 0, sendQ: 0, pid: 1, process: "init", uid: 0, user: "root", inode: 1, timer: null,
    };
    const validate = validator("socket-record");
    expect(validate(record)).toBe(true);
    expect(validate({ ...record, colour: "red" })).toBe(false);
    expect(validate({ ...record, state: "LISTENING" })).toBe(false);
    expect(validate({ ...record, localPort: 70000 })).toBe(false);
    const { inode: _inode, ...missing } = record;
    expect(validate(missing)).toBe(false);
  });
});

describe("real output validates against the shipped schemas", () => {
  it("tcpstat --json -tu of this machine", () => {
    const result = runTcpstat(["--json", "-tu"]);
    expect(result.status).toBe(0);
    const records = JSON.parse(result.stdout) as unknown[];
    expect(records.length).toBeGreaterThan(0);
    expectValid("sockets", records);
  });

  describe("in a namespace holding every TCP state, UDP and IPv6", () => {
    let scenario: Scenario;
    beforeAll(async () => {
      scenario = await startScenario();
    });
    afterAll(() => scenario?.close());

    it("--json and --ndjson, with timers", () => {
      const json = runTcpstat(["--json", "-tu", "-o"], { netns: scenario.ns });
      expect(json.status, json.stderr).toBe(0);
      const records = JSON.parse(json.stdout) as Array<{ state: string | null; family: string; proto: string }>;
      expectValid("sockets", records);
      // every state the scenario holds, both families and both protocols are in what was validated
      const states = new Set(records.map((r) => r.state));
      for (const state of ["LISTEN", "ESTABLISHED", "CLOSE_WAIT", "FIN_WAIT2", "TIME_WAIT", "SYN_SENT", "LAST_ACK", "FIN_WAIT1"]) expect(states).toContain(state);
      expect(new Set(records.map((r) => `${r.proto}/${r.family}`))).toEqual(new Set(["tcp/ipv4", "tcp/ipv6", "udp/ipv4", "udp/ipv6"]));
      // ss agrees on how many sockets there are
      const ss = scenario.ns.run("ss", ["-tuanH"]);
      expect(records).toHaveLength(ss.stdout.trimEnd().split("\n").length);

      const ndjson = runTcpstat(["--ndjson", "-tu"], { netns: scenario.ns });
      const lines = ndjson.stdout.trimEnd().split("\n");
      expect(lines.length).toBe(records.length);
      const validate = validator("socket-record");
      for (const line of lines) expect(validate(JSON.parse(line)), line).toBe(true);
    });

    it("--watch --ndjson events match schema watch-event", () => {
      const result = runTcpstat(["--watch", "0.2", "--count", "3", "--ndjson", "-tu"], { netns: scenario.ns });
      expect(result.status, result.stderr).toBe(0);
      const events = result.stdout.trimEnd().split("\n").map((line) => JSON.parse(line) as { event: string });
      // the first frame reports every socket already open
      expect(events.filter((e) => e.event === "opened").length).toBeGreaterThan(10);
      for (const event of events) expectValid("watch-event", event);
    });

    // Each command that prints JSON, with the schema it promises.
    const outputs: Array<[string, string[], number[]]> = [
      ["summary", ["summary", "--json", "-tu"], [0]],
      ["summary", ["summary", "--json", "--by", "process"], [0]],
      ["stats", ["stats", "--json"], [0]],
      ["doctor", ["doctor", "--json", "--interval", "0.2", "--threshold", "close-wait=1"], [3]],
      ["explanation", ["explain", "close-wait", "--json"], [0]],
      ["explanations", ["explain", "--json"], [0]],
      ["lesson", ["explain", "handshake", "--json"], [0]],
      ["lesson", ["explain", "teardown", "--json", "--lang", "zh"], [0]],
    ];
    for (const [name, args, codes] of outputs) {
      it(`tcpstat ${args.join(" ")} matches schema ${name}`, () => {
        const result = runTcpstat(args, { netns: scenario.ns });
        expect(codes, result.stderr).toContain(result.status);
        const value = JSON.parse(result.stdout) as unknown;
        expectValid(name, value);
        if (name === "doctor") {
          const findings = (value as { findings: unknown[] }).findings;
          expect(findings.length).toBeGreaterThan(0);
          for (const finding of findings) expectValid("finding", finding);
        }
      });
    }
  });
});
