import { describe, expect, it } from "vitest";
import { collectTcpInfoOf, portFilter } from "../../../src/sources/linux-ss/collect-info-of.js";

describe("collectTcpInfoOf: tcp_info of a few connections, by a port filter ss gives the kernel", () => {
  it("asks each connection by its two ports", () => {
    expect(portFilter([{ localPort: 43428, remotePort: 5000 }, { localPort: 5000, remotePort: 43428 }]).join(" ")).toBe(
      "( sport = :43428 and dport = :5000 ) or ( sport = :5000 and dport = :43428 )",
    );
  });

  it("runs one ss for each 16 connections, each asked once, and joins their lines by inode", async () => {
    const runs: string[][] = [];
    const pairs = Array.from({ length: 40 }, (_, i) => ({ localPort: 1000 + (i % 34), remotePort: 80 }));
    const store = await collectTcpInfoOf(pairs, {
      lines: async (cmd, args, onLine) => {
        runs.push([cmd, ...args]);
        const port = Number(args[args.indexOf("sport") + 2]!.slice(1));
        onLine(`ESTAB 0 0 127.0.0.1:${port} 127.0.0.1:80 ino:${port} sk:1 cgroup:/ <-> ts sack cubic rto:204 bytes_acked:${port} bytes_received:7`);
      },
    });
    // 34 distinct connections: 16 + 16 + 2.
    expect(runs.map((r) => r.filter((w) => w === "sport").length)).toEqual([16, 16, 2]);
    expect(runs.every((r) => r[0] === "ss" && r[1] === "-tainHOe")).toBe(true);
    expect(store.get(1000)).toMatchObject({ bytesAcked: 1000, bytesReceived: 7 });
    expect(store.get(1016)).toMatchObject({ bytesAcked: 1016 });
  });
});
