/**
 * Runs `work` on every item with at most `parallel` running at once, in the
 * items' order. The first failure stops the start of new items, waits for the
 * running ones to settle (so no request is left behind the command) and is
 * thrown; `signal` is aborted at that failure so running work can stop early.
 */
export async function runParallel<T, R>(items: readonly T[], parallel: number, work: (item: T, signal: AbortSignal) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  const controller = new AbortController();
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index], controller.signal);
      } catch (error) {
        if (failure === undefined) {
          failure = { error };
          controller.abort(error);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, items.length)) }, worker));
  if (failure) throw failure.error;
  return results;
}
