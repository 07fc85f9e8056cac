// The floor of a Node listing with owners: the least a Node program can do for `netstat -tanp`'s
// answer. It reads /proc/net/tcp and tcp6 as text, finds each socket's process through
// /proc/<pid>/fd (stopping once all are found) and prints a line per socket, unsorted and
// unaligned: no command line, no checks, no colour. What tcpstat takes beyond this row is
// its own cost; what this row takes beyond `node -e 0` no Node CLI can avoid. CommonJS, so
// that node starts it without its ES module loader, as it starts tcpstat.
"use strict";
const { readdirSync, readFileSync, readlinkSync, writeSync } = require("node:fs");

const sockets = [];
for (const table of ["tcp", "tcp6"]) {
  const lines = readFileSync(`/proc/net/${table}`, "latin1").split("\n");
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i].trim().split(/\s+/);
    if (f.length >= 10) sockets.push({ local: f[1], remote: f[2], state: f[3], inode: f[9] });
  }
}
const missing = new Set(sockets.map((s) => s.inode).filter((inode) => inode !== "0"));
const owner = new Map();
for (const pid of readdirSync("/proc")) {
  if (missing.size === 0) break;
  if (pid < "0" || pid > "9") continue;
  let fds;
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    continue; // gone, or not ours to read
  }
  for (const fd of fds) {
    let link;
    try {
      link = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    if (!link.startsWith("socket:[")) continue;
    const inode = link.slice(8, -1);
    if (missing.delete(inode)) owner.set(inode, pid);
  }
}
let out = "";
for (const s of sockets) out += `${s.local} ${s.remote} ${s.state} ${owner.get(s.inode) ?? "-"}\n`;
writeSync(1, out);
