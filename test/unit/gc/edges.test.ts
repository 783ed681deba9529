// The small pure parts around gc: durations, flag checks, the live view, the CronJob, the text.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cronJobObjects } from '../../../src/gc/cronjob.js';
import { parseDuration } from '../../../src/units/duration.js';
import { liveViewOf } from '../../../src/gc/liveness.js';
import { runKey } from '../../../src/gc/model.js';
import type { GcPlan } from '../../../src/gc/plan.js';
import {
  BLOB_GC_NOTE,
  formatReport,
  planTextChunks,
  printable,
  type TextOptions,
} from '../../../src/gc/render.js';

/** The plan text whole, as gc writes it chunk by chunk. */
function formatPlan(plan: GcPlan, options: TextOptions & { apply: boolean }): string {
  return [...planTextChunks(plan, options)].join('');
}
import { validateGcOptions, type GcOptions } from '../../../src/gc/run.js';
import type { GcReport } from '../../../src/gc/apply.js';
import type { PipelineRun, TaskRun } from '../../../src/cluster/types.js';
import { d } from './helpers.js';

describe('parseDuration', () => {
  it('reads Go-style durations plus days and weeks', () => {
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('2w')).toBe(14 * 86_400_000);
    expect(parseDuration('90s')).toBe(90_000);
  });
  it('refuses what is not a positive duration', () => {
    for (const bad of ['', '30', 'd', '-1d', '0s', '1y', '1 d', '1h 30m'])
      expect(parseDuration(bad)).toBeUndefined();
  });
});

describe('validateGcOptions', () => {
  const base: GcOptions = {
    cluster: {},
    allNamespaces: false,
    registry: { plainHttp: [], insecure: [] },
    configMapName: 'config-artifact-storage',
    tektonNamespace: 'tekton-pipelines',
    force: false,
    includeAttached: false,
    apply: false,
    output: 'text',
    verbose: false,
    concurrency: 8,
  };
  it('refuses malformed durations, --force without --run, -n with -A, and policies on a saved plan', () => {
    expect(() => validateGcOptions({ ...base, olderThan: '30 days' })).toThrow(/is not a duration/);
    expect(() => validateGcOptions({ ...base, force: true })).toThrow(/--force only applies to --run/);
    expect(() => validateGcOptions({ ...base, allNamespaces: true, cluster: { namespace: 'ci' } })).toThrow(
      /exclusive/,
    );
    expect(() => validateGcOptions({ ...base, apply: true, planFile: 'p.json', keepLast: 3 })).toThrow(
      /--keep-last cannot change it/,
    );
    expect(validateGcOptions({ ...base, olderThan: '1d' })).toEqual({ olderThanMs: 86_400_000 });
  });
});

describe('liveViewOf', () => {
  const pr = (name: string, status: Record<string, unknown>): PipelineRun => ({
    apiVersion: 'tekton.dev/v1',
    kind: 'PipelineRun',
    metadata: { name, namespace: 'ci', uid: `u-${name}`, labels: { 'tekton.dev/pipeline': 'build' } },
    status,
  });
  it('records runs, whether they run, and every digest they name', () => {
    const consumer = {
      apiVersion: 'tekton.dev/v1',
      kind: 'TaskRun',
      metadata: { name: 'use', namespace: 'ci' },
      spec: { params: [{ name: 'SOURCE_ARTIFACT', value: `oci:registry.example.com/ci/src@${d('b')}` }] },
      status: { completionTime: '2026-11-20T10:00:00Z' },
    } as unknown as TaskRun;
    const view = liveViewOf({ kind: 'cluster', describe: 'cluster x' }, [
      {
        namespace: 'ci',
        pipelineRuns: [
          pr('done', { completionTime: '2026-11-20T10:00:00Z' }),
          pr('busy', { conditions: [{ type: 'Succeeded', status: 'Unknown' }] }),
        ],
        taskRuns: [consumer],
      },
    ]);
    expect(view.runs.get(runKey('PipelineRun', 'ci', 'done'))).toMatchObject({
      running: false,
      uid: 'u-done',
      pipeline: 'build',
    });
    expect(view.runs.get(runKey('PipelineRun', 'ci', 'busy'))?.running).toBe(true);
    expect(view.referenced.get(d('b'))).toEqual([
      { label: 'TaskRun ci/use', runs: [{ key: 'TaskRun/ci/use' }] },
    ]);
  });
  it('from an export, a namespace with no runs in it proves nothing', () => {
    const view = liveViewOf({ kind: 'file', describe: 'file x' }, [
      { namespace: 'ci', pipelineRuns: [], taskRuns: [] },
    ]);
    expect([...view.namespaces]).toEqual([]);
    const cluster = liveViewOf({ kind: 'cluster', describe: 'c' }, [
      { namespace: 'ci', pipelineRuns: [], taskRuns: [] },
    ]);
    expect([...cluster.namespaces]).toEqual(['ci']);
  });
});

