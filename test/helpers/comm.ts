import { readFileSync } from "node:fs";

/**
 * A process's name as the kernel keeps it (what ss and netstat print).
 * Node's own name varies by version: "node" on 20 and 22, "MainThread" on 24, "node-MainThread" on 26.
 */
function commOf(pid: number): string {
  return readFileSync(`/proc/${pid}/comm`, "utf8").trimEnd();
}

let nodeName: string | undefined;

/** The name a Node process of the running version has (tests that spawn node expect it). */
export function nodeComm(): string {
  nodeName ??= commOf(process.pid);
  return nodeName;
}
