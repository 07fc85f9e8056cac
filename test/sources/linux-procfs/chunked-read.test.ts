import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { collectLinux } from "../../../src/sources/linux-procfs/collect.js";
import { parseProcNet } from "../../../src/sources/linux-procfs/parse-proc-net.js";
import { readTables, readTablesAhead } from "../../../src/sources/linux-procfs/read-tables.js";

/**
 * The live path reads /proc/net/* in 256 KiB chunks and parses whole lines as they come.
 * A table of 6000 rows (about 900 KiB) puts lines across every chunk boundary; the result
 * must be what parsing the whole text at once gives, bad lines and line numbers included.
 */
const HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
const row = (i: number) =>
  `${String(i).padStart(5)}: 0100007F:${(1024 + i).toString(16).toUpperCase().padStart(4, "0")} 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 ${100000 + i} 1 0000000000000000 20 4 30 10 -1                     `;

const lines = [HEADER];
for (let i = 0; i < 6000; i++) lines.push(i % 1000 === 999 ? `${String(i).padStart(5)}: broken` : row(i));
const text = `${lines.join("\n")}\n${row(6000)}`; // the last line has no newline

const root = mkdtempSync(join(tmpdir(), "tcpstat-chunks-"));
mkdirSync(join(root, "net"));
writeFileSync(join(root, "net", "tcp"), text);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("reading a big table in chunks", () => {
  it("gives exactly what parsing the whole text gives", () => {
    const whole = parseProcNet(text, { proto: "tcp", source: join(root, "net", "tcp") });
    const chunked = collectLinux({ protos: ["tcp"], families: ["ipv4"], owners: false, procRoot: root, etcRoot: root });
    expect(text.length).toBeGreaterThan(3 * (1 << 18));
    expect(chunked.records).toHaveLength(6001 - 6);
    expect(chunked.records).toEqual(whole.records);
    expect(chunked.problems).toEqual(whole.problems);
  });

  it("counts the broken rows with their line numbers (the header is line 1)", () => {
    const { problems, records } = collectLinux({ protos: ["tcp"], families: ["ipv4"], owners: false, procRoot: root, etcRoot: root });
    expect(problems.map((p) => p.line)).toEqual([1001, 2001, 3001, 4001, 5001, 6001]);
    expect(problems[0]!.text).toBe("  999: broken");
    // The row after the last newline is read too: port 1024 + 6000.
    expect(records.at(-1)).toMatchObject({ localPort: 7024, remotePort: 8080, state: "ESTABLISHED", inode: 106000 });
  });
});

/**
 * On a big table the tables after the first are read by a thread of their own while this
 * one parses the first (read-ahead.ts): the same records, problems and line numbers, in the
 * same order, as reading them all here; a missing table is skipped, an unreadable one fails alike.
 */
/**
 * A table at root/net/<name> that comes through a pipe, one part after another, half a
 * second apart; each part ends on a line end, as a read of /proc does. `written`: the
 * writer's exit code, once all is written.
 */
function pipedTable(root: string, name: string, parts: readonly string[][]): { path: string; written: Promise<unknown> } {
  const path = join(root, "net", name);
  expect(spawnSync("mkfifo", [path]).status).toBe(0);
  const files = parts.map((part, i) => {
    const file = join(root, `${name}-part${i}`);
    writeFileSync(file, `${part.join("\n")}\n`);
    return file;
  });
  const script = `exec > "$0"; ${files.map((_, i) => `cat "$${i + 1}"`).join("; sleep 0.5; ")}`;
  const writer = spawn("sh", ["-c", script, path, ...files], { stdio: "ignore" });
  return { path, written: new Promise((resolve) => writer.once("close", resolve)) };
}

