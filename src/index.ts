/**
 * tcpstat's library API: the same records, filters and schemas the CLI uses.
 *
 *   import { listSockets } from "tcpstat";
 *   const waiting = await listSockets({ states: ["CLOSE_WAIT"] });
 */
export * from "./model/socket.js";
export * from "./model/state.js";
export * from "./model/report.js";
export * from "./model/schemas.js";
export * from "./model/trace.js";
export { TcpstatError, EXIT } from "./errors.js";
export { parseProcNet } from "./sources/linux-procfs/parse-proc-net.js";
export { makePredicate, parsePorts, parseStates, type SocketFilter } from "./lib/filter.js";
export { collectReport, listSockets, type ListOptions, type SocketReport } from "./load/collect-report.js";
export { toFilter } from "./load/socket-filter.js";
export { startTrace, type TraceOptions, type TraceSession, type TraceCounters } from "./trace.js";
export { closeConnections, checkCanClose, type CloseResult, type CloseTarget, type CloseOptions } from "./sources/linux-ss/close-connections.js";
