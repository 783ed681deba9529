import { describe, expect, it } from 'vitest';
import type { ConfigMap } from '../../../src/cluster/index.js';
import {
  DEFAULT_TAG_PATTERN,
  formatStorageConfigExplanation,
  resolveStorageConfig,
} from '../../../src/config/index.js';
import type { StorageConfigInputs } from '../../../src/config/index.js';

const LABEL = { 'tekton.dev/config-type': 'artifact-storage' };

function cm(
  namespace: string,
  data: Record<string, string>,
  labels?: Record<string, string>,
  name = 'config-artifact-storage',
): ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, ...(labels ? { labels } : {}) },
    data,
  };
}

const pr = (annotations: Record<string, string>) => ({
  metadata: { name: 'run-1', namespace: 'team-a', annotations },
});
const pipeline = (annotations: Record<string, string>) => ({
  metadata: { name: 'build', namespace: 'team-a', annotations },
});

function resolve(inputs: Partial<StorageConfigInputs>) {
  return resolveStorageConfig({ namespace: 'team-a', ...inputs });
}

describe('resolveStorageConfig levels', () => {
  it('built-in defaults when nothing is configured', () => {
    const r = resolve({});
    expect(r.settings).toEqual({
      enabled: false,
      backend: 'oci',
      inlineThreshold: 1024,
      ociRepository: undefined,
      ociCredentialsSecret: undefined,
      ociAttachReferrers: true,
      ociTagPattern: DEFAULT_TAG_PATTERN,
      ociGroupByPipelineRun: false,
      insecure: false,
    });
    expect(r.values.enabled.level).toBe('default');
    expect(r.levels.map((l) => [l.level, l.status])).toEqual([
      ['pipelinerun', 'absent'],
      ['pipeline', 'absent'],
      ['namespace', 'absent'],
      ['cluster', 'absent'],
      ['default', 'used'],
    ]);
    expect(r.warnings).toEqual([]);
  });

  it('cluster ConfigMap (no label needed)', () => {
    const r = resolve({
      clusterConfigMap: cm('tekton-pipelines', {
        enabled: 'true',
        'oci.repository': 'reg/cluster',
        'oci.groupByPipelineRun': 'true',
      }),
    });
    expect(r.settings).toMatchObject({
      enabled: true,
      ociRepository: 'reg/cluster',
      ociGroupByPipelineRun: true,
    });
    expect(r.values.ociRepository).toMatchObject({
      level: 'cluster',
      source: 'ConfigMap tekton-pipelines/config-artifact-storage',
      sourceKey: 'oci.repository',
      raw: 'reg/cluster',
    });
  });

  it('namespace ConfigMap overrides the cluster one and inherits the rest', () => {
    const r = resolve({
      namespaceConfigMap: cm(
        'team-a',
        { 'oci.repository': 'reg/team-a', 'oci.credentialsSecret': 'creds' },
        LABEL,
      ),
      clusterConfigMap: cm('tekton-pipelines', {
        enabled: 'true',
        'oci.repository': 'reg/cluster',
        'inline-threshold': '512',
      }),
    });
    expect(r.settings).toMatchObject({
      enabled: true,
      ociRepository: 'reg/team-a',
      ociCredentialsSecret: 'creds',
      inlineThreshold: 512,
    });
    expect(r.values.ociRepository.level).toBe('namespace');
    expect(r.values.ociRepository.overrides).toEqual([
      {
        level: 'cluster',
        source: 'ConfigMap tekton-pipelines/config-artifact-storage',
        sourceKey: 'oci.repository',
        raw: 'reg/cluster',
      },
    ]);
    expect(r.values.enabled.level).toBe('cluster');
  });

  it('Pipeline and PipelineRun annotations, PipelineRun highest', () => {
    const r = resolve({
      pipelineRun: pr({ 'tekton.dev/artifact-storage-oci-repository': 'reg/run' }),
      pipeline: pipeline({
        'tekton.dev/artifact-storage-oci-repository': 'reg/pipeline',
        'tekton.dev/artifact-storage-backend': 'OCI',
      }),
      namespaceConfigMap: cm('team-a', { 'oci.repository': 'reg/team-a' }, LABEL),
      clusterConfigMap: cm('tekton-pipelines', { enabled: 'true', 'oci-repository': 'reg/cluster' }),
    });
    expect(r.settings.ociRepository).toBe('reg/run');
    expect(r.values.ociRepository).toMatchObject({
      level: 'pipelinerun',
      source: 'PipelineRun team-a/run-1 annotations',
      sourceKey: 'tekton.dev/artifact-storage-oci-repository',
    });
    expect(r.values.ociRepository.overrides.map((o) => o.level)).toEqual([
      'pipeline',
      'namespace',
      'cluster',
    ]);
    expect(r.values.backend).toMatchObject({ level: 'pipeline', value: 'oci' });
    expect(r.levels.map((l) => l.status)).toEqual(['used', 'used', 'used', 'used', 'used']);
  });

  it('an empty annotation value falls through with a warning', () => {
    const r = resolve({
      pipelineRun: pr({ 'tekton.dev/artifact-storage-oci-repository': ' ' }),
      clusterConfigMap: cm('tekton-pipelines', { enabled: 'true', 'oci.repository': 'reg/cluster' }),
    });
    expect(r.settings.ociRepository).toBe('reg/cluster');
    expect(r.warnings.map((w) => w.code)).toEqual(['invalid-value']);
  });

  it('annotation keys Tekton does not define are reported', () => {
    const r = resolve({ pipelineRun: pr({ 'tekton.dev/artifact-storage-oci-tag-pattern': 'x' }) });
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatchObject({
      code: 'unknown-key',
      level: 'pipelinerun',
      sourceKey: 'tekton.dev/artifact-storage-oci-tag-pattern',
    });
    expect(r.levels[0]?.status).toBe('empty');
  });
});

