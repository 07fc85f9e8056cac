import type { OutputStream } from "../io.js";
import type { SocketRecord } from "../model/socket.js";
import { type ProcRow, rowRecord } from "../model/socket-row.js";
import { putByte, putBytes, putUint } from "./out-bytes.js";
import { JSON_OPEN, JSON_SEP, jsonClose, recordJson, str } from "./record-json.js";

/**
 * `--json` and `--ndjson` written as the tables are read (a live listing without owners):
 *
 *   const json = new JsonStream("json", out);
 *   json.record(r);      // a socket record, through recordJson
 *   json.row(row);       // a decoded /proc/net row, its bytes written directly
 *   json.end();
 *
 * A row gives the same bytes recordJson gives for its record (pid and process null): it
 * writes no string and makes no object per socket, which cost records, strings and garbage
 * collection at 100k sockets (BENCHMARKS.md, issue 15). Every text (addresses, states,
 * user names) is still escaped by recordJson's rule, once per distinct text.
 * test/format/json-stream.test.ts holds rows and records to the same bytes.
 */
export class JsonStream {
  private count = 0;
  private readonly texts = new Map<string, Uint8Array>();

  constructor(
    private readonly kind: "json" | "ndjson",
    private readonly out: OutputStream,
  ) {}

  record(r: SocketRecord): void {
    this.out.write(this.separator() + recordJson(r) + (this.kind === "ndjson" ? "\n" : ""));
  }

  row(row: ProcRow): void {
    const local = this.text(row.localAddress);
    const remote = row.remoteAddress === null ? NULL : this.text(row.remoteAddress);
    const user = row.user === null ? NULL : this.text(row.user);
    const state = row.state === null ? NULL : this.text(row.state);
    // Fixed parts, five numbers of up to 16 digits, the texts: the most a row can take, asked
    // for at once, so that the row goes out whole (a SIGTERM ends the run between flushes).
    // A row bigger than the buffer (a user name of some 60,000 characters) is written as
    // its record's text, which the stream sends whole.
    const most = 400 + local.length + remote.length + user.length + state.length;
    if (most > this.out.buf.length) return this.record(rowRecord(row));
    this.out.room(most);
    if (this.kind === "json") this.put(this.count++ === 0 ? JSON_FIRST : JSON_NEXT);
    this.put(row.proto === "tcp" ? (row.family === "ipv4" ? TCP4 : TCP6) : row.family === "ipv4" ? UDP4 : UDP6);
    this.put(local);
    this.put(LOCAL_PORT);
    this.uint(row.localPort);
    this.put(REMOTE_ADDRESS);
    this.put(remote);
    this.put(REMOTE_PORT);
    this.optional(row.remotePort);
    this.put(STATE);
    this.put(state);
    this.put(RECV_Q);
    this.uint(row.recvQ);
    this.put(SEND_Q);
    this.uint(row.sendQ);
    this.put(OWNER_UID);
    this.optional(row.uid);
    this.put(USER);
    this.put(user);
    this.put(INODE);
    this.optional(row.inode);
    if (row.timerKind === null) this.put(NO_TIMER);
    else {
      this.put(TIMER_KIND[row.timerKind]);
      this.uint(row.expiresInMs);
      this.put(RETRANSMITS);
      this.uint(row.retransmits);
      this.put(TIMER_END);
    }
    if (this.kind === "ndjson") putByte(this.out, 0x0a);
  }

  end(): void {
    if (this.kind === "json") this.out.write(jsonClose(this.count));
  }

  private separator(): string {
    return this.kind === "ndjson" ? "" : this.count++ === 0 ? JSON_OPEN : JSON_SEP;
  }

  /** A text as recordJson writes it (quoted, escaped), made once per distinct text. */
  private text(s: string): Uint8Array {
    let bytes = this.texts.get(s);
    if (bytes === undefined) this.texts.set(s, (bytes = Buffer.from(str(s))));
    return bytes;
  }

  private put(bytes: Uint8Array): void {
    putBytes(this.out, bytes);
  }

  private optional(n: number | null): void {
    if (n === null) this.put(NULL);
    else this.uint(n);
  }

  private uint(n: number): void {
    putUint(this.out, n);
  }
}

const ascii = (s: string) => Buffer.from(s, "latin1");
const NULL = ascii("null");
const JSON_FIRST = ascii(JSON_OPEN);
const JSON_NEXT = ascii(JSON_SEP);
const head = (proto: string, family: string) => ascii(`{"proto":"${proto}","family":"${family}","localAddress":`);
const TCP4 = head("tcp", "ipv4");
const TCP6 = head("tcp", "ipv6");
const UDP4 = head("udp", "ipv4");
const UDP6 = head("udp", "ipv6");
const LOCAL_PORT = ascii(',"localPort":');
const REMOTE_ADDRESS = ascii(',"remoteAddress":');
const REMOTE_PORT = ascii(',"remotePort":');
const STATE = ascii(',"state":');
const RECV_Q = ascii(',"recvQ":');
const SEND_Q = ascii(',"sendQ":');
const OWNER_UID = ascii(',"pid":null,"process":null,"uid":');
const USER = ascii(',"user":');
const INODE = ascii(',"inode":');
const NO_TIMER = ascii(',"timer":null}');
const TIMER_KIND = Object.fromEntries(
  (["retransmit", "keepalive", "timewait", "probe"] as const).map((kind) => [kind, ascii(`,"timer":{"kind":"${kind}","expiresInMs":`)]),
) as unknown as Record<NonNullable<ProcRow["timerKind"]>, Uint8Array>;
const RETRANSMITS = ascii(',"retransmits":');
const TIMER_END = ascii("}}");
