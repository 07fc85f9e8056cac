import type { TcpState } from "../../model/state.js";

/**
 * Windows TCP states, as numbers and as the words netstat prints in each display language.
 *
 * Numbers: MIB_TCP_STATE (tcpmib.h, "MIB_TCPROW structure" on learn.microsoft.com):
 * 1 CLOSED, 2 LISTEN, 3 SYN_SENT, 4 SYN_RCVD, 5 ESTAB, 6 FIN_WAIT1, 7 FIN_WAIT2, 8 CLOSE_WAIT,
 * 9 CLOSING, 10 LAST_ACK, 11 TIME_WAIT, 12 DELETE_TCB. PowerShell's
 * Microsoft.Management.Infrastructure TcpState enum (Get-NetTCPConnection) uses the same numbers
 * and adds 100 Bound.
 *
 * Decisions: DELETE_TCB (the stack is tearing the control block down) and BOUND (a socket bound
 * to a port but neither listening nor connected, what Linux shows as CLOSE/UNCONN) both map to
 * CLOSE, the one canonical state for "no connection".
 */
export const MIB_TCP_STATES: Readonly<Record<number, TcpState>> = {
  1: "CLOSE",
  2: "LISTEN",
  3: "SYN_SENT",
  4: "SYN_RECV",
  5: "ESTABLISHED",
  6: "FIN_WAIT1",
  7: "FIN_WAIT2",
  8: "CLOSE_WAIT",
  9: "CLOSING",
  10: "LAST_ACK",
  11: "TIME_WAIT",
  12: "CLOSE",
  100: "CLOSE",
};

/** PowerShell's TcpState enum names (Get-NetTCPConnection | ConvertTo-Json -EnumsAsStrings). */
export const POWERSHELL_TCP_STATES: Readonly<Record<string, TcpState>> = {
  Closed: "CLOSE",
  Listen: "LISTEN",
  SynSent: "SYN_SENT",
  SynReceived: "SYN_RECV",
  Established: "ESTABLISHED",
  FinWait1: "FIN_WAIT1",
  FinWait2: "FIN_WAIT2",
  CloseWait: "CLOSE_WAIT",
  Closing: "CLOSING",
  LastAck: "LAST_ACK",
  TimeWait: "TIME_WAIT",
  DeleteTCB: "CLOSE",
  Bound: "CLOSE",
};

type Words = Partial<Record<TcpState, readonly string[]>>;

/**
 * netstat's state words by display language (netstat.exe.mui string resources).
 * How sure each entry is:
 *   [capture]  seen in real netstat output (../shared/fixtures-real, or published captures such
 *              as a German "netstat -an" in a 2019 network-analysis report);
 *   [reported] used by third-party parsers written against localized Windows;
 *   [analogy]  not yet seen: formed like the attested words of the same language.
 * Many languages (French, Spanish, Russian, Chinese, Japanese: see the real captures) keep the
 * English words; the English row therefore applies to every language. Where a word is still
 * unknown, the parser falls back on what the row's shape proves (a peer of port 0 = LISTEN).
 */
