import type { Example } from "./help.js";

/**
 * The examples of `tcpstat --help` and the man page: the netstat and ss commands people
 * already type, beside the tcpstat way. Each tcpstat line here is run by test/cli/help.test.ts.
 */
export const ROOT_EXAMPLES: readonly Example[] = [
  { what: "listening TCP sockets and their programs", netstat: "netstat -tlnp", ss: "ss -tlnp", tcpstat: "tcpstat -l" },
  { what: "every TCP and UDP socket, numeric, with owners", netstat: "netstat -tuanp", ss: "ss -tuanp", tcpstat: "tcpstat -tu" },
  {
    what: "connections stuck in CLOSE_WAIT",
    netstat: "netstat -tanp | grep CLOSE_WAIT",
    ss: "ss -tanp state close-wait",
    tcpstat: "tcpstat --state close-wait",
  },
  {
    what: "who talks to port 443 (either side)",
    netstat: "netstat -tanp | grep :443",
    ss: "ss -tanp | grep :443",
    tcpstat: "tcpstat --port 443",
  },
  { what: "sockets of one program", netstat: "netstat -tanp | grep nginx", ss: "ss -tanp | grep nginx", tcpstat: "tcpstat --process nginx" },
  { what: "IPv6 UDP listeners", netstat: "netstat -uln -A inet6", ss: "ss -6 -uln", tcpstat: "tcpstat -6 -ul" },
  { what: "retransmit and keepalive timers", netstat: "netstat -tano", ss: "ss -tano", tcpstat: "tcpstat -o" },
  { what: "JSON for scripts (its schema: tcpstat schema sockets)", tcpstat: "tcpstat --json --state established" },
];

/**
 * Examples of commands whose own file does not call addExamples() (yet): looked up by
 * command name. A command that calls addExamples(cmd, rows) itself replaces its entry here.
 */
export const FALLBACK_EXAMPLES: Readonly<Record<string, readonly Example[]>> = {
  // Filled in for every command that exists; see test/cli/help.test.ts, which fails on a command without examples.
};
