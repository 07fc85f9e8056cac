import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { checkCanClose, closeConnections } from "../../../src/sources/linux-ss/close-connections.js";
import type { ExecRunner } from "../../../src/lib/exec.js";

/** checkCanClose on fake /proc trees: it reads the capability and the kernel's configuration, and says which is missing. */

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function fakeProc(capEff: string, config?: string): string {
  const root = mkdtempSync(join(tmpdir(), "tcpstat-proc-"));
  dirs.push(root);
  mkdirSync(join(root, "self"));
  writeFileSync(join(root, "self", "status"), `Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t${capEff}\n`);
  if (config !== undefined) writeFileSync(join(root, "config.gz"), gzipSync(config));
  return root;
}

const noSs: ExecRunner = () => Promise.reject(new Error("ss must not run"));

describe.runIf(process.platform === "linux")("checkCanClose", () => {
  it("without CAP_NET_ADMIN: the root line", async () => {
    await expect(checkCanClose({ procRoot: fakeProc("0000000000000000"), exec: noSs })).rejects.toThrow(/needs root \(CAP_NET_ADMIN\)/);
  });

  it("a kernel built without CONFIG_INET_DIAG_DESTROY: the kernel line", async () => {
    const procRoot = fakeProc("000001ffffffffff", "CONFIG_INET_DIAG=y\n# CONFIG_INET_DIAG_DESTROY is not set\n");
    await expect(checkCanClose({ procRoot, exec: noSs })).rejects.toThrow(/built without CONFIG_INET_DIAG_DESTROY/);
    // closeConnections checks the same way before running anything.
    await expect(closeConnections([], { procRoot, exec: noSs })).rejects.toThrow(/CONFIG_INET_DIAG_DESTROY/);
  });

  it("root and a kernel with it: no complaint, and ss is not run to find out", async () => {
    await expect(checkCanClose({ procRoot: fakeProc("000001ffffffffff", "CONFIG_INET_DIAG_DESTROY=y\n"), exec: noSs })).resolves.toBeUndefined();
  });
});