describe('spellings and conflicts', () => {
  it('accepts oci-repository (implementation) and oci.repository (TEP)', () => {
    expect(
      resolve({ clusterConfigMap: cm('tekton-pipelines', { enabled: 'true', 'oci-repository': 'a' }) })
        .settings.ociRepository,
    ).toBe('a');
    expect(
      resolve({ clusterConfigMap: cm('tekton-pipelines', { enabled: 'true', 'oci.repository': 'b' }) })
        .settings.ociRepository,
    ).toBe('b');
  });

  it('both spellings with the same value: no warning', () => {
    const r = resolve({
      clusterConfigMap: cm('tekton-pipelines', {
        enabled: 'true',
        'oci-repository': 'a',
        'oci.repository': 'a',
      }),
    });
    expect(r.warnings).toEqual([]);
  });

  it('both spellings with different values: the controller spelling wins, with a warning', () => {
    const r = resolve({
      clusterConfigMap: cm('tekton-pipelines', {
        enabled: 'true',
        'oci.repository': 'tep',
        'oci-repository': 'impl',
      }),
    });
    expect(r.settings.ociRepository).toBe('impl');
    expect(r.values.ociRepository.sourceKey).toBe('oci-repository');
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatchObject({ code: 'conflicting-spellings', level: 'cluster' });
    expect(r.warnings[0]?.message).toBe(
      'ConfigMap tekton-pipelines/config-artifact-storage sets oci-repository="impl" and oci.repository="tep"; Tekton\'s controller reads oci-repository, so "impl" is used',
    );
  });

  it('unknown keys are reported with a suggestion; other backends are not', () => {
    const r = resolve({
      clusterConfigMap: cm('tekton-pipelines', {
        enabled: 'true',
        'oci.repository': 'r',
        'oci.tagpattern': 'x',
        's3.bucket': 'b',
        colour: 'x',
      }),
    });
    expect(r.warnings.map((w) => w.message)).toEqual([
      'ConfigMap tekton-pipelines/config-artifact-storage: unknown key "oci.tagpattern" (did you mean "oci.tagPattern"?); it is ignored',
      'ConfigMap tekton-pipelines/config-artifact-storage: unknown key "colour"; it is ignored',
    ]);
  });
});

describe('validation warnings', () => {
  it('oci-repository set but enabled false: the prototype message', () => {
    const r = resolve({
      clusterConfigMap: cm('tekton-pipelines', { 'oci-repository': 'registry.example.com/tekton' }),
    });
    expect(r.warnings).toEqual([
      expect.objectContaining({
        code: 'repository-without-enabled',
        level: 'cluster',
        message:
          'invalid artifact storage config: oci-repository is set to "registry.example.com/tekton" but enabled is false; set enabled to true to activate artifact storage',
      }),
    ]);
  });

  it('enabled without a repository', () => {
    const r = resolve({ clusterConfigMap: cm('tekton-pipelines', { enabled: 'true' }) });
    expect(r.warnings.map((w) => w.code)).toEqual(['enabled-without-repository']);
  });

  it('invalid values fall through to lower levels', () => {
    const r = resolve({
      namespaceConfigMap: cm(
        'team-a',
        { enabled: 'yes', 'inline-threshold': '1k', 'oci.attachReferrers': 'False' },
        LABEL,
      ),
      clusterConfigMap: cm('tekton-pipelines', {
        enabled: 'true',
        'oci.repository': 'r',
        'inline-threshold': '256',
      }),
    });
    expect(r.settings).toMatchObject({ enabled: true, inlineThreshold: 256, ociAttachReferrers: false });
    expect(r.warnings.map((w) => [w.code, w.sourceKey])).toEqual([
      ['invalid-value', 'enabled'],
      ['invalid-value', 'inline-threshold'],
    ]);
  });

  it('threshold above the ceiling, unknown backend, suspicious tag pattern', () => {
    const r = resolve({
      clusterConfigMap: cm('tekton-pipelines', {
        enabled: 'true',
        'oci.repository': 'r',
        'inline-threshold': '4096',
        backend: 'ftp',
        'oci.tagPattern': 'static {{branch}}',
      }),
    });
    expect(r.warnings.map((w) => w.code)).toEqual([
      'invalid-value',
      'threshold-too-high',
      'tag-pattern',
      'tag-pattern',
      'tag-pattern',
    ]);
    expect(r.warnings.find((w) => w.code === 'threshold-too-high')?.message).toBe(
      'invalid artifact storage config: inline-threshold must not exceed 2048, got 4096',
    );
  });
});

