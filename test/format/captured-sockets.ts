import { readFileSync } from "node:fs";
import type { SocketRecord } from "../../src/model/socket.js";
import { parseProcNet } from "../../src/sources/linux-procfs/parse-proc-net.js";

/**
 * Sockets captured on this machine (fixtures/linux-procfs/netns-states), and the same with
 * owners whose names are wide, combining or hostile: what the layout tests draw.
 */
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/linux-procfs/netns-states/${name}`, import.meta.url), "latin1");

export const captured: SocketRecord[] = [
  ...parseProcNet(fixture("tcp"), { proto: "tcp" }).records,
  ...parseProcNet(fixture("tcp6"), { proto: "tcp" }).records,
  ...parseProcNet(fixture("udp"), { proto: "udp" }).records,
];

export const NAMES = ["nginx", "日本語サーバ", "evil\u001b[2J", "e\u0301clair", "🚀rocket", "postgres"];

export const withOwners = captured.map((r, i) => (i % 3 === 0 ? r : { ...r, pid: 100 + i, process: NAMES[i % NAMES.length]! }));

/** cli-table3's characters for a table without borders, columns joined by `middle`. */
export const borderless = (middle: string) => ({
  top: "", "top-mid": "", "top-left": "", "top-right": "",
  bottom: "", "bottom-mid": "", "bottom-left": "", "bottom-right": "",
  left: "", "left-mid": "", mid: "", "mid-mid": "", right: "", "right-mid": "",
  middle,
});
