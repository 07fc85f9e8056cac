// What the benchmark times. `owners` says whether the command names owning processes,
// which decides the baseline it is compared with (ss -tanp / netstat -tanp, or ss -tan / netstat -tan).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../bin/tcpstat.cjs", import.meta.url));
const SI = fileURLToPath(new URL("./si-connections.mjs", import.meta.url));
const FLOOR = fileURLToPath(new URL("./floor-reader.cjs", import.meta.url));
const node = process.execPath;
const tcpstat = (...args) => [node, BIN, ...args];
/** An ss filter expression over the load's sockets (its server listens on 20000), as issue 18 times it. */
export const FILTER = ["state", "established", "(", "dport", "=", ":20000", "or", "sport", "=", ":20000", ")"];

const ALL = [
  { name: "tcpstat -t", argv: tcpstat("-t"), owners: true },
  { name: "tcpstat -t --json", argv: tcpstat("-t", "--json"), owners: true },
  { name: "tcpstat -t --ndjson", argv: tcpstat("-t", "--ndjson"), owners: true },
  { name: "tcpstat -t --no-owners", argv: tcpstat("-t", "--no-owners"), owners: false },
  { name: "tcpstat -t --json --no-owners", argv: tcpstat("-t", "--json", "--no-owners"), owners: false },
  { name: "tcpstat summary", argv: tcpstat("summary"), owners: false, needs: "summary" },
  { name: "tcpstat summary --by process", argv: tcpstat("summary", "--by", "process"), owners: true, needs: "summary" },
  { name: "tcpstat --version", argv: tcpstat("--version"), owners: false },
  // Issue 18: -i's tcp_info, against ss's own -i (with and without owners), and a filter expression.
  { name: "tcpstat -i", argv: tcpstat("-i"), owners: true, needs: "ss" },
  { name: "tcpstat -i --json", argv: tcpstat("-i", "--json"), owners: true, needs: "ss" },
  { name: "tcpstat -i --no-owners", argv: tcpstat("-i", "--no-owners"), owners: false, needs: "ss" },
  { name: "tcpstat -i --no-owners FILTER", argv: tcpstat("-i", "--no-owners", ...FILTER), owners: false, needs: "ss" },
  { name: "ss -tinOH", argv: ["ss", "-tinOH"], owners: false, needs: "ss" },
  { name: "ss -tinOHp", argv: ["ss", "-tinOHp"], owners: true, needs: "ss" },
  { name: "ss -tan", argv: ["ss", "-tan"], owners: false, needs: "ss" },
  { name: "ss -tanp", argv: ["ss", "-tanp"], owners: true, needs: "ss" },
  { name: "netstat -tan", argv: ["netstat", "-tan"], owners: false, needs: "netstat" },
  { name: "netstat -tanp", argv: ["netstat", "-tanp"], owners: true, needs: "netstat" },
  { name: "systeminformation", argv: [node, SI], owners: true },
  { name: "cat /proc/net/tcp{,6}", argv: ["cat", "/proc/net/tcp", "/proc/net/tcp6"], owners: false },
  // What starting a small program costs: `cat` above takes this plus the kernel's printing.
  { name: "true", argv: ["true"], owners: false },
  { name: "node -e 0", argv: [node, "-e", "0"], owners: false },
  { name: "node floor reader", argv: [node, FLOOR], owners: true },
];

const available = (cmd, args) => spawnSync(cmd, args, { stdio: "ignore" }).status === 0;

/**
 * The commands this machine can run, in a fixed order; `only` (a regular expression)
 * keeps a subset for quick runs. Missing tools are named once on stderr, never silently dropped.
 */
export function suite(only) {
  const have = {
    summary: available(node, [BIN, "summary", "--help"]),
    ss: available("ss", ["-V"]),
    netstat: available("netstat", ["--version"]),
  };
  const missing = ALL.filter((c) => c.needs && !have[c.needs]);
  for (const c of missing) process.stderr.write(`bench: skipping '${c.name}': ${c.needs} is not available\n`);
  return ALL.filter((c) => !missing.includes(c) && (!only || new RegExp(only).test(c.name)));
}
