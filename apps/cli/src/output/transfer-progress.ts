import { SingleBar } from 'cli-progress';
import { Transform, TransformCallback } from 'node:stream';
import { formatBytes } from './format';

/** Smaller transfers finish before a bar would help. */
export const PROGRESS_MIN_BYTES = 1024 * 1024;

export interface ProgressTarget {
  isTTY?: boolean;
  write(chunk: string): boolean;
  columns?: number;
}

/**
 * A progress bar (cli-progress) with rate and ETA for one upload or
 * download, drawn on stderr. Off unless stderr is a terminal, the size is
 * known and at least PROGRESS_MIN_BYTES, and the output is not --json.
 */
export class TransferProgress {
  private readonly bar?: SingleBar;
  private done = 0;
  private readonly startedAt = Date.now();

  constructor(label: string, total: number | undefined, stream: ProgressTarget, enabled: boolean) {
    if (!enabled || !stream.isTTY || total === undefined || total < PROGRESS_MIN_BYTES) return;
    this.bar = new SingleBar({
      format: `${label} [{bar}] {percentage}% | {done} of {size} | {rate} | ETA {eta_formatted}`,
      barCompleteChar: '=',
      barIncompleteChar: ' ',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      etaBuffer: 50,
      fps: 10,
      // cli-progress only needs write/isTTY/columns of a stream.
      stream: stream as unknown as NodeJS.WritableStream,
    });
    this.bar.start(total, 0, { done: formatBytes(0), size: formatBytes(total), rate: '-' });
  }

  get active(): boolean {
    return this.bar !== undefined;
  }

  /** A pass-through stream that counts what flows through it. */
  meter(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) => {
        this.add(chunk.length);
        callback(null, chunk);
      },
    });
  }

  add(bytes: number): void {
    this.done += bytes;
    if (!this.bar) return;
    const seconds = Math.max((Date.now() - this.startedAt) / 1000, 0.001);
    this.bar.update(this.done, { done: formatBytes(this.done), rate: `${formatBytes(this.done / seconds)}/s` });
  }

  stop(): void {
    this.bar?.stop();
  }
}
