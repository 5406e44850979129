import * as fsp from 'node:fs/promises';

/** Makes the entries of one directory durable (fsync(2) of the directory). */
export type DirectoryFsync = (dir: string) => Promise<void>;

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface InFlight {
  /** Shared by every caller that asked while this fsync ran. */
  next?: Deferred;
}

/**
 * Group commit of directory fsyncs: many renames into one directory become
 * durable with few fsync(2) calls.
 *
 * `sync(dir)` resolves once an fsync of `dir` that STARTED AFTER the call has
 * succeeded, so it covers every entry change the caller made before calling.
 * An fsync already running when a caller arrives may have started before the
 * caller's change, so that caller waits for the next one; everyone who arrives
 * during the same running fsync shares that next one. At most one fsync per
 * directory runs at a time, and a failure rejects every caller waiting on it.
 */
export class DirectorySync {
  /** Only directories with an fsync running: an idle directory holds no entry. */
  private readonly inFlight = new Map<string, InFlight>();

  constructor(private readonly fsync: DirectoryFsync = fsyncDirectory) {}

  sync(dir: string): Promise<void> {
    const running = this.inFlight.get(dir);
    if (running === undefined) return this.start(dir);
    running.next ??= deferred();
    return running.next.promise;
  }

  /** Directories with an fsync running. */
  get size(): number {
    return this.inFlight.size;
  }

  private start(dir: string): Promise<void> {
    const state: InFlight = {};
    this.inFlight.set(dir, state);
    const done = this.run(dir);
    const handOver = () => {
      this.inFlight.delete(dir);
      const next = state.next;
      if (next) this.start(dir).then(next.resolve, next.reject);
    };
    done.then(handOver, handOver);
    return done;
  }

  // async: a synchronous throw of the injected function becomes a rejection.
  private async run(dir: string): Promise<void> {
    await this.fsync(dir);
  }
}

export async function fsyncDirectory(dir: string): Promise<void> {
  const fh = await fsp.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
