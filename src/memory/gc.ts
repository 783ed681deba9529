/**
 * V8's collector, driven where its own policy costs memory for nothing. Node exposes gc() only
 * with --expose-gc; setting the flag at run time and fetching gc from a fresh context is the
 * documented way around that for tools. If any of it fails, callers run without it.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

export type Gc = (options?: { type?: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

let cached: Gc | null | undefined;

export function gcFunction(): Gc | null {
  if (cached !== undefined) return cached;
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    cached = typeof gc === 'function' ? (gc as Gc) : null;
  } catch {
    cached = null;
  } finally {
    // The function fetched stays usable. Left set, the flag would change V8's flag hash, and the
    // code cache the loader writes at exit (scripts/bundle-start.cjs) would carry that hash: V8
    // rejects it at every later start, which then compiles everything again and rewrites it.
    v8.setFlagsFromString('--no-expose-gc');
  }
  return cached;
}

/**
 * Keeps the heap near what is live while a walk builds a large tree. After a full collection V8
 * lets the old generation grow to about 3.5x what survived before it collects again; a walk that
 * allocates fast and keeps little (each referrer's request, response and parse die; its node
 * stays) fills that room with dead objects: 10,000 referrers of one subject peaked at a 100 MiB
 * heap for 25 MiB live. A full collection whenever the heap passes `factor` x the live size of the
 * last one (plus `slackBytes`) keeps the peak near that instead. A forced collection is not
 * incremental, and on a large heap it takes a while: after each, the valve waits long enough that
 * collecting stays under `maxShare` of the time, and V8's own policy is the bound meanwhile.
 * Returns the function that stops it.
 */
export interface HeapValveOptions {
  factor?: number;
  slackBytes?: number;
  maxShare?: number;
  intervalMs?: number;
  /** Test hooks: the collector, the heap's used bytes, the clock (ms). */
  gc?: Gc | null;
  heapUsed?: () => number;
  now?: () => number;
}

/** Stops the valve; `settle()` collects now (after a large structure became garbage) and bounds from there. */
export type HeapValve = (() => void) & { settle(): void };

export function startHeapValve(options: HeapValveOptions = {}): HeapValve {
  const gc = options.gc === undefined ? gcFunction() : options.gc;
  if (!gc) return Object.assign(() => undefined, { settle: () => undefined });
  const heapUsed = options.heapUsed ?? (() => v8.getHeapStatistics().used_heap_size);
  const clock = options.now ?? (() => performance.now());
  const factor = options.factor ?? 1.5;
  const slack = options.slackBytes ?? 16 * 1024 ** 2;
  const pause = 1 / (options.maxShare ?? 0.05) - 1;
  let live = heapUsed();
  let quietUntil = 0;
  const timer = setInterval(() => {
    const now = clock();
    if (now < quietUntil || heapUsed() <= live * factor + slack) return;
    gc({ type: 'major' });
    const done = clock();
    quietUntil = done + (done - now) * pause;
    live = heapUsed();
  }, options.intervalMs ?? 20);
  timer.unref();
  const settle = (): void => {
    gc({ type: 'major' });
    quietUntil = 0;
    live = heapUsed();
  };
  return Object.assign(() => clearInterval(timer), { settle });
}
