import type { ChalkInstance } from "chalk";
import { writeError } from "../../io.js";
import { RecordReuse } from "../../lib/record-reuse.js";
import { SocketTracker } from "../../lib/watch-diff.js";
import type { SocketRecord } from "../../model/socket.js";
import type { SourceFlags } from "../../load/source-options.js";
import { closeConnection, isRunning, signalProcess } from "./actions.js";
import { availableColumns, placeColumns } from "./columns.js";
import { decodeKeys, pressKey, type Effect, type KeyContext } from "./keys.js";
import { BUSY_SHARE, BesideReads } from "./beside.js";
import type { InfoReading } from "./rates.js";
import { HolderCache } from "./holder-cache.js";
import { holderMode, infoPairs, readDetails, readInfoOf, readSockets, sayFirst, tcpInfoMissing, type InfoPair } from "./read.js";
import { renderScreen, tableRows } from "./render.js";
import { RowBook, totalsOf } from "./rows.js";
import { ShownRows, keepInSight } from "./shown.js";
import { Terminal } from "./terminal.js";
import { TransitionRate } from "./trace-rate.js";
import { turn } from "./turn.js";
import { NameBook } from "./names.js";
import { Places } from "./places.js";
import { emptyView, type TopRow } from "./view.js";

export interface TopOptions {
  flags: SourceFlags;
  intervalMs: number;
  chalk: ChalkInstance;
  trace: boolean;
}

