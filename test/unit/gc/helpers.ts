// Small builders for gc's unit tests: stored manifests, groups and live views in a few words.
import type {
  LiveRun,
  LiveView,
  RunGroup,
  RunMark,
  StoredManifest,
  StoredRole,
} from '../../../src/gc/model.js';
import { runKey } from '../../../src/gc/model.js';

export const d = (c: string): string => `sha256:${c.repeat(64).slice(0, 64)}`;

export function stored(
  digest: string,
  role: StoredRole,
  extra: Partial<StoredManifest> & { mark?: RunMark } = {},
): StoredManifest {
  return {
    digest,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    size: 100,
    role,
    mark: {},
    tags: [],
    blobs: [],
    depth: 0,
    ...extra,
  };
}

export function group(name: string, extra: Partial<RunGroup> = {}): RunGroup {
  return {
    id: `PipelineRun/ci/${name}`,
    kind: 'PipelineRun',
    namespace: 'ci',
    name,
    uid: `uid-${name}`,
    origin: 'root',
    members: [stored(d(name[0] ?? 'a'), 'root')],
    stale: [],
    ...extra,
  };
}

export function liveView(
  runs: Array<Partial<LiveRun> & { name: string }>,
  referenced: Record<string, string> = {},
): LiveView {
  const map = new Map<string, LiveRun>();
  for (const r of runs) {
    const run: LiveRun = { kind: 'PipelineRun', namespace: 'ci', running: false, ...r };
    map.set(runKey(run.kind, run.namespace, run.name), run);
  }
  return {
    source: { kind: 'cluster', describe: 'cluster https://test' },
    namespaces: new Set(['ci']),
    runs: map,
    referenced: new Map(
      Object.entries(referenced).map(([digest, label]) => [
        digest,
        [{ label, runs: [{ key: `TaskRun/ci/${label}` }] }],
      ]),
    ),
  };
}
