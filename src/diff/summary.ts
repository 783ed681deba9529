/** Counts for the summary line and the report's `summary`, pure. */
import type { ArtifactDiff, ContentDiff, DiffSummary, TaskDiff } from './model.js';

function visit(
  entries: ContentDiff[] | undefined,
  each: (entry: ContentDiff, inArchive: boolean) => void,
  inArchive = false,
): void {
  for (const entry of entries ?? []) {
    each(entry, inArchive);
    visit(entry.files, each, true);
  }
}

export function summarize(tasks: TaskDiff[], artifacts: ArtifactDiff[]): DiffSummary {
  const summary: DiffSummary = {
    artifacts: { added: 0, removed: 0, changed: 0, unchanged: 0 },
    tasks: { added: 0, removed: 0, outcomeChanged: 0 },
    files: { added: 0, removed: 0, changed: 0 },
    tests: { newlyFailing: 0, newlyPassing: 0, appeared: 0, disappeared: 0 },
    packages: { added: 0, removed: 0, changed: 0 },
    skipped: 0,
  };
  for (const task of tasks) {
    if (task.status === 'added') summary.tasks.added++;
    if (task.status === 'removed') summary.tasks.removed++;
    if (task.outcomeChanged) summary.tasks.outcomeChanged++;
  }
  for (const artifact of artifacts) {
    summary.artifacts[artifact.status]++;
    visit(artifact.content, (entry, inArchive) => {
      if (inArchive && entry.kind !== 'directory') {
        if (entry.change === 'A') summary.files.added++;
        else if (entry.change === 'D') summary.files.removed++;
        else summary.files.changed++;
      }
      if (entry.skipped !== undefined) summary.skipped++;
      for (const test of entry.tests ?? []) {
        if (test.change === 'newly-failing') summary.tests.newlyFailing++;
        else if (test.change === 'newly-passing') summary.tests.newlyPassing++;
        else if (test.change === 'appeared') summary.tests.appeared++;
        else if (test.change === 'disappeared') summary.tests.disappeared++;
      }
      for (const p of entry.packages ?? []) summary.packages[p.op === 'changed' ? 'changed' : p.op]++;
    });
  }
  return summary;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "3 artifacts changed, 2 added" from [[count, what], …]: the first count names the noun. */
function counted(noun: string, counts: [number, string][]): string | undefined {
  const present = counts.filter(([n]) => n > 0);
  if (present.length === 0) return undefined;
  return present.map(([n, what], i) => (i === 0 ? `${plural(n, noun)} ${what}` : `${n} ${what}`)).join(', ');
}

/** "3 artifacts changed, 1 added; 2 tests newly failing; 1 task outcome changed", or "no differences". */
export function summaryLine(summary: DiffSummary): string {
  const { artifacts: a, tests: t, packages: p, tasks, files: f } = summary;
  const parts = [
    counted('artifact', [
      [a.changed, 'changed'],
      [a.added, 'added'],
      [a.removed, 'removed'],
    ]),
    counted('test', [
      [t.newlyFailing, 'newly failing'],
      [t.newlyPassing, 'newly passing'],
      [t.appeared, 'appeared'],
      [t.disappeared, 'disappeared'],
    ]),
    counted('package', [
      [p.changed, 'changed version'],
      [p.added, 'added'],
      [p.removed, 'removed'],
    ]),
    counted('file', [
      [f.changed, 'changed'],
      [f.added, 'added'],
      [f.removed, 'removed'],
    ]),
    counted('task', [
      [tasks.outcomeChanged, 'changed outcome'],
      [tasks.added, 'added'],
      [tasks.removed, 'removed'],
    ]),
  ].filter((part): part is string => part !== undefined);
  return parts.length === 0 ? 'no differences' : parts.join('; ');
}
