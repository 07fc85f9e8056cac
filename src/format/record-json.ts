import { jsonEscapeControls } from "../lib/safe-text.js";
import type { Container, Owner, SocketRecord, Timer } from "../model/socket.js";

/**
 * One socket record as JSON text, fields in the schema's order:
 *
 *   {"proto":"tcp","family":"ipv4","localAddress":"127.0.0.1","localPort":22,"remoteAddress":null,
 *    "remotePort":null,"state":"LISTEN","recvQ":0,"sendQ":0,"pid":812,"process":"sshd","uid":0,
 *    "user":"root","inode":23110,"timer":null}
 *
 * The same text as JSON.stringify of a record whose keys are in that order, built from a
 * template instead, which is faster for --json and --ndjson at 100k sockets (BENCHMARKS.md,
 * issue 15). Every text field still goes through
 * JSON.stringify unless it is plain printable ASCII without a quote or backslash, then
 * jsonEscapeControls (issue 22: DEL, C1 controls and bidi overrides as \u escapes), so
 * escaping is that of toJson (test/format/record-json.property.test.ts holds both equal).
 */
export function recordJson(r: SocketRecord): string {
  let text = `{"proto":"${r.proto}","family":"${r.family}","localAddress":${str(r.localAddress)},"localPort":${r.localPort},"remoteAddress":${str(r.remoteAddress)},"remotePort":${r.remotePort},"state":${r.state === null ? "null" : `"${r.state}"`},"recvQ":${r.recvQ},"sendQ":${r.sendQ},"pid":${r.pid},"process":${str(r.process)},"uid":${r.uid},"user":${str(r.user)},"inode":${r.inode},"timer":${timer(r.timer)}`;
  if (r.netns !== undefined) text += `,"netns":{"inode":${r.netns.inode},"name":${str(r.netns.name)}}`;
  if (r.localHost !== undefined) text += `,"localHost":${str(r.localHost)}`;
  if (r.remoteHost !== undefined) text += `,"remoteHost":${str(r.remoteHost)}`;
  if (r.localService !== undefined) text += `,"localService":${str(r.localService)}`;
  if (r.remoteService !== undefined) text += `,"remoteService":${str(r.remoteService)}`;
  if (r.truncated !== undefined) text += `,"truncated":[${r.truncated.map((f) => `"${f}"`).join(",")}]`;
  if (r.createdAt !== undefined) text += `,"createdAt":${str(r.createdAt)}`;
  if (r.cookie !== undefined) text += `,"cookie":${str(r.cookie)}`;
  if (r.memory !== undefined) text += `,"memory":${r.memory === null ? "null" : JSON.stringify(r.memory)}`;
  if (r.tcpInfo !== undefined) text += `,"tcpInfo":${r.tcpInfo === null ? "null" : JSON.stringify(r.tcpInfo)}`;
  if (r.unix !== undefined) {
    const u = r.unix;
    text += `,"unix":{"type":"${u.type}","path":${str(u.path)},"abstract":${u.abstract},"peerInode":${u.peerInode},"peerPid":${u.peerPid},"peerProcess":${str(u.peerProcess)}}`;
  }
  if (r.exposure !== undefined) text += `,"exposure":"${r.exposure}"`;
  if (r.owners !== undefined) {
    const owners = r.owners;
    text += ',"owners":[';
    for (let i = 0; i < owners.length; i++) text += i === 0 ? ownerJson(owners[i]!) : `,${ownerJson(owners[i]!)}`;
    text += "]";
  }
  return `${text}}`;
}

/**
 * The framing of `--json`'s array, one record a line: JSON_OPEN before the first record,
 * JSON_SEP before each next one, jsonClose(count) after the last ("[]" for none).
 */
export const JSON_OPEN = "[\n";
export const JSON_SEP = ",\n";
export const jsonClose = (count: number): string => (count === 0 ? "[]\n" : "\n]\n");

const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** A text as JSON (what JSON.stringify gives, with C1 controls and bidi overrides as \u escapes), or null. */
export function str(s: string | null): string {
  return s === null ? "null" : PLAIN.test(s) ? `"${s}"` : jsonEscapeControls(JSON.stringify(s));
}

/**
 * A holder, with --who's fields where read, in the schema's key order. The text around its fd
 * is made once a process: the holders of a process's sockets share its name, user and --who
 * fields (10 sockets, 10 holders alike but for the fd). It is kept by pid and used again only
 * while every one of those fields is the very value (===) it was made from, so a pid reused or
 * a field changed between listings (--watch, serve) makes it anew.
 */
function ownerJson(o: Owner): string {
  let t = ownerTexts.get(o.pid);
  if (t === undefined || !sameProcess(t, o)) {
    if (ownerTexts.size >= OWNER_TEXTS_MAX) ownerTexts.clear();
    ownerTexts.set(o.pid, (t = ownerText(o)));
  }
  return t.head + o.fd + t.tail;
}

type ProcessFields = Pick<Owner, "process" | "user" | "cmdline" | "ppid" | "parent" | "startedAt" | "unit" | "container">;
interface OwnerText extends ProcessFields {
  /** `{"pid":812,"process":"sshd","user":"root","fd":` */
  head: string;
  /** `,"cmdline":...,"container":null}`, or `}` */
  tail: string;
}

const ownerTexts = new Map<number, OwnerText>();
/** Enough for every process of a big machine; past it the texts are made again. */
const OWNER_TEXTS_MAX = 65536;

const sameProcess = (t: OwnerText, o: Owner): boolean =>
  t.process === o.process && t.user === o.user && t.cmdline === o.cmdline && t.ppid === o.ppid && t.parent === o.parent && t.startedAt === o.startedAt && t.unit === o.unit && t.container === o.container;

function ownerText(o: Owner): OwnerText {
  const { process, user, cmdline, ppid, parent, startedAt, unit, container } = o;
  let tail = "";
  if (cmdline !== undefined) tail += `,"cmdline":${str(cmdline)}`;
  if (ppid !== undefined) tail += `,"ppid":${ppid}`;
  if (parent !== undefined) tail += `,"parent":${str(parent)}`;
  if (startedAt !== undefined) tail += `,"startedAt":${str(startedAt)}`;
  if (unit !== undefined) tail += `,"unit":${str(unit)}`;
  if (container !== undefined) tail += `,"container":${container === null ? "null" : containerJson(container)}`;
  const head = `{"pid":${o.pid},"process":${str(process)},"user":${str(user)},"fd":`;
  return { process, user, cmdline, ppid, parent, startedAt, unit, container, head, tail: `${tail}}` };
}

// A container's text, made once: the processes in it and their sockets share one object (--who).
const containerTexts = new WeakMap<Container, string>();
function containerJson(c: Container): string {
  let text = containerTexts.get(c);
  if (text === undefined) {
    const pod = c.pod ? `,"pod":{"uid":${str(c.pod.uid)},"namespace":${str(c.pod.namespace)},"name":${str(c.pod.name)},"container":${str(c.pod.container)}}` : "";
    containerTexts.set(c, (text = `{"runtime":"${c.runtime}","id":${str(c.id)},"name":${str(c.name)}${pod}}`));
  }
  return text;
}

function timer(t: Timer | null): string {
  return t === null ? "null" : `{"kind":"${t.kind}","expiresInMs":${t.expiresInMs},"retransmits":${t.retransmits}}`;
}
