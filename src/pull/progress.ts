/**
 * Progress bookkeeping: bytes per file and in total, and speed over the last seconds. The
 * transfer reports into it; a view (ink on a TTY, progress-view.ts) reads snapshots. No I/O.
 */
import { Transform, type TransformCallback } from 'node:stream';

export type FileState = 'waiting' | 'active' | 'done' | 'present' | 'failed';

export interface FileProgress {
  label: string;
  total: number;
  done: number;
  state: FileState;
  startedAt?: number;
  endedAt?: number;
}

export interface ProgressSnapshot {
  files: FileProgress[];
  total: number;
  done: number;
  /** Bytes per second over the last few seconds. */
  speed: number;
  elapsed: number;
}

/** Speed is measured over this window, so it follows changes without jumping. */
const WINDOW_MS = 3000;

export class ProgressTracker {
  private readonly files = new Map<string, FileProgress>();
  private readonly samples: { at: number; done: number }[] = [];
  private readonly startedAt: number;
  private done = 0;

  constructor(private readonly now: () => number = Date.now) {
    this.startedAt = now();
  }

  has(key: string): boolean {
    return this.files.has(key);
  }

  add(key: string, label: string, total: number): void {
    this.files.set(key, { label, total, done: 0, state: 'waiting' });
  }

  start(key: string): void {
    const file = this.files.get(key);
    if (file) {
      file.state = 'active';
      file.startedAt = this.now();
    }
  }

  advance(key: string, bytes: number): void {
    const file = this.files.get(key);
    if (!file) return;
    file.done += bytes;
    this.done += bytes;
  }

  /** A retried download starts over: its bytes so far no longer count. */
  restart(key: string): void {
    const file = this.files.get(key);
    if (!file) return;
    this.done -= file.done;
    file.done = 0;
  }

  finish(key: string, state: 'done' | 'present' | 'failed'): void {
    const file = this.files.get(key);
    if (!file) return;
    file.state = state;
    file.endedAt = this.now();
  }

  snapshot(): ProgressSnapshot {
    const now = this.now();
    this.samples.push({ at: now, done: this.done });
    while (this.samples.length > 2 && (this.samples[0] as { at: number }).at < now - WINDOW_MS)
      this.samples.shift();
    const first = this.samples[0] as { at: number; done: number };
    const span = (now - first.at) / 1000;
    const files = [...this.files.values()].map((file) => ({ ...file }));
    return {
      files,
      total: files.reduce((sum, file) => sum + (file.state === 'present' ? 0 : file.total), 0),
      done: this.done,
      speed: span > 0 ? Math.max(0, (this.done - first.done) / span) : 0,
      elapsed: (now - this.startedAt) / 1000,
    };
  }
}

/** Passes bytes through, telling the tracker how many went by. */
export class ProgressCounter extends Transform {
  constructor(private readonly onBytes: (bytes: number) => void) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.onBytes(chunk.byteLength);
    callback(null, chunk);
  }
}
