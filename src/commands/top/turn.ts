/**
 * A turn of the event loop, awaited between chunks of work on a big table (a reading compared,
 * holders or tcp_info taken in): keys that came meanwhile are answered before the work goes on.
 */
export const turn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));
