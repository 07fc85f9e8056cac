import { exec as systemExec } from "../../lib/exec.js";
import { select, type CommandCollectOptions, type CommandCollectResult } from "../command-collect.js";
import { parsePowershell } from "./parse-powershell.js";

/**
 * `--source powershell`: one PowerShell run lists TCP connections, UDP endpoints and process
 * names as UTF-8 JSON, independent of the display language, with each socket's creation time.
 * CreationTime is sent as UTC ISO 8601 so Windows PowerShell 5.1 and PowerShell 7 agree.
 */
const POWERSHELL_SCRIPT = [
  "$ErrorActionPreference = 'Stop'",
  "[Console]::OutputEncoding = [Text.Encoding]::UTF8",
  "$t = @(Get-NetTCPConnection | Select-Object LocalAddress,LocalPort,RemoteAddress,RemotePort,@{n='State';e={[int]$_.State}},OwningProcess,@{n='CreationTime';e={if ($_.CreationTime) { $_.CreationTime.ToUniversalTime().ToString('o') }}})",
  "$u = @(Get-NetUDPEndpoint | Select-Object LocalAddress,LocalPort,OwningProcess,@{n='CreationTime';e={if ($_.CreationTime) { $_.CreationTime.ToUniversalTime().ToString('o') }}})",
  "$p = @(Get-Process | Select-Object Id,ProcessName)",
  "ConvertTo-Json -Compress -Depth 3 -InputObject @{ tcp = $t; udp = $u; processes = $p }",
].join("; ");

/** Process names come with the sockets, so `owners` changes nothing here. */
export async function collectPowershell(options: Omit<CommandCollectOptions, "owners">): Promise<CommandCollectResult> {
  const exec = options.exec ?? systemExec;
  const out = await exec("powershell", ["-NoProfile", "-NonInteractive", "-Command", POWERSHELL_SCRIPT], {
    timeoutMs: 60_000,
    maxBytes: 128 * 1024 * 1024,
  });
  const parsed = parsePowershell(out.toString("utf8"), "powershell Get-NetTCPConnection/Get-NetUDPEndpoint");
  const records = select(parsed.records, options);
  return { records, problems: parsed.problems, notices: [] };
}
