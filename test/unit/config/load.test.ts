import { describe, expect, it } from 'vitest';
import { FileSource, ForbiddenError, UnreachableError } from '../../../src/cluster/index.js';
import type { ConfigMap, RunSource } from '../../../src/cluster/index.js';
import { loadStorageConfig, readFeatureFlags } from '../../../src/config/index.js';

const MIXED = 'test/fixtures/runs/pipelinerun-mixed.yaml';

/** A RunSource that behaves like `inner` except where `overrides` say otherwise. */
function wrap(inner: RunSource, overrides: Partial<RunSource>): RunSource {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop in overrides) return overrides[prop as keyof RunSource];
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...args: unknown[]) => unknown).bind(target) : v;
    },
  });
}

const forbidden = (resource: string, namespace: string) =>
  new ForbiddenError({ verb: 'get', resource, group: '', namespace, identity: 'restricted' });

describe('loadStorageConfig', () => {
  it('fetches the PipelineRun, its Pipeline and both ConfigMaps', async () => {
    const src = await FileSource.fromFile(MIXED);
    const r = await loadStorageConfig(src, { namespace: 'team-a', pipelineRun: 'build-abc12' });
    expect(r.settings).toMatchObject({
      enabled: true,
      ociRepository: 'registry.local:5000/team-a/run-artifacts',
      ociCredentialsSecret: 'team-a-registry-creds',
      inlineThreshold: 1024,
    });
    expect(r.values.ociRepository.overrides.map((o) => [o.level, o.raw])).toEqual([
      ['pipeline', 'registry.local:5000/team-a/pipeline-default'],
      ['namespace', 'registry.local:5000/team-a/artifacts'],
      ['cluster', 'registry.local:5000/tekton/artifacts'],
    ]);
    expect(r.levels.map((l) => l.status)).toEqual(['used', 'used', 'used', 'used', 'used']);
    expect(r.warnings).toEqual([]);
  });

  it('absent ConfigMaps and Pipeline are fine', async () => {
    const src = await FileSource.fromFile('test/fixtures/runs/pipelinerun-v1beta1.yaml');
    const r = await loadStorageConfig(src, { namespace: 'ci', pipelineRun: 'release-7' });
    expect(r.settings.enabled).toBe(false);
    expect(r.levels.map((l) => [l.level, l.status, l.detail])).toEqual([
      ['pipelinerun', 'empty', undefined],
      ['pipeline', 'not-applicable', 'the PipelineRun embeds its pipelineSpec'],
      ['namespace', 'absent', undefined],
      ['cluster', 'absent', undefined],
      ['default', 'used', undefined],
    ]);
  });

  it('a 403 on a ConfigMap is a warning with the level it hid, not a failure', async () => {
    const inner = await FileSource.fromFile(MIXED);
    const src = wrap(inner, {
      getConfigMap: async (ns: string, name: string): Promise<ConfigMap | undefined> => {
        if (ns === 'tekton-pipelines') throw forbidden('configmaps', ns);
        return inner.getConfigMap(ns, name);
      },
      getPipeline: async () => {
        throw new ForbiddenError({
          verb: 'get',
          resource: 'pipelines',
          group: 'tekton.dev',
          namespace: 'team-a',
          identity: 'restricted',
        });
      },
    });
    const r = await loadStorageConfig(src, { namespace: 'team-a', pipelineRun: 'build-abc12' });
    expect(r.levels.map((l) => l.status)).toEqual(['used', 'unavailable', 'used', 'unavailable', 'used']);
    expect(r.levels[3]?.detail).toBe('forbidden: restricted cannot get configmaps');
    // enabled came only from the cluster level, which could not be read: what we show is
    // "disabled", and the warnings say why that may be wrong.
    expect(r.settings.enabled).toBe(false);
    expect(r.warnings.map((w) => [w.code, w.level])).toEqual([
      ['unavailable', 'pipeline'],
      ['unavailable', 'cluster'],
    ]);
  });

  it('other errors (unreachable cluster) propagate', async () => {
    const inner = await FileSource.fromFile(MIXED);
    const src = wrap(inner, {
      getConfigMap: async () => {
        throw new UnreachableError('https://127.0.0.1:1', 'connection refused (ECONNREFUSED)');
      },
    });
    await expect(
      loadStorageConfig(src, { namespace: 'team-a', pipelineRun: 'build-abc12' }),
    ).rejects.toBeInstanceOf(UnreachableError);
  });

  it('accepts objects instead of names and custom ConfigMap names', async () => {
    const src = await FileSource.fromFile(MIXED);
    const pr = await src.getPipelineRun('team-a', 'build-abc12');
    const r = await loadStorageConfig(src, {
      namespace: 'team-a',
      pipelineRun: pr,
      pipeline: 'does-not-exist',
      names: { configMapName: 'nope', tektonNamespace: 'tekton-pipelines' },
    });
    expect(r.levels.map((l) => [l.level, l.status])).toEqual([
      ['pipelinerun', 'used'],
      ['pipeline', 'not-applicable'],
      ['namespace', 'absent'],
      ['cluster', 'absent'],
      ['default', 'used'],
    ]);
  });
});

describe('feature flags', () => {
  const flags = (data: Record<string, string>): ConfigMap => ({
    metadata: { name: 'feature-flags', namespace: 'tekton-pipelines' },
    data,
  });

  it('defaults when the ConfigMap is absent', () => {
    const r = readFeatureFlags(undefined);
    expect(r).toMatchObject({
      status: 'absent',
      flags: {
        enableArtifacts: false,
        resultsFrom: 'termination-message',
        maxResultSize: 4096,
        enableApiFields: 'beta',
        enableStepActions: true,
      },
      warnings: [],
    });
  });

  it('reads the flags validate needs', () => {
    const r = readFeatureFlags(
      flags({
        'enable-artifacts': 'true',
        'results-from': 'sidecar-logs',
        'max-result-size': '8192',
        'enable-api-fields': 'alpha',
        'enable-step-actions': 'false',
        'enable-artifact-storage': 'true',
      }),
    );
    expect(r.flags).toEqual({
      enableArtifacts: true,
      enableArtifactStorage: true,
      resultsFrom: 'sidecar-logs',
      maxResultSize: 8192,
      enableApiFields: 'alpha',
      enableStepActions: false,
    });
    expect(r.set['enable-artifacts']).toBe('true');
  });

  it('invalid values keep the default with a warning', () => {
    const r = readFeatureFlags(
      flags({
        'enable-artifacts': 'on',
        'max-result-size': '1572864',
        'results-from': 'logs',
        'enable-api-fields': 'beta ',
      }),
    );
    expect(r.flags).toMatchObject({
      enableArtifacts: false,
      maxResultSize: 4096,
      resultsFrom: 'termination-message',
      enableApiFields: 'beta',
    });
    expect(r.warnings).toHaveLength(3);
  });
});
