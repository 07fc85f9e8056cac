/**
 * Address text worked out without tcpstat's code, to check it against:
 * IPv6 through the WHATWG URL serializer (lower case, no leading zeros, the first longest
 * run of two or more zero groups as "::", which is RFC 5952 section 4), except IPv4-mapped
 * addresses, which RFC 5952 section 5 and ss print with a dotted tail.
 */
export function addressText(bytes: readonly number[]): string {
  if (bytes.length === 4) return bytes.join(".");
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return `::ffff:${bytes.slice(12).join(".")}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return new URL(`http://[${groups.join(":")}]/`).hostname.slice(1, -1);
}

/** Text back to 16 bytes: expands "::" and a dotted IPv4 tail. Throws on anything else. */
export function ipv6Bytes(text: string): number[] {
  let tail: number[] = [];
  let body = text;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    tail = dotted.slice(1).map(Number);
    body = text.slice(0, dotted.index) + "0:0";
  }
  const [head, rest] = body.split("::") as [string, string | undefined];
  const part = (s: string | undefined) => (s ? s.split(":").map((g) => parseInt(g, 16)) : []);
  const left = part(head);
  const right = part(rest);
  const zeros = rest === undefined ? [] : new Array(8 - left.length - right.length).fill(0);
  const groups = [...left, ...zeros, ...right];
  if (groups.length !== 8 || groups.some((g) => !(g >= 0 && g <= 0xffff))) throw new Error(`not IPv6: ${text}`);
  const bytes = groups.flatMap((g) => [g >> 8, g & 0xff]);
  if (dotted) bytes.splice(12, 4, ...tail);
  return bytes;
}
