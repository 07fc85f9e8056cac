import { isIPv4 } from "node:net";
import { usageError, type TcpstatError } from "../errors.js";
import { TCP_STATES, type TcpState } from "../model/state.js";
import { ipv6Bytes } from "./endpoint.js";
import { parseStates, type FilterSubject } from "./filter.js";
import { servicePort, type ServiceTable } from "./services.js";

/**
 * ss's filter language (ss(8) "FILTER", iproute2 misc/ssfilter.y), typed after the options:
 *
 *   state established '( dport = :443 or sport = :https )'
 *   exclude time-wait dst 10.0.0.0/8
 *   src [::1] and sport gt :1024
 *
 * `state`/`exclude` words come first (each `state` adds, each `exclude` takes away from all);
 * then an expression of conditions joined by `and`/`&`/`&&`, `or`/`|`/`||` or nothing (and),
 * read left to right with one precedence as ss reads them, `not`/`!` and parentheses.
 * Conditions: `src|dst [=|!=] HOST`, `sport|dport OP PORT` with OP one of = == eq, != ne neq,
 * < lt, <= le leq, > gt, >= ge geq (or none: =). HOST is `1.2.3.4`, `10.0.0.0/8`, `[::1]`,
 * `[2001:db8::]/32`, `::1/128`, `*`, each with an optional `:port`; PORT is `:443`, `443`,
 * `:https` or `*`. Matching follows the kernel's inet_diag bytecode (net/ipv4/inet_diag.c):
 * an IPv4 prefix also matches IPv4-mapped IPv6 sockets, an IPv6 prefix never an IPv4 socket;
 * a socket without a peer has the peer address 0 and port 0 there.
 *
 * The expression is parsed once into closures; matching a socket parses each distinct address
 * text once (a cache), so a filter costs little per row.
 */

export interface SsFilter {
  /** From `state`/`exclude`; undefined when neither was typed. */
  states?: Set<TcpState>;
  /** The expression; undefined when there was none. */
  match?: (s: FilterSubject) => boolean;
}

type Pred = (s: FilterSubject) => boolean;

/** First words that make the operands a filter rather than a command name. */
const STARTS = new Set(["state", "exclude", "excl", "src", "dst", "sport", "dport", "not", "!", "(", "dev", "fwmark", "cgroup", "autobound"]);

/** True when the first operand opens a filter expression (`tcpstat state listening`, `tcpstat '( sport = :22 )'`). */
export function isFilterStart(operand: string): boolean {
  const first = tokenize([operand])[0];
  return first !== undefined && STARTS.has(first.toLowerCase());
}

/** Whitespace-separated words; parentheses are words of their own even when typed against another. */
function tokenize(words: readonly string[]): string[] {
  return words.flatMap((w) => w.replace(/[()]/g, " $& ").split(/\s+/)).filter((t) => t !== "");
}

const OPS: Readonly<Record<string, "=" | "!=" | "<" | "<=" | ">" | ">=">> = {
  "=": "=", "==": "=", eq: "=",
  "!=": "!=", ne: "!=", neq: "!=",
  "<": "<", lt: "<",
  "<=": "<=", le: "<=", leq: "<=",
  ">": ">", gt: ">",
  ">=": ">=", ge: ">=", geq: ">=",
};
const AND = new Set(["and", "&", "&&"]);
const OR = new Set(["or", "|", "||"]);
const NOT = new Set(["not", "!"]);

/** An address prefix: its family, bytes and length in bits. */
interface Prefix {
  family: "ipv4" | "ipv6";
  bytes: Uint8Array;
  bits: number;
}

/** The bytes of a socket's address text, parsed once per distinct text. */
class AddressCache {
  private readonly cache = new Map<string, Uint8Array>();
  private static readonly ZERO4 = new Uint8Array(4);
  private static readonly ZERO6 = new Uint8Array(16);

  bytes(text: string | null, family: "ipv4" | "ipv6"): Uint8Array {
    if (text === null) return family === "ipv4" ? AddressCache.ZERO4 : AddressCache.ZERO6;
    let b = this.cache.get(text);
    if (b === undefined) {
      b = (family === "ipv4" ? ipv4Bytes(text) : ipv6Bytes(text)) ?? (family === "ipv4" ? AddressCache.ZERO4 : AddressCache.ZERO6);
      if (this.cache.size > 100_000) this.cache.clear();
      this.cache.set(text, b);
    }
    return b;
  }
}

function ipv4Bytes(text: string): Uint8Array | null {
  if (!isIPv4(text)) return null;
  return Uint8Array.from(text.split(".").map(Number));
}

