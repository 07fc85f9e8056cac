import { columnById } from "./columns.js";
import type { TopRow, TopView } from "./view.js";

/**
 * The rows the table lists: the filter's, in the sort's order (ties in the reading's order). Kept until the rows, the sort or the filter change: a key that only
 * moves the selection costs nothing at 100k rows.
 */
export class ShownRows {
  private rows: readonly TopRow[] | null = null;
  private sort = "";
  private match: TopView["filter"]["match"] = null;
  private shown: TopRow[] = [];

  /** Forgets the last answer: the rows changed in place (a holder scan answered), not by a new reading. */
  forget(): void {
    this.rows = null;
  }

  of(view: TopView): TopRow[] {
    const sort = `${view.sort.column}|${view.sort.reverse}`;
    if (view.rows === this.rows && sort === this.sort && view.filter.match === this.match) return this.shown;
    this.rows = view.rows;
    this.sort = sort;
    this.match = view.filter.match;
    const match = view.filter.match;
    const kept = match ? view.rows.filter((r) => match(r.record)) : [...view.rows];
    const column = columnById(view.sort.column);
    // Numbers (bytes/s, queues) read best largest first: their natural order is descending.
    const sign = (view.sort.reverse ? -1 : 1) * (column.align === "right" ? -1 : 1);
    // Ties keep the reading's order (the sort is stable), so rows do not jump between refreshes.
    if (column.value) {
      const value = column.value;
      const values = Float64Array.from(kept, (r) => value(r));
      const order = kept.map((_, i) => i).sort((a, b) => sign * (values[a]! - values[b]!));
      this.shown = order.map((i) => kept[i]!);
      return this.shown;
    }
    kept.sort((a, b) => sign * column.compare(a, b));
    this.shown = kept;
    return kept;
  }
}

/** Moves the selection by `delta` rows (or to the first/last) and keeps it on screen. */
export function moveSelection(view: TopView, shown: readonly TopRow[], to: number | "first" | "last", pageRows: number): void {
  if (shown.length === 0) {
    view.selected = null;
    view.top = 0;
    return;
  }
  const at = selectedIndex(view, shown);
  const next = to === "first" ? 0 : to === "last" ? shown.length - 1 : Math.max(0, Math.min(shown.length - 1, at + to));
  view.selected = shown[next]!.key;
  keepInSight(view, next, pageRows, shown.length);
}

/** Index of the selected row in `shown` (the first row when it is not there). */
export function selectedIndex(view: TopView, shown: readonly TopRow[]): number {
  if (view.selected === null) return 0;
  const i = shown.findIndex((r) => r.key === view.selected);
  return i < 0 ? 0 : i;
}

export function keepInSight(view: TopView, index: number, pageRows: number, total: number): void {
  if (index < view.top) view.top = index;
  if (index >= view.top + pageRows) view.top = index - pageRows + 1;
  view.top = Math.max(0, Math.min(view.top, Math.max(0, total - pageRows)));
}
