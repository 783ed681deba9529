/**
 * Keeps memory flat while blobs stream through. Every socket read allocates a fresh 64 KiB
 * buffer; the JavaScript objects around them are so small that V8's young generation fills (and
 * frees them) only after gigabytes, so dead buffers pile up until V8's external-memory limit
 * (~64 MiB) forces a full collection: measured, 1 GiB pulled peaked at 180 MiB RSS, of which
 * ~66 MiB were dead buffers. A scavenge whenever dead buffers pass a few MiB keeps the peak near
 * the process's base size, and costs less time than the page faults it avoids (about 20 % faster
 * on the 1 GiB benchmark).
 *
 * The scavenge needs V8's gc() (src/memory/gc.ts); without it pull simply runs without the valve.
 */
import { gcFunction } from '../memory/gc.js';

/** Starts watching buffer memory; returns the function that stops it. */
export function startMemoryValve(options: { thresholdBytes?: number; intervalMs?: number } = {}): () => void {
  const gc = gcFunction();
  if (!gc) return () => undefined;
  const threshold = options.thresholdBytes ?? 16 * 1024 ** 2;
  const timer = setInterval(() => {
    if (process.memoryUsage().arrayBuffers > threshold) gc({ type: 'minor' });
  }, options.intervalMs ?? 10);
  timer.unref();
  return () => clearInterval(timer);
}

export interface HeapValve {
  /** A full collection now, after a large structure became garbage: the next bound starts from there. */
  settle(): void;
  stop(): void;
}

/**
 * Keeps V8's heap near what is live while a large data set is built (gc's inventory of 70,000
 * manifests). Left alone, V8 lets the old generation grow to about three times what is live
 * before a full collection (measured: 345 MiB of heap for 100 MiB live), because every request
 * promotes some garbage. A full collection whenever the heap has grown past what the last one
 * left by `slackBytes`, or a sixth of it when that is more, bounds the peak; the sixth keeps
 * the cost linear (a collection costs in proportion to what is live, so a fixed slack would make
 * a plan twice as large cost four times the collections' time). Without gc() it does nothing.
 */
export function startHeapValve(options: { slackBytes?: number; intervalMs?: number } = {}): HeapValve {
  const gc = gcFunction();
  if (!gc) return { settle: () => undefined, stop: () => undefined };
  const slack = options.slackBytes ?? 12 * 1024 ** 2;
  const used = (): number => v8.getHeapStatistics().used_heap_size;
  let limit = used() + slack;
  const collect = (): void => {
    gc({ type: 'major' });
    const floor = used();
    limit = floor + Math.max(slack, floor / 6);
  };
  const timer = setInterval(() => {
    if (used() > limit) collect();
  }, options.intervalMs ?? 20);
  timer.unref();
  return { settle: collect, stop: () => clearInterval(timer) };
}
