import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OciError } from '../../../src/oci/errors.js';
import type {
  Descriptor as StoreDescriptor,
  FetchedManifest,
  ImageIndex,
  ImageManifest,
  Manifest,
} from '../../../src/oci/types.js';
import type { ContentStore } from '../../../src/tree/ports.js';
import {
  resolveTree,
  type ManifestClass,
  type ReportedArtifact,
  type ResolveInput,
  type TaskRunView,
} from '../../../src/tree/resolve.js';

/** What the tests write: a manifest or an index, schemaVersion, config and layers filled in. */
type StoreManifest = Partial<Omit<ImageManifest, 'schemaVersion'>> &
  Partial<Omit<ImageIndex, 'schemaVersion'>>;

function toManifest(loose: StoreManifest): Manifest {
  const { manifests, config, layers, ...common } = loose;
  if (manifests) return { schemaVersion: 2, ...common, manifests };
  return { schemaVersion: 2, ...common, config: config ?? empty, layers: layers ?? [] };
}

/** An in-memory store: manifests by digest, tags, blobs; referrers found by subject, like a layout. */
class MemoryStore implements ContentStore {
  manifests = new Map<string, { bytes: string; manifest: Manifest; mediaType: string }>();
  tags = new Map<string, string>();
  blobs = new Map<string, number>();
  requests: string[] = [];

  addManifest(manifest: StoreManifest, tag?: string): StoreDescriptor {
    const bytes = JSON.stringify(manifest);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const mediaType = manifest.mediaType ?? 'application/vnd.oci.image.manifest.v1+json';
    this.manifests.set(digest, { bytes, manifest: toManifest(manifest), mediaType });
    if (tag) this.tags.set(tag, digest);
    const descriptor: StoreDescriptor = { mediaType, digest, size: bytes.length };
    if (manifest.artifactType) descriptor.artifactType = manifest.artifactType;
    return descriptor;
  }
  addBlob(content: string): StoreDescriptor {
    const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
    this.blobs.set(digest, content.length);
    return { mediaType: 'application/octet-stream', digest, size: content.length };
  }
  async fetchManifest(repository: string, reference: string): Promise<FetchedManifest> {
    this.requests.push(`manifest ${repository} ${reference}`);
    const digest = reference.startsWith('sha256:') ? reference : this.tags.get(reference);
    const entry = digest ? this.manifests.get(digest) : undefined;
    if (!digest || !entry) throw new OciError('MANIFEST_UNKNOWN', `${repository}: ${reference} not found`);
    return {
      descriptor: { mediaType: entry.mediaType, digest, size: entry.bytes.length },
      bytes: new TextEncoder().encode(entry.bytes),
      manifest: entry.manifest,
    };
  }
  async blobSize(_repository: string, digest: string): Promise<number | undefined> {
    return this.blobs.get(digest);
  }
  async referrers(_repository: string, subject: StoreDescriptor): Promise<StoreDescriptor[]> {
    const out: StoreDescriptor[] = [];
    for (const [digest, entry] of this.manifests) {
      if (entry.manifest.subject?.digest === subject.digest) {
        const descriptor: StoreDescriptor = { mediaType: entry.mediaType, digest, size: entry.bytes.length };
        if (entry.manifest.artifactType) descriptor.artifactType = entry.manifest.artifactType;
        out.push(descriptor);
      }
    }
    return out;
  }
  referrersMode(): 'layout' {
    return 'layout';
  }
  referenceOf(repository: string, digest: string): string {
    return `${repository}@${digest}`;
  }
}

const ROOT_TYPE = 'application/vnd.tekton.artifact.pipelinerun.v1';
const TASKRUN_TYPE = 'application/vnd.tekton.artifact.taskrun.v1';

function classify(manifest: Manifest): ManifestClass {
  const annotations = manifest.annotations ?? {};
  const files = ('layers' in manifest ? manifest.layers : []).map((layer) => ({
    title: layer.annotations?.['org.opencontainers.image.title'],
    digest: layer.digest,
    size: layer.size,
    mediaType: layer.mediaType,
  }));
  const taskRun = annotations['dev.tekton.artifact/taskrun'];
  const artifactName = annotations['dev.tekton.artifact/name'];
  const role: ManifestClass['role'] =
    manifest.artifactType === ROOT_TYPE
      ? 'pipelinerun-root'
      : manifest.artifactType === TASKRUN_TYPE
        ? 'taskrun-reference'
        : 'artifact';
  const out: ManifestClass = {
    role,
    kind: manifest.artifactType === 'application/spdx+json' ? 'sbom' : 'tekton-artifact',
    files,
  };
  if (taskRun) out.taskRun = taskRun;
  if (artifactName) out.artifactName = artifactName;
  return out;
}

