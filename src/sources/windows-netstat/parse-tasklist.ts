import type { Problem } from "../../model/socket.js";

/**
 * Process names by PID from `tasklist`, in either form and any language.
 *
 * CSV (`tasklist /fo csv /nh`), columns image name, PID, session name, session#, memory:
 *   "System Idle Process","0","Services","0","8 K"
 *   "svchost.exe","1072","Services","0","14.912 K"
 * Table (plain `tasklist`): a localized header, a ruler of '=' runs that gives each column's
 * width, then rows whose image name may contain spaces:
 *   映像名称                       PID 会话名              会话#       内存使用
 *   ========================= ======== ================ =========== ============
 *   System Idle Process              0 Services                   0          8 K
 * -> Map { 0 => "System Idle Process", 1072 => "svchost.exe" }
 */

export interface TasklistResult {
  names: Map<number, string>;
  problems: Problem[];
}

/** Fields of one CSV line (RFC 4180 quoting, "" for a quote inside a field). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = "";
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') {
          value += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else value += line[i++];
      }
      fields.push(value);
      i++; // the comma
    } else {
      const comma = line.indexOf(",", i);
      const end = comma < 0 ? line.length : comma;
      fields.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return fields;
}

export function parseTasklist(text: string, source = "tasklist"): TasklistResult {
  const names = new Map<number, string>();
  const problems: Problem[] = [];
  const lines = text.split(/\r\n|\n|\r/);
  const ruler = lines.findIndex((l) => /^=+( +=+)+\s*$/.test(l));
  let spans: Array<[number, number]> | null = null;
  if (ruler >= 0) {
    spans = [];
    for (const m of (lines[ruler] as string).matchAll(/=+/g)) spans.push([m.index, m.index + m[0].length]);
  }
  lines.forEach((line, i) => {
    if (line.trim() === "" || i <= ruler) return;
    let name: string | undefined;
    let pidText: string | undefined;
    if (line.trimStart().startsWith('"')) {
      [name, pidText] = csvFields(line.trim());
    } else if (spans && spans.length >= 2) {
      const [nameSpan, pidSpan] = spans as [[number, number], [number, number]];
      name = line.slice(nameSpan[0], nameSpan[1]).trim();
      pidText = line.slice(nameSpan[1], pidSpan[1]).trim();
    } else {
      const m = /^(.+?)\s+(\d+)\s+\S+\s+\d+\s+\S.*$/.exec(line);
      name = m?.[1];
      pidText = m?.[2];
    }
    if (name && pidText && /^\d+$/.test(pidText)) names.set(Number(pidText), name);
    // A localized CSV header (tasklist /fo csv without /nh) is the only line allowed to fail.
    else if (!(i === 0 || (i === 1 && lines[0]?.trim() === ""))) {
      problems.push({ source, line: i + 1, text: line, reason: "not a tasklist row (image name, PID, ...)" });
    }
  });
  return { names, problems };
}
