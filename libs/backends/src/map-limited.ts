/**
 * Calls `fn` for every item with at most `limit` calls in flight, and
 * resolves with the results in the order of `items` (not of completion).
 *
 * After the first failure no further item is started, and the promise
 * rejects with that first error once the calls already running have
 * settled: nothing keeps working behind the caller's back, so a caller may
 * clean up in its `catch` (abort an upload, delete what was written).
 */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`mapLimited: limit must be an integer ≥ 1, got ${limit}`);
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index], index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
  return results;
}