const NETSTAT_STATE_WORDS: Readonly<Record<string, Words>> = {
  // [capture] English, the MIB_TCP_STATE names as netstat prints them.
  en: {
    CLOSE: ["CLOSED", "DELETE_TCB", "BOUND"],
    LISTEN: ["LISTENING"],
    SYN_SENT: ["SYN_SENT"],
    SYN_RECV: ["SYN_RECEIVED"],
    ESTABLISHED: ["ESTABLISHED"],
    FIN_WAIT1: ["FIN_WAIT_1"],
    FIN_WAIT2: ["FIN_WAIT_2"],
    CLOSE_WAIT: ["CLOSE_WAIT"],
    CLOSING: ["CLOSING"],
    LAST_ACK: ["LAST_ACK"],
    TIME_WAIT: ["TIME_WAIT"],
  },
  // [capture] ABHÖREN, HERGESTELLT, WARTEND, SCHLIESSEN_WARTEN, FIN_WARTEN_2;
  // [reported] SYN_GESENDET, SCHLIESSEND, ABHOEREN; [analogy] the rest.
  de: {
    CLOSE: ["GESCHLOSSEN", "TCB_LÖSCHEN", "GEBUNDEN"],
    LISTEN: ["ABHÖREN", "ABHOEREN"],
    SYN_SENT: ["SYN_GESENDET"],
    SYN_RECV: ["SYN_EMPFANGEN"],
    ESTABLISHED: ["HERGESTELLT"],
    FIN_WAIT1: ["FIN_WARTEN_1"],
    FIN_WAIT2: ["FIN_WARTEN_2"],
    CLOSE_WAIT: ["SCHLIESSEN_WARTEN"],
    CLOSING: ["SCHLIESSEND"],
    LAST_ACK: ["LETZTES_ACK"],
    TIME_WAIT: ["WARTEND"],
  },
  // [reported]
  fr: { LISTEN: ["ÉCOUTE", "À L'ÉCOUTE"], ESTABLISHED: ["ÉTABLIE", "ÉTABLI"] },
  es: { LISTEN: ["ESCUCHANDO"], ESTABLISHED: ["ESTABLECIDO", "ESTABLECIDA"] },
  it: { LISTEN: ["IN ASCOLTO"], ESTABLISHED: ["STABILITO", "STABILITA"] },
  pt: { LISTEN: ["ESCUTANDO"], ESTABLISHED: ["ESTABELECIDA", "ESTABELECIDO"] },
  ru: { LISTEN: ["ПРОСЛУШИВАНИЕ"], ESTABLISHED: ["УСТАНОВЛЕНО"] },
  pl: { LISTEN: ["NASŁUCHIWANIE", "NASLUCHIWANIE"], ESTABLISHED: ["USTANOWIONO"] },
  tr: { LISTEN: ["DİNLENİYOR", "DİNLEME", "DİNLİYOR"], ESTABLISHED: ["KURULDU"] },
  nl: { LISTEN: ["LUISTEREN"], ESTABLISHED: ["TOT STAND GEBRACHT"] },
  "zh-CN": { LISTEN: ["侦听", "监听"], ESTABLISHED: ["已建立"] },
  // [analogy]
  cs: { LISTEN: ["NASLOUCHÁNÍ"], ESTABLISHED: ["NAVÁZÁNO"] },
  "zh-TW": { LISTEN: ["接聽"], ESTABLISHED: ["已建立"] },
};

/** Upper case without accents or separators: "À l'écoute" -> "ALECOUTE", "DİNLEME" -> "DINLEME". */
const normalize = (word: string): string =>
  word.normalize("NFKD").replace(/\p{M}/gu, "").toUpperCase().replace(/[\s_'’-]/g, "");

/**
 * The ASCII letters of a word with every run of other characters as one "?": the part that
 * survives a wrong code page. ABHÖREN, ABH™REN (cp850 read as cp1252), ABHÃ–REN (UTF-8 read as
 * cp1252) and ABH\uFFFDREN (cp850 read as UTF-8) all give "ABH?REN".
 */
const skeleton = (word: string): string =>
  word
    .normalize("NFC")
    .toUpperCase()
    .replace(/[\s_'’-]/g, "")
    .replace(/[^A-Z0-9]+/g, "?");

const EXACT = new Map<string, TcpState>();
const MANGLED = new Map<string, TcpState | null>(); // null: two states share the skeleton
for (const words of Object.values(NETSTAT_STATE_WORDS)) {
  for (const [state, list] of Object.entries(words) as Array<[TcpState, readonly string[]]>) {
    for (const word of list) {
      EXACT.set(normalize(word), state);
      const key = skeleton(word);
      if (!key.includes("?")) continue;
      const seen = MANGLED.get(key);
      MANGLED.set(key, seen === undefined || seen === state ? state : null);
    }
  }
}

/** Canonical state for a netstat state word in any language or mangled code page, or undefined. */
export function windowsState(word: string): TcpState | undefined {
  const exact = EXACT.get(normalize(word));
  if (exact) return exact;
  const key = skeleton(word);
  // Only words that keep enough Latin letters to be told apart (ABH?REN, not "?").
  if ((key.match(/[A-Z]/g)?.length ?? 0) < 4) return undefined;
  return MANGLED.get(key) ?? undefined;
}
