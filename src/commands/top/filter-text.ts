import { TcpstatError } from "../../errors.js";
import { makePredicate, parsePids, parsePorts, parseStates, type SocketFilter } from "../../lib/filter.js";
import { systemServices } from "../../lib/services-file.js";
import { parseSsFilter } from "../../lib/ss-filter.js";
import type { SocketRecord } from "../../model/socket.js";
import type { TcpState } from "../../model/state.js";

/**
 * The `/` filter: the command line's filter language, typed as one line.
 *
 *   established                      state words and groups (as --state): connected, listening, time-wait
 *   :443  port https  port 8000-8100 a port either side (as --port)
 *   process nginx   pid 2502         a holder, by name (substring) or pid (as --process, --pid)
 *   tcp  udp                         a protocol
 *   state established dport = :443   ss's filter expression (as typed after the options)
 *
 * Words combine with "and"; ss's expression takes the rest of the line once it starts.
 * Returns the predicate, or the error in the same words as on the command line.
 */
export function parseFilterText(text: string): { match: (r: SocketRecord) => boolean } | { error: string } {
  const words = text.trim().split(/\s+/).filter((w) => w !== "");
  const filter: SocketFilter = { protos: ["tcp", "udp"], families: ["ipv4", "ipv6"] };
  const ss: string[] = [];
  const states = new Set<TcpState>();
  const needsValue = (flag: string, i: number) => {
    const v = words[i + 1];
    if (v === undefined) throw new TcpstatError(`'${flag}' needs a value`, `e.g. ${flag} ${flag === "process" ? "nginx" : flag === "pid" ? "2502" : "443"}`);
    return v;
  };
  try {
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      const lower = w.toLowerCase();
      if (ss.length > 0 || SS_WORDS.has(lower) || w.startsWith("(")) {
        ss.push(...words.slice(i));
        break;
      }
      if (lower === "process" || lower === "proc") filter.process = needsValue("process", i++);
      else if (lower === "pid") filter.pids = parsePids([needsValue("pid", i++)]);
      else if (lower === "port") filter.ports = [...(filter.ports ?? []), ...parsePorts([needsValue("port", i++)], "port")];
      else if (/^:\S+$/.test(w)) filter.ports = [...(filter.ports ?? []), ...parsePorts([w], "port")];
      else if (lower === "tcp" || lower === "udp") filter.protos = [lower];
      else parseStates([w]).forEach((s) => states.add(s));
    }
    let expression;
    if (ss.length > 0) {
      const parsed = parseSsFilter(ss, systemServices());
      parsed.states?.forEach((s) => states.add(s));
      expression = parsed.match;
    }
    if (states.size > 0) filter.states = states;
    if (expression) filter.expression = expression;
    const match = makePredicate(filter);
    return { match: (r) => match(r) };
  } catch (error) {
    if (error instanceof TcpstatError) return { error: error.hint ? `${error.message}; ${error.hint}` : error.message };
    throw error;
  }
}

/** First words of ss's expression (src/lib/ss-filter.ts). */
const SS_WORDS = new Set(["state", "exclude", "excl", "src", "dst", "sport", "dport", "not", "!"]);