describe('cronJobObjects', () => {
  const options = {
    image: 'registry.example.com/tkn-artifacts:0.1.0',
    schedule: '0 3 * * *',
    namespace: 'ci',
    allNamespaces: false,
    repository: undefined,
    olderThan: '30d',
    keepLast: undefined,
    tektonNamespace: 'tekton-pipelines',
    configMapName: 'config-artifact-storage',
    registryConfigSecret: undefined,
  };
  it('grants only get/list on runs and get on the storage ConfigMap by name, never Secrets', () => {
    const objects = cronJobObjects(options);
    expect(
      objects.map(
        (o) => `${String(o['kind'])}/${String((o['metadata'] as { namespace?: string }).namespace)}`,
      ),
    ).toEqual([
      'ServiceAccount/ci',
      'Role/ci',
      'RoleBinding/ci',
      'Role/tekton-pipelines',
      'RoleBinding/tekton-pipelines',
      'CronJob/ci',
    ]);
    const rules = objects
      .filter((o) => o['kind'] === 'Role')
      .flatMap(
        (o) => o['rules'] as Array<{ resources: string[]; verbs: string[]; resourceNames?: string[] }>,
      );
    expect(rules.flatMap((r) => r.resources)).not.toContain('secrets');
    expect(rules.every((r) => r.verbs.every((v) => v === 'get' || v === 'list'))).toBe(true);
    expect(
      rules
        .filter((r) => r.resources.includes('configmaps'))
        .every((r) => r.resourceNames?.[0] === 'config-artifact-storage'),
    ).toBe(true);
    const job = JSON.stringify(objects.at(-1));
    expect(job).toContain('"args":["gc","--apply","-n","ci","--older-than","30d","--registry-config"');
    expect(job).toContain('"concurrencyPolicy":"Forbid"');
  });
  it('binds a ClusterRole for -A and refuses a missing image or a bad schedule', () => {
    const all = cronJobObjects({ ...options, namespace: undefined, allNamespaces: true });
    expect(all.map((o) => o['kind'])).toContain('ClusterRoleBinding');
    expect(() => cronJobObjects({ ...options, image: undefined })).toThrow(/needs --image/);
    expect(() => cronJobObjects({ ...options, schedule: 'nightly' })).toThrow(/not a cron schedule/);
    expect(parse(JSON.stringify(all.at(-1)))).toMatchObject({ kind: 'CronJob' });
  });
});