/** Runs `top` until q, Ctrl-C, a signal or a crash; resolves with the exit status. */
export async function runTopSession(o: TopOptions): Promise<number> {
  const view = emptyView(o.intervalMs);
  const tracker = new SocketTracker();
  const reuse = new RecordReuse();
  const book = new RowBook();
  const shown = new ShownRows();
  const rate = new TransitionRate();
  if (!o.trace) rate.note = "off";
  const names = new NameBook();
  const ssMissing = tcpInfoMissing();
  const places = new Places();
  const beside = new BesideReads(holderMode(o.flags) === "cached" ? new HolderCache() : null, ssMissing === null, o.intervalMs, places);
  const { holders, screenRates, allRates } = beside;
  let records: SocketRecord[] = [];
  let raw: TopRow[] = [];
  /** The connections on screen at the last frame: their tcp_info is read each refresh. */
  let onScreenPairs: InfoPair[] = [];
  let timer: NodeJS.Timeout | null = null;
  let reading = false;
  let ended = false;
  let lastIndex = 0;
  let columnsShown: KeyContext["columns"] = [];
  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => (finish = resolve));

  /**
   * One refresh: the sockets read (and meanwhile the tcp_info of the rows on screen), compared
   * with the last reading in turns (keys are answered between them), and made rows. Its cost,
   * all of that, is what the header shows and what paces the refresh.
   */
  const refreshOnce = async (first: boolean) => {
    const started = performance.now();
    // A small table's refresh reads every socket's tcp_info; a big one's only the rows on screen.
    const whole = !first && beside.wholeWithRefresh(records.length);
    const pairs = beside.tcpInfo && !first && !whole ? onScreenPairs : [];
    const readInfo = async (): Promise<InfoReading | null> => {
      if (whole) return beside.readAllNow(records.length, places.others(records)).catch(() => null);
      if (pairs.length === 0) return null;
      const screen = await readInfoOf(pairs, places).catch(() => null);
      if (screen) await screenRates.take(screen.store, screen.time, false);
      return screen?.store ?? null;
    };
    // ss starts once the tables are read: both are the kernel's work, and ss then runs on the
    // other core while this thread compares the reading.
    const sockets = await readSockets(o.flags, first, reuse);
    const reading = readInfo();
    if (ended) return;
    // Holders from the last scan; the sockets newer than it are marked, not shown without.
    let pending: Set<SocketRecord> | null = null;
    if (holders) for (const record of sockets.records) if (!holders.attach(record)) (pending ??= new Set()).add(record);
    const diff = await tracker.updateInTurns(sockets.records, turn);
    records = sockets.records;
    const info = await reading;
    raw = await book.update(diff, { screenRates, allRates, info, pending }, turn);
    named();
    view.tcpInfo = beside.tcpInfo;
    totals();
    const costMs = performance.now() - started;
    const effectiveMs = Math.max(o.intervalMs, Math.round(costMs / BUSY_SHARE));
    view.refresh = { costMs, intervalMs: o.intervalMs, effectiveMs, time: new Date() };
    const panel = view.panel;
    if (panel.kind === "details") panel.row = view.rows.find((row) => row.key === panel.key) ?? { ...panel.row, mark: "gone" };
  };

  const totals = () => {
    view.totals = totalsOf(view.rows, rate.take(), rate.note);
    view.behind = beside.behind(holders !== null && raw.some((row) => row.holdersPending));
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

  /** A holder scan when its pace allows (or `now`); the rows waiting for it get their holders when it answers. */
  const scanHolders = (now = false): Promise<void> =>
    beside.scanHolders(records, now).then(
      (answered) => {
        if (!answered || ended || !holders) return;
        for (const row of raw) if (row.holdersPending && holders.attach(row.record)) delete row.holdersPending;
        if (holders.notice) view.message = holders.notice;
        // A filter or a sort on the holders (process, PID/Program) is applied again to them.
        shown.forget();
        named();
        totals();
        draw();
      },
      (error: Error) => void (view.message = `reading the holders failed: ${error.message}`),
    );

  const readAllInfo = () => {
    if (!ended) beside.readAllInfo(records.length, () => places.others(records), (why) => (view.message = why));
  };

  // The first reading before the screen is taken: its notices stay readable on the normal screen.
  await refreshOnce(true);
  sayFirst(ssMissing === null ? [] : [ssMissing], o.flags.quiet);

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
      onScreenPairs = infoPairs(onScreen);
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
    const started = performance.now();
    try {
      await refreshOnce(false);
    } catch (error) {
      view.message = `reading the sockets failed: ${(error as Error).message}`;
    } finally {
      reading = false;
    }
    draw();
    schedule(view.refresh.effectiveMs - (performance.now() - started));
    void scanHolders();
    readAllInfo();
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
      case "holders":
        return awaitHolders(effect.then, 2);
      case "details": {
        const key = effect.row.key;
        void readDetails(effect.row, records, beside.tcpInfo, places).then((details) => {
          if (view.panel.kind === "details" && view.panel.key === key) view.panel.details = details;
          draw();
        });
        return;
      }
      case "close":
        void closeConnection(effect.row, places).then((message) => {
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

  /**
   * k on a socket newer than the last holder scan: a scan now (or the one running, then one
   * more, which asks about it), then the same key again; said when it is still not known.
   */
  const awaitHolders = (key: string, tries: number) => {
    const selected = view.selected;
    void scanHolders(true).then(() => {
      if (ended || view.selected !== selected) return;
      const row = view.rows.find((r) => r.key === selected);
      if (row?.holdersPending) {
        if (tries > 1) return awaitHolders(key, tries - 1);
        view.message = "this socket's holders are not read yet: try again in a moment";
      } else {
        view.message = null;
        carryOut(pressKey(view, key, keyContext()));
      }
      draw();
    });
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
      // Asked even over the help or a details panel (a question of close or kill is left to its answer).
      if (view.panel.kind !== "close" && view.panel.kind !== "kill") view.panel = { kind: "kill", pid, name, signal: "SIGKILL", note: `${pid} still runs after SIGTERM. ` };
      else view.message = `process ${pid} still runs after SIGTERM (k on its row asks again)`;
      draw();
    };
    setTimeout(look, 100);
  };

  const keyContext = (): KeyContext => ({
    shown: () => shown.of(view),
    columns: columnsShown,
    allColumns: availableColumns(view.rows).map((c) => c.id),
    pageRows: Math.max(1, tableRows(view, terminal.rows) - 1),
  });

  const onKeys = (data: string) => {
    for (const key of decodeKeys(data)) {
      if (ended) return;
      carryOut(pressKey(view, key, keyContext()));
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
  schedule(view.refresh.effectiveMs - view.refresh.costMs);
  // After the first frame: the holders and every socket's tcp_info, in the background.
  void scanHolders();
  readAllInfo();
  return finished;
}
