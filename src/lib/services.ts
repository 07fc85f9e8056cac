/**
 * Service names for port numbers, as tools print them when run without -n (`*:ssh`,
 * `localhost:ipp`, `[::]:http-alt`, `router:domain`): the services database, which is
 * /etc/services on Unix and %SystemRoot%\System32\drivers\etc\services on Windows.
 *
 * WELL_KNOWN_SERVICES is built in for machines without that file: the names of the IANA
 * registry (https://www.iana.org/assignments/service-names-port-numbers) that captures commonly
 * show, spelled and aliased as netbase's /etc/services and Windows' services file spell them.
 * A name in neither stays unknown and the row that carries it is reported, never guessed.
 *
 *   servicePort("http-alt")                 -> 8080
 *   servicePort("syslog", "udp")            -> 514
 *   parseServices("ssh 22/tcp\nwww 80/tcp http\n").get("http") -> 80
 */

/** Port of a name, by `name/proto` (an entry for one protocol) or `name` (any). A Map satisfies it. */
export interface ServiceTable {
  get(key: string): number | undefined;
}

const WELL_KNOWN: Readonly<Record<string, number>> = {
  tcpmux: 1, echo: 7, discard: 9, systat: 11, daytime: 13, netstat: 15, qotd: 17, chargen: 19,
  "ftp-data": 20, ftp: 21, ssh: 22, telnet: 23, smtp: 25, time: 37, nameserver: 42, whois: 43, nicname: 43,
  tacacs: 49, "re-mail-ck": 50, domain: 53, bootps: 67, bootpc: 68, tftp: 69, gopher: 70, finger: 79,
  http: 80, www: 80, "www-http": 80, kerberos: 88, "kerberos5": 88, hostname: 101, "iso-tsap": 102,
  pop2: 109, pop3: 110, sunrpc: 111, portmapper: 111, auth: 113, ident: 113, sftp: 115, nntp: 119,
  ntp: 123, epmap: 135, loc: 135, "netbios-ns": 137, "netbios-dgm": 138, "netbios-ssn": 139, imap: 143,
  imap2: 143, snmp: 161, "snmp-trap": 162, snmptrap: 162, "xdmcp": 177, bgp: 179, irc: 194, smux: 199,
  imap3: 220, ldap: 389, svrloc: 427, https: 443, "microsoft-ds": 445, kpasswd: 464, submissions: 465,
  urd: 465, ssmtp: 465, smtps: 465, isakmp: 500, exec: 512, biff: 512, login: 513, who: 513, shell: 514,
  syslog: 514, printer: 515, talk: 517, ntalk: 518, route: 520, router: 520, timed: 525, tempo: 526,
  uucp: 540, klogin: 543, kshell: 544, "dhcpv6-client": 546, "dhcpv6-server": 547, afpovertcp: 548,
  rtsp: 554, nntps: 563, submission: 587, "http-rpc-epmap": 593, ipp: 631, ldaps: 636, "kerberos-adm": 749,
  "kerberos-iv": 750, rsync: 873, ftps: 990, "ftps-data": 989, telnets: 992, imaps: 993, pop3s: 995,
  socks: 1080, openvpn: 1194, "ms-sql-s": 1433, "ms-sql-m": 1434, wins: 1512, ingreslock: 1524,
  "radius-old": 1645, l2tp: 1701, l2f: 1701, pptp: 1723, radius: 1812, "radius-acct": 1813, radacct: 1813,
  ssdp: 1900, nfs: 2049, nfsd: 2049, "cvspserver": 2401, qwave: 2177, icslap: 2869, "msft-gc": 3268,
  "msft-gc-ssl": 3269, mysql: 3306, "ms-wbt-server": 3389, teredo: 3544, svn: 3690, "ws-discovery": 3702,
  "ipsec-msft": 4500, "ipsec-nat-t": 4500, sip: 5060, "sip-tls": 5061, "xmpp-client": 5222,
  "xmpp-server": 5269, mdns: 5353, llmnr: 5355, wsd: 5357, postgresql: 5432, postgres: 5432, amqp: 5672,
  "x11": 6000, "x11-1": 6001, "x11-2": 6002, "x11-6": 6006, redis: 6379, "sane-port": 6566, "ircd": 6667,
  "http-alt": 8080, webcache: 8080, "tproxy": 8081, "http-alt-2": 8008, "https-alt": 8443, "pcsync-https": 8443,
  git: 9418, "zabbix-agent": 10050, "zabbix-trapper": 10051, mongodb: 27017, amanda: 10080, memcache: 11211,
  "hkp": 11371, bacula_dir: 9101, bacula_fd: 9102, bacula_sd: 9103, "nut": 3493, "iscsi-target": 3260,
  "kerberos-master": 751, "passwd_server": 752, distcc: 3632, "daap": 3689, munin: 4949, rwhois: 4321,
  epmd: 4369, "puppet": 8140, "bitcoin": 8333, "silc": 706, "gds-db": 3050, gds_db: 3050, "icpv2": 3130,
  "mysql-proxy": 6446, "asp": 27374, "webmin": 10000, "ndmp": 10000, "x11-ssh-offset": 6010,
};

