// Fetches what resolveStorageConfig needs through a RunSource. Absent ConfigMaps are normal; a
// 403 on a ConfigMap or Pipeline becomes a warning naming the level it hid, never a failure.

import { ForbiddenError } from '../cluster/errors.js';
import type { RunSource } from '../cluster/source.js';
import type { ConfigMap, Pipeline, PipelineRun } from '../cluster/types.js';
import type { ConfigLevel } from './keys.js';
import { DEFAULT_STORAGE_CONFIG_NAMES, resolveStorageConfig } from './resolve.js';
import type { ResolvedStorageConfig, StorageConfigInputs, StorageConfigNames } from './resolve.js';
import { isRecord } from '../json/guards.js';

export interface LoadStorageConfigOptions {
  namespace: string;
  /** A name to fetch, or the object already fetched. */
  pipelineRun?: string | PipelineRun;
  /** A name or object; by default the PipelineRun's `spec.pipelineRef.name` when it has one. */
  pipeline?: string | Pipeline;
  names?: Partial<StorageConfigNames>;
}

function forbiddenReason(err: ForbiddenError): string {
  return `forbidden: ${err.identity ?? 'you'} cannot ${err.verb} ${err.group ? `${err.resource}.${err.group}` : err.resource}`;
}

export async function loadStorageConfig(
  source: RunSource,
  options: LoadStorageConfigOptions,
): Promise<ResolvedStorageConfig> {
  const names: StorageConfigNames = {
    configMapName: options.names?.configMapName ?? DEFAULT_STORAGE_CONFIG_NAMES.configMapName,
    tektonNamespace: options.names?.tektonNamespace ?? DEFAULT_STORAGE_CONFIG_NAMES.tektonNamespace,
  };
  const unavailable: Array<{ level: ConfigLevel; reason: string }> = [];
  const notApplicable: Array<{ level: ConfigLevel; reason: string }> = [];

  // The PipelineRun the user asked about must exist: its errors propagate.
  const pipelineRun =
    typeof options.pipelineRun === 'string'
      ? await source.getPipelineRun(options.namespace, options.pipelineRun)
      : options.pipelineRun;

  let pipeline: Pipeline | undefined;
  let pipelineName: string | undefined;
  if (typeof options.pipeline === 'object') pipeline = options.pipeline;
  else if (typeof options.pipeline === 'string') pipelineName = options.pipeline;
  else if (pipelineRun) {
    const spec: unknown = pipelineRun.spec;
    const ref = isRecord(spec) && isRecord(spec.pipelineRef) ? spec.pipelineRef : undefined;
    if (ref && typeof ref.name === 'string' && ref.name !== '' && !ref.resolver) pipelineName = ref.name;
    else if (ref?.resolver) {
      notApplicable.push({
        level: 'pipeline',
        reason: `pipelineRef uses the ${typeof ref.resolver === 'string' ? ref.resolver : JSON.stringify(ref.resolver)} resolver; its annotations are not read`,
      });
    } else if (isRecord(spec) && spec.pipelineSpec) {
      notApplicable.push({ level: 'pipeline', reason: 'the PipelineRun embeds its pipelineSpec' });
    }
  }
  const guard = async <T>(level: ConfigLevel, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ForbiddenError) {
        unavailable.push({ level, reason: forbiddenReason(err) });
        return undefined;
      }
      throw err;
    }
  };
  const [fetchedPipeline, namespaceConfigMap, clusterConfigMap] = await Promise.all([
    pipelineName ? guard('pipeline', () => source.getPipeline(options.namespace, pipelineName)) : undefined,
    options.namespace !== names.tektonNamespace
      ? guard<ConfigMap | undefined>('namespace', () =>
          source.getConfigMap(options.namespace, names.configMapName),
        )
      : undefined,
    guard<ConfigMap | undefined>('cluster', () =>
      source.getConfigMap(names.tektonNamespace, names.configMapName),
    ),
  ]);
  if (pipelineName && !fetchedPipeline && !unavailable.some((u) => u.level === 'pipeline')) {
    notApplicable.push({
      level: 'pipeline',
      reason: `Pipeline ${options.namespace}/${pipelineName} not found`,
    });
  }
  pipeline ??= fetchedPipeline;

  const inputs: StorageConfigInputs = {
    namespace: options.namespace,
    names,
    ...(pipelineRun ? { pipelineRun } : {}),
    ...(pipeline ? { pipeline } : {}),
    ...(namespaceConfigMap ? { namespaceConfigMap } : {}),
    ...(clusterConfigMap ? { clusterConfigMap } : {}),
    unavailable,
    notApplicable,
  };
  return resolveStorageConfig(inputs);
}