describe("reading the later tables ahead in a thread", () => {
  const ahead = mkdtempSync(join(tmpdir(), "tcpstat-ahead-"));
  mkdirSync(join(ahead, "net"));
  writeFileSync(join(ahead, "net", "tcp"), lines.slice(0, 50).join("\n") + "\n");
  writeFileSync(join(ahead, "net", "udp"), text); // 6000 rows in pieces, no tcp6 or udp6
  afterAll(() => rmSync(ahead, { recursive: true, force: true }));
  const options = { protos: ["tcp", "udp"] as const, families: ["ipv4", "ipv6"] as const, owners: false };

  it("gives what reading them in this thread gives, piece boundaries and a missing table included", async () => {
    const here = readTables({ ...options, procRoot: ahead, etcRoot: ahead });
    const threaded = await readTablesAhead({ ...options, procRoot: ahead, etcRoot: ahead });
    const udp = parseProcNet(text, { proto: "udp", source: join(ahead, "net", "udp") });
    expect(threaded.records).toHaveLength(49 + 6001 - 6);
    expect(threaded.records.slice(49)).toEqual(udp.records);
    expect(threaded.problems.map((p) => `${p.source}:${p.line}`)).toEqual(udp.problems.map((p) => `${p.source}:${p.line}`));
    expect(threaded).toEqual(here);
  });

  it("reads a captured namespace's four tables alike", async () => {
    const etc = mkdtempSync(join(tmpdir(), "tcpstat-etc-"));
    try {
      const netRoot = join(import.meta.dirname, "../../../fixtures/linux-procfs/netns-states");
      const all = { protos: ["tcp", "udp"] as const, families: ["ipv4", "ipv6"] as const, owners: false, netRoot, etcRoot: etc };
      const threaded = await readTablesAhead(all);
      expect(threaded.records.map((r) => `${r.proto}${r.family === "ipv6" ? "6" : ""}`)).toEqual(
        expect.arrayContaining(["tcp", "tcp6", "udp", "udp6"]),
      );
      expect(threaded).toEqual(readTables(all));
    } finally {
      rmSync(etc, { recursive: true, force: true });
    }
  });

  it("paced (top), gives a turn after each piece it reads ahead, and the same records", async () => {
    // tcp is small (read at once), udp's 900 KiB are read ahead in 256 KiB pieces: the first
    // pace comes after udp's first piece, before the reading gives control back at all.
    const unpaced = await readTablesAhead({ ...options, procRoot: ahead, etcRoot: ahead });
    let paces = 0;
    let turns = 0;
    const pace = () => (paces++, new Promise<void>((resolve) => setImmediate(() => (turns++, resolve()))));
    const reading = readTablesAhead({ ...options, procRoot: ahead, etcRoot: ahead, pace });
    expect(paces).toBe(1);
    const paced = await reading;
    expect(paced).toEqual(unpaced);
    // Each piece read ahead and each piece parsed: four of udp's each, one of tcp.
    expect(turns).toBe(paces);
    expect(paces).toBeGreaterThanOrEqual(9);
  });

  it("hands the first table over to the thread at a line's start while reading it", async () => {
    // The first table comes through a pipe in three parts, half a second apart: this thread
    // reads the first two (the reader thread starts meanwhile), then hands the file over,
    // and the thread reads the third. Parts end on line ends, as reads of /proc do.
    const root = mkdtempSync(join(tmpdir(), "tcpstat-handover-"));
    try {
      mkdirSync(join(root, "net"));
      const { path: fifo, written } = pipedTable(root, "tcp", [lines.slice(0, 2000), lines.slice(2000, 4000), lines.slice(4000)]);
      const threaded = await readTablesAhead({ protos: ["tcp"], families: ["ipv4"], owners: false, procRoot: root, etcRoot: root });
      expect(await written).toBe(0);
      const whole = parseProcNet(`${lines.join("\n")}\n`, { proto: "tcp", source: fifo });
      expect(threaded.records).toHaveLength(6000 - 6);
      expect(threaded.records).toEqual(whole.records);
      expect(threaded.problems).toEqual(whole.problems);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("lets the thread read the first table from its start when it is up before this thread gets to it", async () => {
    // tcp6 comes through a pipe in two parts, half a second apart: this thread, reading it,
    // is still at it when the reader thread starts, and the thread takes tcp from its start.
    const root = mkdtempSync(join(tmpdir(), "tcpstat-taken-"));
    try {
      mkdirSync(join(root, "net"));
      writeFileSync(join(root, "net", "tcp"), text);
      const v6 = (i: number) => row(i).replace("0100007F:", "00000000000000000000000001000000:").replace("0100007F:", "00000000000000000000000001000000:");
      const v6lines = [HEADER, ...Array.from({ length: 3000 }, (_, i) => v6(i))];
      const { path: fifo, written } = pipedTable(root, "tcp6", [v6lines.slice(0, 1500), v6lines.slice(1500)]);
      const threaded = await readTablesAhead({ protos: ["tcp"], families: ["ipv4", "ipv6"], owners: false, procRoot: root, etcRoot: root });
      expect(await written).toBe(0);
      const tcp = parseProcNet(text, { proto: "tcp", source: join(root, "net", "tcp") });
      const tcp6 = parseProcNet(`${v6lines.join("\n")}\n`, { proto: "tcp", source: fifo });
      expect(tcp6.records).toHaveLength(3000);
      expect(threaded.records).toEqual([...tcp.records, ...tcp6.records]);
      expect(threaded.problems).toEqual(tcp.problems);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("reads 8 MiB of a later table ahead and the rest when its turn comes", async () => {
    const root = mkdtempSync(join(tmpdir(), "tcpstat-big-"));
    try {
      mkdirSync(join(root, "net"));
      writeFileSync(join(root, "net", "tcp"), text);
      const big = [HEADER, ...Array.from({ length: 64_000 }, (_, i) => row(i % 60_000))]; // 9.6 MB
      writeFileSync(join(root, "net", "udp"), `${big.join("\n")}\n`);
      const all = { protos: ["tcp", "udp"] as const, families: ["ipv4"] as const, owners: false, procRoot: root, etcRoot: root };
      const threaded = await readTablesAhead(all);
      expect(threaded.records).toHaveLength(6001 - 6 + 64_000);
      expect(threaded).toEqual(readTables(all));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("fails like the read in this thread when a later table cannot be read", async () => {
    mkdirSync(join(ahead, "net", "udp6"));
    try {
      const all = { protos: ["tcp", "udp"] as const, families: ["ipv4", "ipv6"] as const, owners: false, procRoot: ahead, etcRoot: ahead };
      expect(() => readTables(all)).toThrow(expect.objectContaining({ code: "EISDIR" }));
      await expect(readTablesAhead(all)).rejects.toMatchObject({ code: "EISDIR" });
    } finally {
      rmSync(join(ahead, "net", "udp6"), { recursive: true });
    }
  });

  it("fails like the read in this thread when the first table cannot be read, and reads on when it is missing", async () => {
    const root = mkdtempSync(join(tmpdir(), "tcpstat-first-"));
    try {
      mkdirSync(join(root, "net", "tcp"), { recursive: true }); // read here fails: the thread reads it again and says why
      writeFileSync(join(root, "net", "udp"), text);
      const all = { protos: ["tcp", "udp"] as const, families: ["ipv4"] as const, owners: false, procRoot: root, etcRoot: root };
      expect(() => readTables(all)).toThrow(expect.objectContaining({ code: "EISDIR" }));
      await expect(readTablesAhead(all)).rejects.toMatchObject({ code: "EISDIR" });
      rmSync(join(root, "net", "tcp"), { recursive: true }); // missing: the thread says so, and reads udp
      const threaded = await readTablesAhead(all);
      expect(threaded.records).toHaveLength(6001 - 6);
      expect(threaded).toEqual(readTables(all));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
