import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SocketRecordSchema } from "../../src/model/socket.js";
import { detectByteOrder } from "../../src/sources/replay-proc-net.js";
import { decodeCapture } from "../../src/lib/stream-input.js";
import { replayCapture, sniff } from "../../src/sources/replay.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Fixture folder -> the format its captures must be detected as (by file name where a folder holds several). */
const FORMATS: Record<string, (file: string) => string> = {
  "macos-netstat": () => "macos-netstat",
  lsof: (f) => (f.includes("-F-") ? "lsof-fields" : "lsof"),
  freebsd: (f) => (f.includes("sockstat") ? "freebsd-sockstat" : "freebsd-netstat"),
  "linux-netstat": () => "linux-netstat",
  "linux-ss": () => "linux-ss",
  "linux-procfs-bigendian": () => "linux-procfs",
};

function* captures(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* captures(path);
    else if (name.endsWith(".txt")) yield path;
  }
}

describe("golden fixtures: each capture replays into its hand-checked .json", () => {
  for (const [folder, format] of Object.entries(FORMATS)) {
    for (const path of captures(join(ROOT, "fixtures", folder))) {
      const rel = relative(ROOT, path);
      it(rel, () => {
        const text = readFileSync(path, "utf8");
        expect(sniff(text)?.name).toBe(format(rel));
        const result = replayCapture(text, { source: rel });
        expect(result.problems).toEqual([]);
        const expected = JSON.parse(readFileSync(path.replace(/\.txt$/, ".json"), "utf8"));
        expect(result.records).toEqual(expected);
        for (const r of result.records) SocketRecordSchema.parse(r);
      });
    }
  }
});

describe("/proc dump byte order", () => {
  it("is proven by loopback and private addresses in either order", () => {
    const row = (local: string, remote: string) => `   0: ${local} ${remote} 01 00000000:00000000 00:00000000 00000000     0        0 1 1 0 20 4 30 10 -1`;
    expect(detectByteOrder(row("0100007F:1F90", "0100007F:9E6E"))).toBe("LE");
    expect(detectByteOrder(row("7F000001:1F90", "7F000001:9E6E"))).toBe("BE");
    expect(detectByteOrder(row("C0A80101:0017", "C0A80180:7EEF"))).toBe("BE"); // 192.168.1.1 <- 192.168.1.128
    expect(detectByteOrder(row("0101A8C0:0017", "8001A8C0:7EEF"))).toBe("LE");
    expect(detectByteOrder(row("00000000000000000000000001000000:0016", "00000000000000000000000001000000:8000"))).toBe("LE"); // ::1
    expect(detectByteOrder(row("00000000000000000000000000000001:0016", "00000000000000000000000000000001:8000"))).toBe("BE");
    expect(detectByteOrder(row("00000000:0016", "00000000:0000"))).toBeUndefined();
  });

  it("--byte-order overrides what the addresses say", () => {
    const text = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5 1 0 100 0 0 10 0\n";
    expect(replayCapture(text, { source: "t" }).records[0]!.localAddress).toBe("127.0.0.1");
    expect(replayCapture(text, { source: "t", byteOrder: "BE" }).records[0]!.localAddress).toBe("1.0.0.127");
  });

  it("tells tcp from udp and v4 from v6 by content in a concatenated dump", () => {
    const text = readFileSync(join(ROOT, "fixtures/linux-procfs-bigendian/x86_64-le/proc-net-tcp-tcp6-udp-udp6.txt"), "utf8");
    const r = replayCapture(text, { source: "t" });
    expect(r.records.map((x) => `${x.proto}/${x.family}`)).toEqual(["tcp/ipv4", "tcp/ipv4", "tcp/ipv4", "tcp/ipv6", "udp/ipv4", "udp/ipv6"]);
    expect(r.verbose).toBe("input format: linux-procfs (detected); little-endian, detected from the addresses");
  });
});

describe("replayCapture", () => {
  it("names the formats it reads when nothing is recognizable, and says when the input is empty", () => {
    expect(() => replayCapture("hello\nworld\n", { source: "notes.txt" })).toThrow(/could not recognize the format of notes.txt/);
    try {
      replayCapture("hello", { source: "notes.txt" });
    } catch (e) {
      // One short line: the closest formats, and where the whole list is.
      expect((e as Error).message).toMatch(/^could not recognize the format of notes.txt \(closest: [\w-]+, [\w-]+, [\w-]+\)$/);
      expect((e as { hint: string }).hint).toBe("name one with --input-format; tcpstat --input-format help lists them all");
    }
    expect(() => replayCapture("\n  \n", { source: "empty.txt" })).toThrow("empty.txt is empty: there is nothing to replay");
  });

  it("--input-format overrides detection; an unknown name is a usage error", () => {
    const r = replayCapture("tcp4 0 0 *.22 *.* LISTEN\n", { source: "x", format: "freebsd-netstat" });
    expect(r.format).toBe("freebsd-netstat");
    expect(r.verbose).toBe("input format: freebsd-netstat (as given by --input-format)");
    expect(() => replayCapture("x", { source: "x", format: "nope" })).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});

describe("decodeCapture", () => {
  it("honours UTF-16 and UTF-8 byte order marks, keeps invalid UTF-8 bytes as latin1", () => {
    const text = "Proto Recv-Q\n";
    expect(decodeCapture(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]))).toBe(text);
    expect(decodeCapture(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))).toBe(text);
    expect(decodeCapture(Buffer.from("ABHÖREN"))).toBe("ABHÖREN");
    expect(decodeCapture(Buffer.from([0x41, 0x42, 0x48, 0x99]))).toBe("ABH\u0099");
  });
});
