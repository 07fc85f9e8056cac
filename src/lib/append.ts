/**
 * Appends items one by one: `target.push(...items)` passes every item as an argument
 * and overflows the call stack past roughly 100k items (a namespace with 100k sockets).
 */
export function append<T>(target: T[], items: readonly T[]): T[] {
  for (const item of items) target.push(item);
  return target;
}
