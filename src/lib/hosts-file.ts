import { formatIpv6, ipv6Bytes } from "./endpoint.js";

/**
 * A hosts file (/etc/hosts) read as the resolver's "files" source reads it for an address:
 * the first line naming the address gives its name (the canonical, first name on that line).
 *
 *   parseHosts("127.0.0.1 localhost\n::1 ip6-localhost ip6-loopback\n").get("::1") -> "ip6-localhost"
 *
 * IPv6 addresses are kept in RFC 5952 text, as records hold them, whatever the file's spelling.
 */
export function parseHosts(text: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const [address, name] = raw.replace(/#.*/, "").trim().split(/\s+/);
    if (!address || !name) continue;
    const key = canonicalAddress(address);
    if (key !== undefined && !names.has(key)) names.set(key, name);
  }
  return names;
}

/** An address as records write it ("::1", "10.0.0.1"); undefined for what is not one. */
function canonicalAddress(text: string): string | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) return text;
  if (!text.includes(":")) return undefined;
  const bytes = ipv6Bytes(text.replace(/%.*$/, ""));
  return bytes ? formatIpv6(bytes) : undefined;
}