export const WELL_KNOWN_SERVICES: ServiceTable = new Map(Object.entries(WELL_KNOWN));

/**
 * A services file (`name port/proto [aliases...] [# comment]`) as a table: each name and alias
 * under `name/proto` and, for the first protocol that lists it, under `name`.
 */
export function parseServices(text: string): Map<string, number> {
  const table = new Map<string, number>();
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    const m = /^(\S+)\s+(\d{1,5})\/(\w+)(.*)$/.exec(line);
    if (!m) continue;
    const port = Number(m[2]);
    if (port > 65535) continue;
    const proto = (m[3] as string).toLowerCase();
    for (const name of [m[1] as string, ...(m[4] as string).trim().split(/\s+/).filter(Boolean)]) {
      const key = name.toLowerCase();
      table.set(`${key}/${proto}`, port);
      if (!table.has(key)) table.set(key, port);
    }
  }
  return table;
}

/** Port of a service name, for `proto` when given; the built-in table unless another is passed. */
export function servicePort(name: string, proto?: string, table: ServiceTable = WELL_KNOWN_SERVICES): number | undefined {
  const key = name.toLowerCase();
  return (proto === undefined ? undefined : table.get(`${key}/${proto}`)) ?? table.get(key) ?? (table === WELL_KNOWN_SERVICES ? undefined : WELL_KNOWN_SERVICES.get(key));
}

/**
 * A table read from a services file on first use (tcpstat reads only when a capture names a
 * port), falling back to the built-in names for a name the file lacks or when it is absent.
 * `read` returns the file's text or undefined; it is the only I/O, passed in by the caller.
 */
export function lazyServices(read: () => string | undefined): ServiceTable {
  let table: Map<string, number> | undefined;
  return {
    get(key) {
      if (!table) {
        let text: string | undefined;
        try {
          text = read();
        } catch {
          text = undefined;
        }
        table = text === undefined ? new Map() : parseServices(text);
      }
      return table.get(key) ?? WELL_KNOWN_SERVICES.get(key.replace(/\/\w+$/, ""));
    },
  };
}

/**
 * Port numbers to names, for -r/--resolve: the first name a services file lists for each
 * `port/proto`, then the built-in names (the first spelled for a port) where it has none.
 *
 *   serviceNames("http 80/tcp www\n").get("80/tcp") -> "http"
 */
export function serviceNames(text: string | undefined): Map<string, string> {
  const names = new Map<string, string>();
  for (const raw of (text ?? "").split("\n")) {
    const m = /^(\S+)\s+(\d{1,5})\/(\w+)/.exec(raw.replace(/#.*/, "").trim());
    if (!m) continue;
    const key = `${Number(m[2])}/${(m[3] as string).toLowerCase()}`;
    if (!names.has(key)) names.set(key, m[1] as string);
  }
  for (const [name, port] of Object.entries(WELL_KNOWN))
    for (const proto of ["tcp", "udp"]) if (!names.has(`${port}/${proto}`)) names.set(`${port}/${proto}`, name);
  return names;
}