function bitsMatch(addr: Uint8Array, at: number, prefix: Uint8Array, bits: number): boolean {
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (addr[at + i] !== prefix[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((addr[at + whole]! ^ prefix[whole]!) & mask) === 0;
}

const isMapped = (a: Uint8Array) => a.length === 16 && a.subarray(0, 10).every((x) => x === 0) && a[10] === 0xff && a[11] === 0xff;

/** Reads the words into an SsFilter, or throws a usage error naming the word it could not read. */
export function parseSsFilter(words: readonly string[], services: ServiceTable): SsFilter {
  const tokens = tokenize(words);
  const text = tokens.join(" ");
  let i = 0;
  const fail = (why: string, hint: string, at = i): TcpstatError => {
    const word = tokens[at];
    return usageError(word === undefined ? `filter '${text}' ends too early: ${why}` : `filter '${text}': cannot read '${word}' (word ${at + 1}): ${why}`, hint);
  };
  const cache = new AddressCache();

  // state/exclude first, as ss reads them.
  let states: Set<TcpState> | undefined;
  while (tokens[i] === "state" || tokens[i] === "exclude" || tokens[i] === "excl") {
    const keyword = tokens[i++]!;
    const word = tokens[i];
    if (word === undefined) throw fail("a state name is missing", "e.g. state established, state connected, exclude time-wait");
    let these: Set<TcpState>;
    try {
      these = parseStates([word.replace(/,/g, " ")]);
    } catch (error) {
      throw fail(`unknown state`, (error as TcpstatError).hint ?? "");
    }
    if (keyword === "state") {
      states ??= new Set();
      these.forEach((s) => states!.add(s));
    } else {
      states ??= new Set(TCP_STATES);
      these.forEach((s) => states!.delete(s));
    }
    i++;
  }

  const port = (word: string, at: number, anyOk: boolean): number => {
    const p = word.startsWith("*:") ? word.slice(2) : word.startsWith(":") ? word.slice(1) : word;
    if (p === "*" || p === "") {
      if (anyOk) return -1;
      throw fail("a port is needed here", "e.g. sport > :1024", at);
    }
    if (/^\d+$/.test(p)) {
      const n = Number(p);
      if (n <= 65535) return n;
      throw fail("a port is 0-65535", "e.g. dport = :443", at);
    }
    const n = servicePort(p.toLowerCase(), "tcp", services);
    if (n === undefined) throw fail(`'${p}' is neither a port number nor a known service name`, "give a number (:443) or a name from the services database (:https)", at);
    return n;
  };

  const host = (word: string, at: number): { prefix?: Prefix; port: number } => {
    let addr = word;
    let portText: string | undefined;
    if (addr.startsWith("[")) {
      const close = addr.indexOf("]");
      if (close < 0) throw fail("']' is missing", "write IPv6 addresses in brackets: [::1], [::1]:443", at);
      const after = addr.slice(close + 1);
      addr = addr.slice(1, close);
      if (after.startsWith(":")) portText = after;
      else if (after.startsWith("/")) addr += after;
      else if (after !== "") throw fail("unexpected text after ']'", "e.g. [::1]:443 or [2001:db8::]/32", at);
    } else if (addr.startsWith("*")) {
      portText = addr.slice(1) || undefined;
      addr = "";
    } else {
      const slash = addr.indexOf("/");
      const colons = (addr.match(/:/g) ?? []).length;
      // Unbracketed IPv6 (::1, fe80::/10) has no port; 10.0.0.1:80 and 10.0.0.0/8:80 do.
      if (colons === 1 || (slash >= 0 && addr.slice(slash).includes(":"))) {
        const c = addr.lastIndexOf(":");
        portText = addr.slice(c);
        addr = addr.slice(0, c);
      }
    }
    const p = portText === undefined ? -1 : port(portText, at, true);
    if (addr === "" || addr === "*") return { port: p };
    const slash = addr.indexOf("/");
    const ip = slash < 0 ? addr : addr.slice(0, slash);
    const v4 = ipv4Bytes(ip);
    const v6 = v4 ? null : ipv6Bytes(ip);
    if (!v4 && !v6)
      throw fail(`'${ip}' is not an IP address`, "give an address or prefix: 10.0.0.1, 10.0.0.0/8, [::1], [2001:db8::]/32 (names are not looked up)", at);
    const max = v4 ? 32 : 128;
    const bitsText = slash < 0 ? String(max) : addr.slice(slash + 1);
    const bits = /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : NaN;
    if (!(bits >= 0 && bits <= max)) throw fail(`bad prefix length '/${bitsText}'`, `an ${v4 ? "IPv4" : "IPv6"} prefix is /0 to /${max}`, at);
    return { prefix: { family: v4 ? "ipv4" : "ipv6", bytes: (v4 ?? v6)!, bits }, port: p };
  };

  /** src/dst HOST: port equal when given, then the kernel's family and prefix rule. */
  const hostCond = (local: boolean, cond: { prefix?: Prefix; port: number }): Pred => {
    const { prefix, port: p } = cond;
    const portOf = local ? (s: FilterSubject) => s.localPort : (s: FilterSubject) => s.remotePort ?? 0;
    if (!prefix) return p < 0 ? () => true : (s) => portOf(s) === p;
    const { family, bytes, bits } = prefix;
    return (s) => {
      if (p >= 0 && portOf(s) !== p) return false;
      const a = cache.bytes(local ? s.localAddress : s.remoteAddress, s.family);
      if (s.family === family) return bitsMatch(a, 0, bytes, bits);
      return family === "ipv4" && isMapped(a) && bitsMatch(a, 12, bytes, bits);
    };
  };

  const portCond = (local: boolean, op: string, p: number): Pred => {
    const of = local ? (s: FilterSubject) => s.localPort : (s: FilterSubject) => s.remotePort ?? 0;
    switch (op) {
      case "=": return p < 0 ? () => true : (s) => of(s) === p;
      case "!=": return p < 0 ? () => false : (s) => of(s) !== p;
      case "<": return (s) => of(s) < p;
      case "<=": return (s) => of(s) <= p;
      case ">": return (s) => of(s) > p;
      default: return (s) => of(s) >= p;
    }
  };

  const condition = (): Pred => {
    const at = i;
    const word = tokens[i];
    if (word === undefined) throw fail("a condition is missing", "e.g. dport = :443, src 10.0.0.0/8");
    const key = word.toLowerCase();
    if (key === "src" || key === "dst" || key === "sport" || key === "dport") {
      i++;
      let op = "=";
      const maybeOp = tokens[i] === undefined ? undefined : OPS[tokens[i]!.toLowerCase()];
      if (maybeOp) {
        op = maybeOp;
        i++;
      }
      const valueAt = i;
      const value = tokens[i++];
      if (value === undefined) throw fail(`${key} needs a value`, key.endsWith("port") ? `e.g. ${key} = :443` : `e.g. ${key} 10.0.0.0/8`);
      if (AND.has(value) || OR.has(value) || value === ")" || value === "(") throw fail(`${key} needs a value`, key.endsWith("port") ? `e.g. ${key} = :443` : `e.g. ${key} 10.0.0.0/8`, valueAt);
      const local = key === "src" || key === "sport";
      if (key === "sport" || key === "dport") {
        const p = port(value, valueAt, op === "=" || op === "!=");
        return portCond(local, op, p);
      }
      if (op !== "=" && op !== "!=") throw fail(`${key} compares addresses with = or != only`, `for ports use sport/dport: dport ${tokens[at + 1]} :1024`, at + 1);
      const pred = hostCond(local, host(value, valueAt));
      return op === "=" ? pred : (s) => !pred(s);
    }
    if (key === "state" || key === "exclude" || key === "excl")
      throw fail("state and exclude come before the expression", `move it first: tcpstat ${key} ... '( ... )'`);
    if (key === "dev" || key === "fwmark" || key === "cgroup" || key === "autobound")
      throw fail(`tcpstat does not filter on ${key}`, "use ss for it; tcpstat takes state, exclude, src, dst, sport, dport");
    throw fail("expected src, dst, sport, dport, not or '('", "e.g. tcpstat dst 10.0.0.0/8 and dport = :443");
  };

  const expr = (): Pred => {
    const word = tokens[i]?.toLowerCase();
    if (word === "(") {
      i++;
      const inner = list();
      if (tokens[i] !== ")") throw fail("')' is missing", "close each '(' with ')'");
      i++;
      return inner;
    }
    if (word !== undefined && NOT.has(word)) {
      i++;
      const inner = expr();
      return (s) => !inner(s);
    }
    return condition();
  };

  /** ss's exprlist: conditions left to right, `or` and `and` (or nothing) of one precedence. */
  const list = (): Pred => {
    let left = expr();
    for (;;) {
      const word = tokens[i]?.toLowerCase();
      if (word === undefined || word === ")") return left;
      const a = left;
      if (OR.has(word)) {
        i++;
        const b = expr();
        left = (s) => a(s) || b(s);
      } else {
        if (AND.has(word)) i++;
        const b = expr();
        left = (s) => a(s) && b(s);
      }
    }
  };

  if (i >= tokens.length) return { states };
  const match = list();
  if (i < tokens.length) throw fail("')' without its '('", "remove it or add the '(' it closes");
  return { states, match };
}