function parseLocation(location: string) {
  if (location.startsWith('pkg:') || location.startsWith('https:')) return undefined;
  const bare = location.replace(/^oci:(\/\/)?/, '');
  const at = bare.indexOf('@');
  if (at >= 0) return { repository: bare.slice(0, at), digest: bare.slice(at + 1) };
  const colon = bare.lastIndexOf(':');
  if (colon < 0 || colon === bare.length - 1 || bare.slice(colon).includes('/'))
    throw new Error(`malformed reference ${location}`);
  return { repository: bare.slice(0, colon), tag: bare.slice(colon + 1) };
}

const empty = {
  mediaType: 'application/vnd.oci.empty.v1+json',
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
};

function artifactManifest(
  store: MemoryStore,
  name: string,
  taskRun: string,
  subject?: StoreDescriptor,
  content = `${name} content`,
): StoreDescriptor {
  const layer = store.addBlob(content);
  const manifest: StoreManifest = {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: 'application/vnd.tekton.artifact.v1',
    config: empty,
    layers: [{ ...layer, annotations: { 'org.opencontainers.image.title': `${name}.json` } }],
    annotations: { 'dev.tekton.artifact/name': name, 'dev.tekton.artifact/taskrun': taskRun },
  };
  if (subject) manifest.subject = subject;
  return store.addManifest(manifest);
}

function reported(name: string, fields: Partial<ReportedArtifact>): ReportedArtifact {
  return {
    name,
    producers: ['tep0164'],
    paths: [`status.artifacts.outputs[${name}]`],
    direction: 'output',
    digestRefersTo: 'manifest',
    ...fields,
  };
}

function input(store: MemoryStore, taskRuns: TaskRunView[], extra: Partial<ResolveInput> = {}): ResolveInput {
  return {
    run: { kind: 'PipelineRun', name: 'pr', namespace: 'ci', outcome: 'Failed', source: 'test' },
    taskRuns,
    store,
    classify,
    parseLocation,
    ...extra,
  };
}

