/**
 * Port numbers for the service names tools print when run without -n/-P (lsof `*:ssh`,
 * netstat `router:domain`): the common entries of the IANA registry as /etc/services spells them.
 * A name not listed stays unreadable and is reported, never guessed.
 */
const SERVICES: Readonly<Record<string, number>> = {
  ftp: 21, "ftp-data": 20, ssh: 22, telnet: 23, smtp: 25, time: 37, domain: 53, bootps: 67, bootpc: 68,
  tftp: 69, gopher: 70, finger: 79, http: 80, www: 80, kerberos: 88, pop3: 110, sunrpc: 111, auth: 113,
  nntp: 119, ntp: 123, epmap: 135, "netbios-ns": 137, "netbios-dgm": 138, "netbios-ssn": 139, imap: 143,
  imap2: 143, snmp: 161, "snmp-trap": 162, ldap: 389, https: 443, "microsoft-ds": 445, kpasswd: 464,
  isakmp: 500, syslog: 514, printer: 515, submission: 587, ipp: 631, ldaps: 636, rsync: 873, imaps: 993,
  pop3s: 995, socks: 1080, openvpn: 1194, "ms-sql-s": 1433, l2tp: 1701, pptp: 1723, radius: 1812,
  nfs: 2049, mysql: 3306, "ms-wbt-server": 3389, svn: 3690, sip: 5060, mdns: 5353, postgresql: 5432,
  "x11": 6000, "http-alt": 8080, "xmpp-client": 5222, amqp: 5672, redis: 6379, "webcache": 8080,
};

/** Port for a numeric or named port text, or undefined. */
export function servicePort(text: string): number | undefined {
  return SERVICES[text.toLowerCase()];
}
