/**
 * Runs `work` with V8's heap growing factor fixed at `percent`: how far past what survived a
 * full collection the heap may grow before the next one. V8's own factor lets a run that makes
 * much short-lived garbage beside what it holds (a reading per refresh in top; the table of
 * -i at 100k sockets) grow the heap to two or three times its live size; a fixed one keeps it
 * near the live size and bounds nothing (a bigger table still fits). V8 reads it at each full
 * collection. Set back to V8's own (0) when `work` ends, however it ends: the flags are part of
 * the code cache's key (src/lib/code-cache.ts writes the cache at exit), and a cache written
 * under this one would be refused by the next run.
 */
export async function withHeapGrowing<T>(percent: number, work: () => Promise<T>): Promise<T> {
  // Loaded here: most runs never need node:v8.
  const { setFlagsFromString } = await import("node:v8");
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  try {
    return await work();
  } finally {
    setFlagsFromString("--heap-growing-percent=0");
  }
}
