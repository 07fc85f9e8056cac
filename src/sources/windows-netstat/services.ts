import { readPort } from "../text-endpoint.js";

/**
 * Port numbers for the service names netstat prints without -n ("router:domain", "api:https").
 * Windows reads them from %SystemRoot%\System32\drivers\etc\services; these are the entries of
 * that file (which follows the IANA registry) that netstat output commonly shows.
 */
const WINDOWS_SERVICES: Readonly<Record<string, number>> = {
  echo: 7,
  discard: 9,
  daytime: 13,
  qotd: 17,
  chargen: 19,
  "ftp-data": 20,
  ftp: 21,
  ssh: 22,
  telnet: 23,
  smtp: 25,
  time: 37,
  nameserver: 42,
  nicname: 43,
  domain: 53,
  bootps: 67,
  bootpc: 68,
  tftp: 69,
  gopher: 70,
  finger: 79,
  http: 80,
  kerberos: 88,
  hostname: 101,
  "iso-tsap": 102,
  pop3: 110,
  sunrpc: 111,
  auth: 113,
  nntp: 119,
  ntp: 123,
  epmap: 135,
  "netbios-ns": 137,
  "netbios-dgm": 138,
  "netbios-ssn": 139,
  imap: 143,
  snmp: 161,
  snmptrap: 162,
  bgp: 179,
  irc: 194,
  ldap: 389,
  https: 443,
  "microsoft-ds": 445,
  kpasswd: 464,
  isakmp: 500,
  printer: 515,
  rtsp: 554,
  "http-rpc-epmap": 593,
  ldaps: 636,
  "kerberos-adm": 749,
  ftps: 990,
  imaps: 993,
  pop3s: 995,
  "ms-sql-s": 1433,
  "ms-sql-m": 1434,
  wins: 1512,
  l2tp: 1701,
  pptp: 1723,
  radius: 1812,
  radacct: 1813,
  ssdp: 1900,
  nfsd: 2049,
  qwave: 2177,
  icslap: 2869,
  "msft-gc": 3268,
  "msft-gc-ssl": 3269,
  "ms-wbt-server": 3389,
  teredo: 3544,
  "ws-discovery": 3702,
  "ipsec-msft": 4500,
  llmnr: 5355,
  wsd: 5357,
};

/** Port for a numeric or named port text; undefined when neither. */
export function portNumber(text: string): number | undefined {
  const port = readPort(text);
  // "*" (null) is no port here; digits past 65535 (undefined) name no service either.
  if (port !== undefined) return port ?? undefined;
  return WINDOWS_SERVICES[text.toLowerCase()];
}