describe('resolveTree', () => {
  it('resolves reported manifests, blobs, inline and external values, with files and referrers', async () => {
    const store = new MemoryStore();
    const sbomSubject = artifactManifest(store, 'images', 'pr-build');
    const sbomLayer = store.addBlob('{"spdxVersion":"SPDX-2.3"}');
    store.addManifest({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/spdx+json',
      config: empty,
      layers: [{ ...sbomLayer, mediaType: 'application/spdx+json' }],
      subject: sbomSubject,
    });
    const tarball = store.addBlob('gzip bytes');
    const tree = await resolveTree(
      input(store, [
        {
          name: 'pr-build',
          pipelineTask: 'build',
          outcome: 'Succeeded',
          warnings: [],
          reported: [
            reported('images', { location: `reg.test/art@${sbomSubject.digest}` }),
            reported('source', {
              location: `oci:reg.test/ta@${tarball.digest}`,
              digestRefersTo: 'blob',
              producers: ['konflux-trusted-artifact'],
            }),
            reported('summary', { inline: 'ok: 2 images' }),
            reported('git', { location: 'pkg:github/org/app@abc', producers: ['tep0147'] }),
          ],
        },
      ]),
    );
    const [build] = tree.taskRuns;
    expect(build?.artifacts.map((a) => [a.name, a.state, a.usable])).toEqual([
      ['images', 'present', true],
      ['source', 'present', true],
      ['summary', 'inline', true],
      ['git', 'external', true],
    ]);
    const images = build!.artifacts[0]!;
    expect(images.reference).toBe(`reg.test/art@${sbomSubject.digest}`);
    expect(images.files).toEqual([
      {
        title: 'images.json',
        digest: expect.stringMatching(/^sha256:/),
        size: 'images content'.length,
        mediaType: 'application/octet-stream',
      },
    ]);
    expect(images.referrers).toHaveLength(1);
    expect(images.referrers[0]).toMatchObject({ kind: 'sbom', artifactType: 'application/spdx+json' });
    expect(images.referrers[0]!.files[0]!.size).toBe('{"spdxVersion":"SPDX-2.3"}'.length);
    expect(build!.artifacts[1]!.size).toBe('gzip bytes'.length);
    expect(tree.problems).toEqual([]);
  });

  it('marks artifacts of a task that failed as not usable, and of earlier tasks as usable', async () => {
    const store = new MemoryStore();
    const a = artifactManifest(store, 'a', 'pr-one');
    const b = artifactManifest(store, 'b', 'pr-two');
    const tree = await resolveTree(
      input(store, [
        {
          name: 'pr-one',
          pipelineTask: 'one',
          outcome: 'Succeeded',
          warnings: [],
          reported: [reported('a', { location: `reg.test/r@${a.digest}` })],
        },
        {
          name: 'pr-two',
          pipelineTask: 'two',
          outcome: 'Failed',
          reason: 'Failed',
          warnings: [],
          reported: [reported('b', { location: `reg.test/r@${b.digest}` })],
        },
      ]),
    );
    expect(tree.taskRuns.map((t) => [t.pipelineTask, t.artifacts[0]?.state, t.artifacts[0]?.usable])).toEqual(
      [
        ['one', 'present', true],
        ['two', 'present', false],
      ],
    );
  });

  it('reports dangling manifests and blobs, malformed locations and digest conflicts', async () => {
    const store = new MemoryStore();
    const missing = 'sha256:' + 'f'.repeat(64);
    const tree = await resolveTree(
      input(store, [
        {
          name: 'pr-t',
          pipelineTask: 't',
          outcome: 'Succeeded',
          warnings: [{ path: 'status.results[IMAGES]', message: 'entry 2 has no digest' }],
          reported: [
            reported('junit', { location: `reg.test/r@${missing}` }),
            reported('src', { location: `oci:reg.test/ta@${missing}`, digestRefersTo: 'blob' }),
            reported('bad', { location: 'reg.test/r:' }),
            reported('img', {
              location: 'reg.test/app:v1',
              digest: 'sha256:' + '1'.repeat(64),
              producers: ['chains-type-hint'],
            }),
            reported('img', {
              location: 'reg.test/app:v1',
              digest: 'sha256:' + '2'.repeat(64),
              producers: ['tep0147'],
            }),
          ],
        },
      ]),
    );
    const states = tree.taskRuns[0]!.artifacts.map((a) => a.state);
    expect(states).toEqual(['dangling', 'dangling', 'error', 'dangling', 'dangling']);
    const kinds = tree.problems.map((p) => p.kind).sort();
    expect(kinds).toEqual([
      'dangling',
      'dangling',
      'dangling',
      'dangling',
      'digest-conflict',
      'malformed',
      'malformed',
    ]);
    expect(tree.problems.find((p) => p.kind === 'digest-conflict')?.message).toContain('2 different digests');
    expect(tree.problems.find((p) => p.message.startsWith('status.results[IMAGES]'))).toBeDefined();
  });

  it('walks the root artifact, attributes unreported content to its TaskRun, and does not repeat reported content', async () => {
    const store = new MemoryStore();
    const root = store.addManifest(
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType: ROOT_TYPE,
        config: empty,
        layers: [],
      },
      'ci.pr',
    );
    const trRef = store.addManifest({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: TASKRUN_TYPE,
      config: empty,
      layers: [],
      subject: root,
      annotations: { 'dev.tekton.artifact/taskrun': 'pr-build' },
    });
    const reportedOne = artifactManifest(store, 'images', 'pr-build', trRef);
    artifactManifest(store, 'coverage', 'pr-build', trRef);
    artifactManifest(store, 'stray', 'pr-elsewhere', trRef, 'stray');
    const tree = await resolveTree(
      input(
        store,
        [
          {
            name: 'pr-build',
            pipelineTask: 'build',
            outcome: 'Succeeded',
            warnings: [],
            reported: [reported('images', { location: `reg.test/art@${reportedOne.digest}` })],
          },
        ],
        { repository: 'reg.test/art', rootTag: 'ci.pr' },
      ),
    );
    expect(tree.storage.root).toEqual({
      reference: `reg.test/art@${root.digest}`,
      digest: root.digest,
      foundBy: 'tag ci.pr',
    });
    expect(tree.taskRuns[0]!.artifacts.map((a) => a.name).sort()).toEqual(['coverage', 'images']);
    expect(tree.unreported.map((a) => a.name)).toEqual(['stray']);
    expect(tree.problems.map((p) => [p.kind, p.artifact])).toEqual(
      expect.arrayContaining([
        ['unreported', 'coverage'],
        ['unreported', 'stray'],
      ]),
    );
  });

  it('finds the root through the subject of a reported artifact when the root tag is unknown', async () => {
    const store = new MemoryStore();
    const root = store.addManifest({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: ROOT_TYPE,
      config: empty,
      layers: [],
    });
    const trRef = store.addManifest({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: TASKRUN_TYPE,
      config: empty,
      layers: [],
      subject: root,
      annotations: { 'dev.tekton.artifact/taskrun': 'pr-a' },
    });
    const art = artifactManifest(store, 'x', 'pr-a', trRef);
    const tree = await resolveTree(
      input(store, [
        {
          name: 'pr-a',
          outcome: 'Succeeded',
          warnings: [],
          reported: [reported('x', { location: `reg.test/art@${art.digest}` })],
        },
      ]),
    );
    expect(tree.storage.root?.foundBy).toBe('subject of x');
    expect(tree.storage.root?.digest).toBe(root.digest);
  });

  it('shows a registry-only run with TaskRuns known from their reference artifacts', async () => {
    const store = new MemoryStore();
    const root = store.addManifest(
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType: ROOT_TYPE,
        config: empty,
        layers: [],
      },
      'ci.gone',
    );
    const trRef = store.addManifest({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: TASKRUN_TYPE,
      config: empty,
      layers: [],
      subject: root,
      annotations: { 'dev.tekton.artifact/taskrun': 'gone-build' },
    });
    artifactManifest(store, 'report', 'gone-build', trRef);
    const tree = await resolveTree(
      input(store, [], {
        run: { kind: 'Artifact', name: 'reg.test/art:ci.gone', outcome: 'Unknown', source: 'registry' },
        root: { repository: 'reg.test/art', tag: 'ci.gone' },
      }),
    );
    expect(tree.taskRuns.map((t) => [t.name, t.artifacts.map((a) => a.name)])).toEqual([
      ['gone-build', ['report']],
    ]);
    expect(tree.problems).toEqual([]);
  });

  it('survives referrer cycles crafted by a registry', async () => {
    const store = new MemoryStore();
    const a = artifactManifest(store, 'a', 'pr-a');
    // b refers to a; then make a "refer" to b by faking referrers both ways.
    const b = artifactManifest(store, 'b', 'pr-a', a);
    const original = store.referrers.bind(store);
    store.referrers = async (repository, subject) =>
      subject.digest === b.digest ? [a] : original(repository, subject);
    const tree = await resolveTree(
      input(
        store,
        [
          {
            name: 'pr-a',
            outcome: 'Succeeded',
            warnings: [],
            reported: [reported('a', { location: `reg.test/r@${a.digest}` })],
          },
        ],
        { reach: { referrers: 50, root: true } },
      ),
    );
    const node = tree.taskRuns[0]!.artifacts[0]!;
    expect(node.referrers.map((r) => r.digest)).toEqual([b.digest]);
    expect(node.referrers[0]!.referrers).toEqual([]);
  });

  it('filters by task and artifact type', async () => {
    const store = new MemoryStore();
    const a = artifactManifest(store, 'a', 'pr-one');
    const tree = await resolveTree(
      input(
        store,
        [
          {
            name: 'pr-one',
            pipelineTask: 'one',
            outcome: 'Succeeded',
            warnings: [],
            reported: [
              reported('a', { location: `reg.test/r@${a.digest}` }),
              reported('note', { inline: 'x' }),
            ],
          },
          {
            name: 'pr-two',
            pipelineTask: 'two',
            outcome: 'Succeeded',
            warnings: [],
            reported: [reported('b', { inline: 'y' })],
          },
        ],
        { filters: { tasks: ['one'], artifactTypes: ['application/vnd.tekton.artifact.v1'] } },
      ),
    );
    expect(tree.taskRuns.map((t) => [t.pipelineTask, t.artifacts.map((x) => x.name)])).toEqual([
      ['one', ['a']],
    ]);
  });
});
