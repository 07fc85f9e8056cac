/**
 * The fix doctor gives for each of its rules, in one place: doctor's findings and the
 * Prometheus alerts (`tcpstat rules`) both quote it. A fix that names the program or the
 * peer takes it as an argument: doctor passes what it read, the alert rules a label template.
 */
export const FIXES = {
  "close-wait": (program: string) =>
    `Fix ${program} so every code path closes its sockets (finally/defer/try-with-resources, close response bodies, return pooled connections). A restart frees them only until the leak fills them again. Details: tcpstat explain close-wait.`,
  "time-wait": () =>
    "Reuse connections (HTTP keep-alive, a connection pool) instead of one connection per request; for outgoing connections allow net.ipv4.tcp_tw_reuse=1 and widen net.ipv4.ip_local_port_range. Details: tcpstat explain time-wait.",
  "syn-recv": () =>
    "Keep net.ipv4.tcp_syncookies=1; raise net.ipv4.tcp_max_syn_backlog and the listen() backlog; make the server accept faster; if the sources look hostile, filter or rate-limit them upstream. Details: tcpstat explain syn-recv.",
  "accept-queue": (server: string) =>
    `Make ${server} accept faster (more workers, nothing blocking the accept loop) and raise the backlog passed to listen() along with net.core.somaxconn. Details: tcpstat explain listen.`,
  "listen-overflows": () =>
    "Watch `tcpstat -l --watch 1` for a LISTEN socket whose Recv-Q reaches its Send-Q; raise that listen() backlog and net.core.somaxconn, and make the program accept faster.",
  "syn-sent": (address: string, port: string) =>
    `Test the peer by hand (nc -vz ${address} ${port}); fix the firewall, route or server; give clients a shorter connect timeout. Details: tcpstat explain syn-sent.`,
  /** `holder`: the local process holding the other end, as "name (pid N), which holds the other end," when known. */
  "fin-wait2": (peer: string, holder?: string) =>
    `Fix ${holder ?? `the program at the ${peer}`} so it closes connections when it reads end-of-file; on this side call close() rather than only shutdown() when done, so tcp_fin_timeout can reclaim them. Details: tcpstat explain fin-wait2.`,
  "last-ack": () =>
    "Check loss and retransmissions on the path (tcpstat stats --interval 5); lowering net.ipv4.tcp_orphan_retries frees them sooner. Details: tcpstat explain last-ack.",
  retransmits: (peer: string) =>
    `Check the path to ${peer} (mtr, ping) and the peer itself; these connections fail once net.ipv4.tcp_retries2 is exhausted (about 15 minutes by default).`,
  "retrans-rate": () =>
    "Find the connections with `tcpstat -o` (retransmit timers with retries) and check those paths; `tcpstat stats --interval 5` shows which loss counters move.",
  ephemeral: () =>
    "Reuse connections (keep-alive, pools); widen net.ipv4.ip_local_port_range; allow net.ipv4.tcp_tw_reuse=1; spread load over more destination addresses or ports.",
} as const;
