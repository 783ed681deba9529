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
