import { afterEach, describe, expect, it, vi } from 'vitest';
import { gcFunction, startHeapValve } from '../../../src/memory/gc.js';
import { drainConcurrent } from '../../../src/oci/concurrency.js';

const MiB = 1024 ** 2;

describe('startHeapValve', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A heap that grows by what the test allocates and falls to `live` when collected. */
  function fakeHeap(start: number): {
    heap: { used: number; live: number; clock: number };
    collections: number[];
  } {
    const heap = { used: start, live: start, clock: 0 };
    return { heap, collections: [] };
  }

  it('collects once the heap passes factor x live + slack, then measures live again', () => {
    vi.useFakeTimers();
    const { heap, collections } = fakeHeap(20 * MiB);
    const stop = startHeapValve({
      factor: 1.5,
      slackBytes: 10 * MiB,
      intervalMs: 10,
      heapUsed: () => heap.used,
      now: () => heap.clock,
      gc: () => {
        collections.push(heap.used);
        heap.used = heap.live;
      },
    });
    heap.used = 40 * MiB; // 20 x 1.5 + 10 = 40: not past it
    vi.advanceTimersByTime(50);
    expect(collections).toEqual([]);
    // What survives the collection (the tree so far) sets the next bound: 30 x 1.5 + 10 = 55 MiB.
    heap.live = 30 * MiB;
    heap.used = 41 * MiB;
    vi.advanceTimersByTime(10);
    expect(collections).toEqual([41 * MiB]);
    heap.used = 54 * MiB;
    vi.advanceTimersByTime(50);
    expect(collections).toHaveLength(1);
    heap.used = 56 * MiB;
    vi.advanceTimersByTime(10);
    expect(collections).toEqual([41 * MiB, 56 * MiB]);
    stop();
    heap.used = 500 * MiB;
    vi.advanceTimersByTime(100);
    expect(collections).toHaveLength(2);
  });

  it('settle() collects at once, ends a quiet period and bounds from what survived (gc between phases)', () => {
    vi.useFakeTimers();
    const { heap, collections } = fakeHeap(100 * MiB);
    const stop = startHeapValve({
      factor: 1.1,
      slackBytes: 0,
      maxShare: 0.5,
      intervalMs: 10,
      heapUsed: () => heap.used,
      now: () => heap.clock,
      gc: () => {
        collections.push(heap.used);
        if (collections.length === 1) heap.clock += 1000; // slow: the timer would wait 1 s after it
        heap.used = heap.live;
      },
    });
    heap.used = 120 * MiB;
    vi.advanceTimersByTime(10);
    expect(collections).toEqual([120 * MiB]);
    // The inventory became garbage: settle() collects now, quiet period or not.
    heap.live = 40 * MiB;
    heap.used = 130 * MiB;
    stop.settle();
    expect(collections).toEqual([120 * MiB, 130 * MiB]);
    // Bounded from 40 MiB (x 1.1 = 44) at once, not after the slow collection's pause.
    heap.used = 45 * MiB;
    vi.advanceTimersByTime(10);
    expect(collections).toEqual([120 * MiB, 130 * MiB, 45 * MiB]);
    stop();
  });

  it('waits after a slow collection, so collecting stays under its share of the time', () => {
    vi.useFakeTimers();
    const { heap, collections } = fakeHeap(100 * MiB);
    const stop = startHeapValve({
      factor: 1,
      slackBytes: 0,
      maxShare: 0.1,
      intervalMs: 10,
      heapUsed: () => heap.used,
      now: () => heap.clock,
      gc: () => {
        collections.push(heap.clock);
        heap.clock += 100; // a 100 ms collection
        heap.used = heap.live;
      },
    });
    const tick = (ms: number): void => {
      for (let t = 0; t < ms; t += 10) {
        heap.clock += 10;
        heap.used += MiB;
        vi.advanceTimersByTime(10);
      }
    };
    tick(10);
    expect(collections).toHaveLength(1);
    // 100 ms collecting at most 10 % of the time: quiet for 900 ms after it ended.
    tick(880);
    expect(collections).toHaveLength(1);
    tick(30);
    expect(collections).toHaveLength(2);
    stop();
  });

  it('does nothing without a collector', () => {
    const stop = startHeapValve({ gc: null });
    expect(stop()).toBeUndefined();
  });

  it("gets V8's collector at run time", () => {
    const gc = gcFunction();
    expect(typeof gc).toBe('function');
    const before = process.memoryUsage().heapUsed;
    let garbage: number[][] | undefined = Array.from({ length: 20_000 }, (_, i) => [i, i + 1]);
    expect(garbage.length).toBe(20_000);
    garbage = undefined;
    gc?.({ type: 'major' });
    expect(process.memoryUsage().heapUsed).toBeLessThan(before + 4 * MiB);
  });
});

describe('drainConcurrent', () => {
  it('hands every item to fn at most `concurrency` at once, emptying each slot as it is taken', async () => {
    const items: (number | undefined)[] = [1, 2, 3, 4, 5, 6, 7];
    const seen: number[] = [];
    let active = 0;
    let peak = 0;
    await drainConcurrent(items, 3, async (item, index) => {
      expect(items[index]).toBeUndefined();
      active++;
      peak = Math.max(peak, active);
      await new Promise((resolve) => setTimeout(resolve, 2));
      seen.push(item);
      active--;
    });
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
    expect(items).toEqual(Array.from({ length: 7 }, () => undefined));
  });
});
