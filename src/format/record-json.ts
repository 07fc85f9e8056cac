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
  if (r.owners !== undefined) text += `,"owners":[${r.owners.map(ownerJson).join(",")}]`;
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

/** A holder, with --who's fields where read, in the schema's key order. */
function ownerJson(o: Owner): string {
  let text = `{"pid":${o.pid},"process":${str(o.process)},"user":${str(o.user)},"fd":${o.fd}`;
  if (o.cmdline !== undefined) text += `,"cmdline":${str(o.cmdline)}`;
  if (o.ppid !== undefined) text += `,"ppid":${o.ppid}`;
  if (o.parent !== undefined) text += `,"parent":${str(o.parent)}`;
  if (o.startedAt !== undefined) text += `,"startedAt":${str(o.startedAt)}`;
  if (o.unit !== undefined) text += `,"unit":${str(o.unit)}`;
  if (o.container !== undefined) text += `,"container":${o.container === null ? "null" : containerJson(o.container)}`;
  return `${text}}`;
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
