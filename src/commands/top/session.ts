import type { ChalkInstance } from "chalk";
import { writeError } from "../../io.js";
import { SocketTracker } from "../../lib/watch-diff.js";
import type { SocketRecord } from "../../model/socket.js";
import type { SourceFlags } from "../../load/source-options.js";
import { closeConnection, isRunning, signalProcess } from "./actions.js";
import { availableColumns, placeColumns } from "./columns.js";
import { decodeKeys, pressKey, type Effect, type KeyContext } from "./keys.js";
import { readDetails, readSockets, sayFirst, type Reading } from "./read.js";
import { renderScreen, tableRows } from "./render.js";
import { RowBook, totalsOf } from "./rows.js";
import { ShownRows, keepInSight } from "./shown.js";
import { Terminal } from "./terminal.js";
import { TransitionRate } from "./trace-rate.js";
import { NameBook } from "./names.js";
import { emptyView, type TopRow } from "./view.js";

export interface TopOptions {
  flags: SourceFlags;
  intervalMs: number;
  chalk: ChalkInstance;
  trace: boolean;
}

/**
 * A refresh that takes more than this share of the interval slows the refresh down (to cost /
 * share), so that a big table never keeps tcpstat reading all the time: the header says so.
 */
const BUSY_SHARE = 0.25;

