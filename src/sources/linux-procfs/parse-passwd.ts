/**
 * uid -> user name from passwd(5) text:
 *
 *   root:x:0:0:root:/root:/bin/bash   -> 0 => "root"
 *
 * The first entry for a uid wins, as getpwuid(3) returns it.
 */
export function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const fields = line.split(":");
    const name = fields[0];
    const uid = Number(fields[2]);
    if (!name || fields.length < 3 || !Number.isInteger(uid) || fields[2] === "") continue;
    if (!users.has(uid)) users.set(uid, name);
  }
  return users;
}