describe('text output', () => {
  it('makes control characters from registries visible', () => {
    expect(printable('run\u001b[2Jx\u202e')).toBe('run\\u{1b}[2Jx\\u{202e}');
  });

  const plan: GcPlan = {
    apiVersion: 'tkn-artifacts.tekton.dev/v1alpha1',
    kind: 'GcPlan',
    created: '2026-12-01T00:00:00.000Z',
    repository: 'registry.example.com/ci/artifacts',
    referrers: 'api',
    live: { kind: 'cluster', source: 'cluster https://k (context x)', namespaces: ['ci'] },
    policy: { namespaces: ['ci'], force: false, includeAttached: false },
    groups: [
      {
        id: 'g',
        kind: 'PipelineRun',
        namespace: 'ci',
        name: 'build-1',
        origin: 'root',
        reasons: ['PipelineRun ci/build-1 is gone'],
        gone: true,
        delete: [
          {
            digest: d('3'),
            mediaType: 'm',
            size: 512,
            role: 'artifact',
            name: 'junit',
            tags: ['ci.build-1-test.junit'],
            blobs: [],
          },
          { digest: d('1'), mediaType: 'm', size: 300, role: 'root', tags: ['ci.build-1'], blobs: [] },
        ],
        keep: [],
        repair: [],
        bytes: 2048,
      },
    ],
    kept: [
      {
        id: 'k',
        kind: 'PipelineRun',
        namespace: 'ci',
        name: 'build-2',
        origin: 'root',
        reasons: ['PipelineRun ci/build-2 exists'],
        manifests: 4,
      },
    ],
    untouchable: [],
    repair: [],
    totals: { runs: 1, manifests: 2, tags: 2, bytes: 2048, kept: 1 },
    warnings: [],
  };

  it('prints each group with why it goes and an aligned table of what is deleted; -v adds what stays', () => {
    const text = formatPlan(plan, { verbose: false, colour: false, apply: false });
    expect(text).toContain(
      'gc plan for registry.example.com/ci/artifacts (dry run: nothing is deleted without --apply)',
    );
    expect(text).toContain('PipelineRun ci/build-1  PipelineRun ci/build-1 is gone  (2 manifests, 2 KiB)');
    expect(text).toContain(
      [
        '    ACTION   DIGEST                WHAT             SIZE    TAGS',
        '    delete   sha256:333333333333   artifact junit   512 B   ci.build-1-test.junit',
        '    delete   sha256:111111111111   root             300 B   ci.build-1',
      ].join('\n'),
    );
    expect(text).toContain(
      'Plan: 1 run to remove: 2 manifests and 2 tags to delete, 2 KiB no longer referenced; 1 run kept (-v says why).',
    );
    expect(text).not.toContain('build-2');
    expect(formatPlan(plan, { verbose: true, colour: false, apply: false })).toMatch(
      /PipelineRun ci\/build-2 +4 +PipelineRun ci\/build-2 exists/,
    );
  });

  it('reports what was done, what was skipped, and how blobs are reclaimed', () => {
    const report: GcReport = {
      apiVersion: 'tkn-artifacts.tekton.dev/v1alpha1',
      kind: 'GcReport',
      repository: plan.repository,
      planCreated: plan.created,
      finished: '2026-12-01T00:01:00.000Z',
      outcome: 'stopped',
      stop: {
        reason: 'interrupted',
        message: 'interrupted: deletes in flight finished, nothing new was started',
      },
      totals: {
        runsRemoved: 1,
        runsPartial: 1,
        runsSkipped: 0,
        runsNotStarted: 2,
        manifestsDeleted: 5,
        tagsDeleted: 3,
        bytes: 4096,
        failures: 0,
      },
      groups: [
        {
          id: 'x',
          kind: 'PipelineRun',
          namespace: 'ci',
          name: 'b',
          status: 'partial',
          deleted: [d('4')],
          alreadyGone: [],
          skipped: [{ digest: d('5'), reason: `a new referrer ${d('6')} appeared below it` }],
          repaired: 0,
          tagsDeleted: 0,
          bytes: 1,
        },
      ],
    };
    const text = formatReport(report, { verbose: false, colour: false });
    expect(text).toContain('Removed 1 run: 5 manifests and 3 tags deleted, 4 KiB no longer referenced.');
    expect(text).toContain(
      `PipelineRun ci/b: sha256:555555555555 kept: a new referrer ${d('6')} appeared below it`,
    );
    expect(text).toContain('2 runs not started.');
    expect(text).toContain('Stopped: interrupted');
    expect(text).toContain(BLOB_GC_NOTE);
  });
});