/** Runs `top` until q, Ctrl-C, a signal or a crash; resolves with the exit status. */
export async function runTopSession(o: TopOptions): Promise<number> {
  const view = emptyView(o.intervalMs);
  const tracker = new SocketTracker();
  const book = new RowBook();
  const shown = new ShownRows();
  const rate = new TransitionRate();
  if (!o.trace) rate.note = "off";
  const names = new NameBook();
  let records: SocketRecord[] = [];
  let raw: TopRow[] = [];
  let timer: NodeJS.Timeout | null = null;
  let reading = false;
  let ended = false;
  let lastIndex = 0;
  let columnsShown: KeyContext["columns"] = [];
  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => (finish = resolve));

  const apply = (r: Reading) => {
    const diff = tracker.update(r.records);
    records = r.records;
    raw = book.update(diff, r.info);
    named();
    view.tcpInfo = r.info !== null;
    view.totals = totalsOf(view.rows, rate.take(), rate.note);
    const effectiveMs = Math.max(o.intervalMs, Math.round(r.costMs / BUSY_SHARE));
    view.refresh = { costMs: r.costMs, intervalMs: o.intervalMs, effectiveMs, time: new Date() };
    const panel = view.panel;
    if (panel.kind === "details") panel.row = view.rows.find((row) => row.key === panel.key) ?? { ...panel.row, mark: "gone" };
  };

  /** The rows as shown: with the names `r` found, when it is on. */
  function named(): void {
    view.rows = view.resolve
      ? raw.map((row) => {
          const record = names.name(row.record);
          return record === row.record ? row : { ...row, record };
        })
      : raw;
  }

  // The first reading before the screen is taken: its notices stay readable on the normal screen.
  const first = await readSockets(o.flags, true);
  sayFirst(first.notices, o.flags.quiet);
  apply(first);

  const end = (code: number, error?: unknown) => {
    if (ended) return;
    ended = true;
    if (timer) clearTimeout(timer);
    terminal.restoreSync();
    if (error !== undefined) writeError(`tcpstat: top stopped: ${(error as Error)?.message ?? String(error)}`);
    finish(code);
  };

  const draw = () => {
    if (ended) return;
    const rows = shown.of(view);
    const height = terminal.rows;
    const page = tableRows(view, height);
    if (view.group === null) {
      let i = view.selected === null ? -1 : rows.findIndex((r) => r.key === view.selected);
      if (i < 0 && rows.length > 0) i = Math.min(lastIndex, rows.length - 1);
      view.selected = i < 0 ? null : rows[i]!.key;
      lastIndex = Math.max(0, i);
      keepInSight(view, Math.max(0, i), page - 1, rows.length);
      const onScreen = rows.slice(view.top, view.top + page);
      columnsShown = placeColumns(availableColumns(view.rows), onScreen, terminal.columns - 2).map((p) => p.column.id);
      if (view.resolve)
        void names.fill(onScreen.map((row) => row.record)).then((found) => {
          if (!found || !view.resolve) return;
          named();
          if (names.notice) view.message = names.notice;
          draw();
        });
    }
    void terminal.draw(renderScreen(view, rows, { width: terminal.columns, height, chalk: o.chalk }));
  };

  const schedule = (delay: number) => {
    if (timer) clearTimeout(timer);
    timer = view.paused || ended ? null : setTimeout(() => void refresh(), Math.max(0, delay));
  };

  const refresh = async () => {
    if (reading || ended) return;
    reading = true;
    let cost = 0;
    try {
      const r = await readSockets(o.flags, false);
      cost = r.costMs;
      if (!ended) apply(r);
    } catch (error) {
      view.message = `reading the sockets failed: ${(error as Error).message}`;
    } finally {
      reading = false;
    }
    draw();
    schedule(view.refresh.effectiveMs - cost);
  };

  const carryOut = (effect: Effect) => {
    if (effect === null) return;
    switch (effect.kind) {
      case "quit":
        return end(0);
      case "interrupt":
        return end(130);
      case "pause":
        view.paused = !view.paused;
        view.message = view.paused ? "paused: p resumes" : null;
        if (view.paused) schedule(0);
        else void refresh();
        return;
      case "resolve":
        view.resolve = !view.resolve;
        view.message = view.resolve ? "names on: the rows on screen are looked up (hosts file, then DNS, as -r)" : "names off: numeric addresses and ports";
        named();
        return;
      case "details": {
        const key = effect.row.key;
        void readDetails(effect.row, records).then((details) => {
          if (view.panel.kind === "details" && view.panel.key === key) view.panel.details = details;
          draw();
        });
        return;
      }
      case "close":
        void closeConnection(effect.row).then((message) => {
          view.message = message;
          void refresh();
        });
        return;
      case "signal": {
        view.message = signalProcess(effect.pid, effect.signal);
        if (effect.signal === "SIGTERM" && view.message.startsWith("SIGTERM sent")) offerKill(effect.pid);
        void refresh();
        return;
      }
    }
  };

  /** After SIGTERM: if the process still runs a second later, ask whether to send SIGKILL. */
  const offerKill = (pid: number) => {
    const name = records.find((r) => r.pid === pid)?.process ?? "?";
    const deadline = Date.now() + 1000;
    const look = () => {
      if (ended) return;
      if (!isRunning(pid)) {
        view.message = `process ${pid} exited after SIGTERM`;
        return draw();
      }
      if (Date.now() < deadline) return void setTimeout(look, 100);
      if (view.panel.kind === "none") view.panel = { kind: "kill", pid, name, signal: "SIGKILL", note: `${pid} still runs after SIGTERM. ` };
      draw();
    };
    setTimeout(look, 100);
  };

  const onKeys = (data: string) => {
    for (const key of decodeKeys(data)) {
      if (ended) return;
      const ctx: KeyContext = {
        shown: () => shown.of(view),
        columns: columnsShown,
        allColumns: availableColumns(view.rows).map((c) => c.id),
        pageRows: Math.max(1, tableRows(view, terminal.rows) - 1),
      };
      carryOut(pressKey(view, key, ctx));
    }
    draw();
  };

  const terminal = new Terminal({ onKeys, onResize: draw, onEnd: end, cleanup: () => rate.stop() });
  await terminal.enter();
  draw();
  if (o.trace)
    void rate.start().then(() => {
      view.totals.traceNote = rate.note;
      if (rate.note === null) view.totals.transitionsPerSecond = 0;
      draw();
    });
  schedule(view.refresh.effectiveMs - first.costMs);
  return finished;
}