describe('the namespace ConfigMap label', () => {
  it('a namespace ConfigMap without the label is ignored, with how to fix it', () => {
    const r = resolve({
      namespaceConfigMap: cm('team-a', { 'oci.repository': 'reg/team-a' }),
      clusterConfigMap: cm('tekton-pipelines', { enabled: 'true', 'oci.repository': 'reg/cluster' }),
    });
    expect(r.settings.ociRepository).toBe('reg/cluster');
    expect(r.levels[2]).toMatchObject({ level: 'namespace', status: 'ignored' });
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]?.message).toContain(
      'kubectl label configmap config-artifact-storage -n team-a tekton.dev/config-type=artifact-storage',
    );
  });

  it('the original TEP-0164 label value is recognised and explained', () => {
    const r = resolve({
      namespaceConfigMap: cm(
        'team-a',
        { 'oci.repository': 'x' },
        { 'tekton.dev/config-type': 'result-storage' },
      ),
    });
    expect(r.levels[2]?.detail).toMatch(/original TEP-0164 value/);
    expect(r.warnings[0]?.message).toContain('--overwrite');
  });

  it('in the Tekton namespace itself the namespace level is the cluster level', () => {
    const r = resolveStorageConfig({
      namespace: 'tekton-pipelines',
      clusterConfigMap: cm('tekton-pipelines', { enabled: 'true', 'oci.repository': 'r' }),
    });
    expect(r.levels[2]).toMatchObject({ status: 'not-applicable' });
    expect(r.values.ociRepository.level).toBe('cluster');
  });

  it('ConfigMap names and the Tekton namespace are parameters', () => {
    const r = resolveStorageConfig({
      namespace: 'team-a',
      names: { configMapName: 'artifact-storage', tektonNamespace: 'openshift-pipelines' },
      clusterConfigMap: cm(
        'openshift-pipelines',
        { enabled: 'true', 'oci.repository': 'r' },
        undefined,
        'artifact-storage',
      ),
    });
    expect(r.values.ociRepository.source).toBe('ConfigMap openshift-pipelines/artifact-storage');
    expect(r.names).toEqual({ configMapName: 'artifact-storage', tektonNamespace: 'openshift-pipelines' });
  });
});

describe('unreadable levels', () => {
  it('a level that could not be read is a warning naming what it hid', () => {
    const r = resolve({
      unavailable: [{ level: 'cluster', reason: 'forbidden: restricted cannot get configmaps' }],
      namespaceConfigMap: cm('team-a', { enabled: 'true', 'oci.repository': 'reg/team-a' }, LABEL),
    });
    expect(r.settings.ociRepository).toBe('reg/team-a');
    expect(r.levels[3]).toMatchObject({
      level: 'cluster',
      status: 'unavailable',
      detail: 'forbidden: restricted cannot get configmaps',
    });
    expect(r.warnings).toEqual([
      expect.objectContaining({
        code: 'unavailable',
        level: 'cluster',
        message:
          'could not read ConfigMap tekton-pipelines/config-artifact-storage (forbidden: restricted cannot get configmaps); any cluster-level setting it holds is not shown',
      }),
    ]);
  });
});

describe('--explain-config text', () => {
  it('lists levels, values with their origin and overrides, and warnings', () => {
    const r = resolve({
      pipelineRun: pr({ 'tekton.dev/artifact-storage-oci-repository': 'reg/run' }),
      namespaceConfigMap: cm('team-a', { 'oci.repository': 'reg/ns' }),
      clusterConfigMap: cm('tekton-pipelines', { enabled: 'true', 'oci-repository': 'reg/cluster' }),
    });
    const text = formatStorageConfigExplanation(r);
    expect(text).toContain('  1. PipelineRun PipelineRun team-a/run-1 annotations [used: 1 key]');
    expect(text).toContain(
      '  3. namespace   ConfigMap team-a/config-artifact-storage [ignored: missing label tekton.dev/config-type=artifact-storage]',
    );
    expect(text).toMatch(
      /oci\.repository\s+reg\/run {2}← PipelineRun: PipelineRun team-a\/run-1 annotations \(tekton\.dev\/artifact-storage-oci-repository\)/,
    );
    expect(text).toMatch(
      /overrides "reg\/cluster" from cluster: ConfigMap tekton-pipelines\/config-artifact-storage \(oci-repository\)/,
    );
    expect(text).toMatch(/enabled\s+true {2}← cluster/);
    expect(text).toMatch(
      /oci\.tagPattern\s+\{\{namespace\}\}\.\{\{taskrun\}\}\.\{\{artifact\}\} {2}← default: built-in default/,
    );
    expect(text).toContain('Warnings:\n  ! ConfigMap team-a/config-artifact-storage is ignored');
  });
});
