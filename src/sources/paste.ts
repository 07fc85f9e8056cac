/**
 * What people paste around a capture, taken away before any parser reads it: the shell prompt
 * and the command before the output, a bare prompt after it, markdown code fences, the `> ` of
 * quoted mail, the indentation of a code block, and the notices tools print beside their rows.
 * Lines are blanked, never removed, so every problem keeps the capture's own line number.
 *
 *   "    $ ss -tln\n    State Recv-Q ...\n    LISTEN 0 128 0.0.0.0:22 0.0.0.0:*\n    $ \n"
 *   -> "\nState Recv-Q ...\nLISTEN 0 128 0.0.0.0:22 0.0.0.0:*\n\n"   (indent "    ")
 *
 * Each step is one pass of a regular expression over the text (no backtracking across lines),
 * so a capture of a million rows is cleaned in linear time, and not copied when there is nothing
 * to clean. The indentation is judged on a bounded head of the capture (see replay-rank.ts),
 * which also decides whether taking it away reads more rows than leaving it (Windows netstat
 * and /proc/net indent their own rows).
 */

/** Commands whose output tcpstat replays, and the ones people pipe it through. */
const COMMANDS =
  "ss|netstat|lsof|sockstat|cat|grep|egrep|fgrep|rg|adb|busybox|toybox|sudo|doas|su|docker|kubectl|oc|nsenter|ip|Get-Net\\w+|Get-Process|Format-\\w+|powershell|pwsh|wsl|ssh|echo|tail|head|less|more|sort";

/**
 * A prompt followed by a command: `$ ss -tln`, `root@web1:~# netstat -tulpen`, `[root@c7 ~]# ss -ant`,
 * `bash-3.2$ netstat -anv`, `MacBook:~ ann$ lsof -i`, `C:\Users\ann>netstat -ano`, `PS C:\> Get-NetTCPConnection`,
 * `% sockstat -46`, `❯ ss -tan`. The part before the prompt character is bounded, so a row is never scanned twice.
 */
const PROMPT_COMMAND = new RegExp(
  `^[ \\t]*(?:[^\\s$#%>❯➜»]{1,64}(?:[ \\t][^\\s$#%>❯➜»]{1,64}){0,2}[ \\t]?)?(?:[$#%>❯➜»]|\\$>)[ \\t]*(?:${COMMANDS})(?=[ \\t]|$|\\|)[^\\n]*$`,
  "gm",
);

/** A prompt alone, as the last line of a paste: `$`, `root@web1:~#`, `[ann@c7 ~]$`, `C:\>`, `PS C:\Users\ann>`. */
const BARE_PROMPT = /^[ \t]*(?:[^\s$#%>❯➜»]{1,64}(?:[ \t][^\s$#%>❯➜»]{1,64}){0,2}[ \t]?)?(?:[$#%>❯➜»])[ \t]*$/gm;

/** Markdown code fences (```, ```text, ~~~). */
const FENCE = /^[ \t]*(?:`{3,}|~{3,})[\w+-]*[ \t]*$/gm;

/**
 * Notices tools print among their rows: net-tools' "(Not all processes could be identified ...)" pair
 * and its "(No info could be read for "-p": geteuid()=1000 but you should be root.)",
 * lsof's "lsof: WARNING: can't stat() ..." and its "Output information may be incomplete.",
 * elision lines (`...`, `[...]`, `(output truncated)`), and the terminal's own lines around a command
 * (`[sudo] password for ann:`, `Password:`, `Last login: ...`).
 */
const NOTICE =
  /^[ \t]*(?:\(?Not all processes could be identified[^\n]*|will not be shown, you would have to be root[^\n]*|\(No info could be read for "-p"[^\n]*|\[sudo\] password for [^\n]*|Password:|Last login: [^\n]*|\w[\w.-]{0,31}: (?:WARNING|Warning|warning|NOTICE|Notice|note|Note)\b[^\n]*|Output information may be incomplete\.?|\.{3,}|\[\.{3,}\]|…|\((?:output )?(?:truncated|trimmed|cut)[^)\n]{0,40}\))[ \t]*$/gm;

const QUOTE = /^[ \t]*>[ \t]?/;

const COMMAND_AT = new RegExp(`[$#%>❯➜»][ \\t]*((?:${COMMANDS})(?=[ \\t]|$|\\|).*)$`);

/**
 * The text with pasted-around lines blanked (line count unchanged), or the same string when
 * there are none. `commands` collects the command lines of the prompts taken away
 * (`ss -o state established`), which some layouts need.
 */
export function blankPasteNoise(text: string, commands?: string[]): string {
  let out = text;
  for (const re of [PROMPT_COMMAND, BARE_PROMPT, FENCE, NOTICE]) {
    re.lastIndex = 0;
    if (!re.test(out)) continue;
    re.lastIndex = 0;
    out = out.replace(re, (line) => {
      if (commands && re === PROMPT_COMMAND && commands.length < 8) commands.push((COMMAND_AT.exec(line.trimEnd())?.[1] ?? line).trim());
      return line.endsWith("\r") ? "\r" : "";
    });
  }
  return out;
}

/**
 * The quote marker (`> `) every non-blank line of the head starts with, taken off every line that
 * has it; the text unchanged when some line of the head is not quoted.
 */
export function unquote(text: string, head: readonly string[]): string {
  const lines = head.filter((l) => l.trim() !== "");
  if (lines.length === 0 || !lines.every((l) => QUOTE.test(l))) return text;
  return text.replace(/^[ \t]*>[ \t]?/gm, "");
}

/** The leading white space common to every non-blank line of the head ("" when none). */
export function commonIndent(head: readonly string[]): string {
  let indent: string | undefined;
  for (const line of head) {
    if (line.trim() === "") continue;
    const lead = /^[ \t]*/.exec(line)![0];
    if (indent === undefined) indent = lead;
    else {
      let k = 0;
      while (k < indent.length && k < lead.length && indent[k] === lead[k]) k++;
      indent = indent.slice(0, k);
    }
    if (indent === "") return "";
  }
  return indent ?? "";
}

/** Takes `indent` off the start of every line that begins with it. */
export function dedent(text: string, indent: string): string {
  if (indent === "") return text;
  const re = new RegExp(`^${indent.replace(/\t/g, "\\t")}`, "gm");
  return text.replace(re, "");
}
