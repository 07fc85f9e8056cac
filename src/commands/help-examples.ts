/** One example of a command: the tcpstat way, beside the netstat and ss commands people know. */
export interface Example {
  /** What the example is for, in a few words. */
  what: string;
  netstat?: string;
  ss?: string;
  tcpstat: string;
}

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
    // The space after the port: a bare ":443" also matches port 44321.
    netstat: "netstat -tanp | grep ':443 '",
    ss: "ss -tanp '( sport = :443 or dport = :443 )'",
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
  summary: [
    { what: "sockets per state", netstat: "netstat -tan | awk '{print $6}' | sort | uniq -c", ss: "ss -s", tcpstat: "tcpstat summary" },
    { what: "connections per remote address", netstat: "netstat -tn | awk '{print $5}' | sort | uniq -c", tcpstat: "tcpstat summary --by remote" },
    { what: "the ports with the most sockets", tcpstat: "tcpstat summary --by port --top 5" },
    { what: "one key=value line for logs and monitoring", tcpstat: "tcpstat summary --oneline" },
    { what: "live counts, changes marked", netstat: "watch -n 2 'netstat -tan | wc -l'", ss: "watch -n 2 ss -s", tcpstat: "tcpstat summary --watch 2" },
  ],
  stats: [
    { what: "kernel TCP/UDP counters", netstat: "netstat -s", tcpstat: "tcpstat stats" },
    { what: "every counter by its nstat name (like nstat -az)", tcpstat: "tcpstat stats -a" },
    { what: "rates per second over 5 seconds (like nstat in a loop)", tcpstat: "tcpstat stats --interval 5" },
    { what: "for scripts", tcpstat: "tcpstat stats --json" },
  ],
  explain: [
    { what: "what CLOSE_WAIT means, why many pile up, what to do", tcpstat: "tcpstat explain close-wait" },
    { what: "the state diagram with live counts", tcpstat: "tcpstat explain" },
    { what: "in French (or zh)", tcpstat: "tcpstat explain time-wait --lang fr" },
    { what: "the three-way handshake, segment by segment", tcpstat: "tcpstat explain handshake" },
    { what: "the four-way close, in Chinese", tcpstat: "tcpstat explain teardown --lang zh" },
  ],
  doctor: [
    { what: "look for CLOSE_WAIT leaks, TIME_WAIT churn, SYN floods, full accept queues", tcpstat: "tcpstat doctor" },
    { what: "a stricter CLOSE_WAIT threshold", tcpstat: "tcpstat doctor --threshold close-wait=3" },
    { what: "in a cron job or health check: exit 3 when something is found", tcpstat: "tcpstat doctor -q --json > doctor.json" },
  ],
  lab: [
    { what: "the experiments there are", tcpstat: "tcpstat lab" },
    { what: "connect, accept, close, narrated with every transition (root)", tcpstat: "tcpstat lab handshake" },
    { what: "what a killed server leaves: FIN_WAIT2 owned by nobody, CLOSE_WAIT", tcpstat: "tcpstat lab server-ctrl-c" },
  ],
  metrics: [
    { what: "Prometheus text: sockets by state, listeners, owners, counters", tcpstat: "tcpstat metrics" },
    { what: "for node_exporter's textfile collector", tcpstat: "tcpstat metrics --output /var/lib/node_exporter/tcpstat.prom" },
  ],
  serve: [
    { what: "a /metrics endpoint on 127.0.0.1:9717", tcpstat: "tcpstat serve" },
    { what: "reachable by a Prometheus on another host", tcpstat: "tcpstat serve --listen 0.0.0.0:9717" },
  ],
};
