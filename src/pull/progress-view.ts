/**
 * The progress display on a terminal: ink on stderr, redrawn a few times a second from the
 * tracker's snapshots. Imported only when stderr is a TTY: React and ink cost start-up time that
 * pipes and CI logs should not pay.
 */
import { createElement, type ReactElement } from 'react';
import { Box, Text, render } from 'ink';
import { humanSize } from '../units/sizes.js';
import type { ProgressSnapshot, ProgressTracker } from './progress.js';

/** Lines of finished files kept on screen: the rest are counted in the header. */
const FINISHED_SHOWN = 4;

function percent(done: number, total: number): string {
  return total > 0 ? `${Math.min(100, Math.floor((done / total) * 100))}%` : '';
}

function bar(done: number, total: number, width = 20): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

function view(snapshot: ProgressSnapshot, color: boolean): ReactElement {
  const c = (name: string) => (color ? name : undefined);
  const active = snapshot.files.filter((file) => file.state === 'active');
  const finished = snapshot.files.filter((file) => file.state !== 'active' && file.state !== 'waiting');
  const count = snapshot.files.length;
  const rows: ReactElement[] = [
    createElement(
      Text,
      { key: 'total', bold: true },
      `Pulling ${finished.length}/${count} files  ${bar(snapshot.done, snapshot.total)} ${humanSize(snapshot.done)} / ${humanSize(snapshot.total)} ${percent(snapshot.done, snapshot.total)}  ${humanSize(snapshot.speed)}/s`,
    ),
  ];
  for (const file of finished.slice(-FINISHED_SHOWN)) {
    const mark = file.state === 'done' ? '✔' : file.state === 'present' ? '=' : '✘';
    const colour = file.state === 'done' ? 'green' : file.state === 'present' ? 'gray' : 'red';
    rows.push(
      createElement(
        Text,
        { key: `f-${file.label}`, wrap: 'truncate-end' },
        createElement(Text, { color: c(colour) }, `  ${mark} `),
        `${file.label}  ${file.state === 'present' ? 'already present' : humanSize(file.total)}`,
      ),
    );
  }
  for (const file of active) {
    const seconds = file.startedAt !== undefined ? Math.max(0.001, (Date.now() - file.startedAt) / 1000) : 0;
    const speed = seconds > 0 ? file.done / seconds : 0;
    rows.push(
      createElement(
        Text,
        { key: `a-${file.label}`, wrap: 'truncate-end' },
        createElement(Text, { color: c('cyan') }, '  ↓ '),
        `${file.label}  ${bar(file.done, file.total, 12)} ${humanSize(file.done)} / ${humanSize(file.total)}  ${humanSize(speed)}/s`,
      ),
    );
  }
  return createElement(Box, { flexDirection: 'column' }, ...rows);
}

export interface ProgressView {
  stop(): Promise<void>;
}

export function startProgressView(tracker: ProgressTracker, options: { color: boolean }): ProgressView {
  const instance = render(view(tracker.snapshot(), options.color), {
    stdout: process.stderr,
    patchConsole: false,
    exitOnCtrlC: false,
  });
  const timer = setInterval(() => instance.rerender(view(tracker.snapshot(), options.color)), 150);
  return {
    async stop() {
      clearInterval(timer);
      instance.rerender(view(tracker.snapshot(), options.color));
      instance.unmount();
      await instance.waitUntilExit();
    },
  };
}
