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
import { NAMED_CONTENT_TASK } from '../../../src/tree/model.js';
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
  /** False: the registry refuses to list tags, so the resolver asks for cosign's one by one. */
  listsTags = true;

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
  async tagsOf(repository: string): Promise<ReadonlySet<string>> {
    this.requests.push(`tags ${repository}`);
    if (!this.listsTags) throw new OciError('UNSUPPORTED', 'tags are not listed');
    return new Set(this.tags.keys());
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
  const task = annotations['dev.tekton.artifact/task'];
  if (task) out.task = task;
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

/** A run's root artifact, as TEP-0193 makes it: no layers; tagged `tag` when given. */
function rootManifest(store: MemoryStore, tag?: string): StoreDescriptor {
  return store.addManifest(
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: ROOT_TYPE,
      config: empty,
      layers: [],
    },
    tag,
  );
}

/** A TaskRun reference under `root`, as TEP-0193 groups a run: no layers, the TaskRun annotated. */
function taskRunReference(
  store: MemoryStore,
  root: StoreDescriptor,
  annotations: Record<string, string>,
): StoreDescriptor {
  return store.addManifest({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: TASKRUN_TYPE,
    config: empty,
    layers: [],
    subject: root,
    annotations,
  });
}

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
    // The blob URI names no manifest: the file is typed as create-oci.sh's oras push types it.
    expect(build!.artifacts[1]!.files).toEqual([
      {
        digest: tarball.digest,
        size: 'gzip bytes'.length,
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
      },
    ]);
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
    const root = rootManifest(store, 'ci.pr');
    const trRef = taskRunReference(store, root, { 'dev.tekton.artifact/taskrun': 'pr-build' });
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
    const root = rootManifest(store);
    const trRef = taskRunReference(store, root, { 'dev.tekton.artifact/taskrun': 'pr-a' });
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
    const root = rootManifest(store, 'ci.gone');
    const trRef = taskRunReference(store, root, {
      'dev.tekton.artifact/taskrun': 'gone-build',
      'dev.tekton.artifact/task': 'build',
    });
    artifactManifest(store, 'report', 'gone-build', trRef);
    const tree = await resolveTree(
      input(store, [], {
        run: { kind: 'Artifact', name: 'reg.test/art:ci.gone', outcome: 'Unknown', source: 'registry' },
        root: { repository: 'reg.test/art', tag: 'ci.gone' },
      }),
    );
    // Named by the pipeline task the reference's annotations give, as a cluster view names it.
    expect(tree.taskRuns.map((t) => [t.name, t.pipelineTask, t.artifacts.map((a) => a.name)])).toEqual([
      ['gone-build', 'build', ['report']],
    ]);
    expect(tree.problems).toEqual([]);
  });

  it("lists a root walk's artifacts in listing order, whichever fetch ends first", async () => {
    const store = new MemoryStore();
    const root = rootManifest(store, 'ci.many');
    const trRef = taskRunReference(store, root, { 'dev.tekton.artifact/taskrun': 'many-build' });
    const names = Array.from({ length: 40 }, (_, i) => `artifact-${String(i).padStart(2, '0')}`);
    const digests = names.map((name) => artifactManifest(store, name, 'many-build', trRef).digest);
    // The first listed answers last, the last first.
    const slow = Object.assign(Object.create(store) as MemoryStore, {
      fetchManifest: async (repository: string, reference: string) => {
        const position = digests.indexOf(reference);
        if (position >= 0) await new Promise((resolve) => setTimeout(resolve, (names.length - position) * 2));
        return store.fetchManifest(repository, reference);
      },
    });
    const tree = await resolveTree(
      input(slow, [], {
        run: { kind: 'Artifact', name: 'reg.test/art:ci.many', outcome: 'Unknown', source: 'registry' },
        root: { repository: 'reg.test/art', tag: 'ci.many' },
      }),
    );
    expect(tree.taskRuns.map((t) => t.artifacts.map((a) => a.name))).toEqual([names]);
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

describe("resolveTree: cosign's tag-stored attachments and an index's platforms", () => {
  const hex = (digest: string) => digest.slice('sha256:'.length);

  /** An image index of one platform, a cosign .sig/.att pair on the index, an OCI 1.1 signature on the platform. */
  function signedIndex(store: MemoryStore) {
    const layer = store.addBlob('binary');
    const image = store.addManifest({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: layer.digest, size: 6 },
      layers: [{ ...layer, mediaType: 'application/vnd.oci.image.layer.v1.tar' }],
    });
    const index = store.addManifest(
      {
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [{ ...image, platform: { os: 'linux', architecture: 'amd64' } }],
      },
      'v1',
    );
    const payload = store.addBlob('{"critical":{}}');
    const sig = store.addManifest(
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: payload.digest, size: 2 },
        layers: [
          {
            ...payload,
            mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
            annotations: { 'dev.cosignproject.cosign/signature': 'MEUCIQ…' },
          },
        ],
      },
      `sha256-${hex(index.digest)}.sig`,
    );
    const envelope = store.addBlob('{"payloadType":"application/vnd.in-toto+json"}');
    const att = store.addManifest(
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: payload.digest, size: 2 },
        layers: [{ ...envelope, mediaType: 'application/vnd.dsse.envelope.v1+json' }],
      },
      `sha256-${hex(index.digest)}.att`,
    );
    // The referrers fallback tag of the image (no suffix) is no cosign attachment.
    store.tags.set(`sha256-${hex(image.digest)}`, index.digest);
    const platformSig = store.addManifest({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
      config: empty,
      layers: [{ ...payload, mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json' }],
      subject: image,
    });
    return { image, index, sig, att, platformSig };
  }

  function imageRun(store: MemoryStore, index: StoreDescriptor, extra: Partial<ResolveInput> = {}) {
    return input(
      store,
      [
        {
          name: 'pr-build',
          pipelineTask: 'build',
          outcome: 'Succeeded',
          warnings: [],
          reported: [reported('IMAGE', { location: `reg.test/app@${index.digest}`, producers: ['chains'] })],
        },
      ],
      extra,
    );
  }

  it("shows cosign's .sig and .att under their subject and the platform's referrers under the platform", async () => {
    const store = new MemoryStore();
    const { image, index, sig, att, platformSig } = signedIndex(store);
    const tree = await resolveTree(imageRun(store, index));
    const node = tree.taskRuns[0]?.artifacts[0];
    expect(node?.referrers.map((r) => [r.kind, r.tag, r.digest, r.artifactType])).toEqual([
      [
        'signature',
        `sha256-${hex(index.digest)}.sig`,
        sig.digest,
        'application/vnd.dev.cosign.artifact.sig.v1+json',
      ],
      [
        'attestation',
        `sha256-${hex(index.digest)}.att`,
        att.digest,
        'application/vnd.dev.cosign.artifact.att.v1+json',
      ],
    ]);
    expect(node?.referrers[0]?.files.map((f) => f.mediaType)).toEqual([
      'application/vnd.dev.cosign.simplesigning.v1+json',
    ]);
    expect(node?.platforms).toEqual([
      expect.objectContaining({
        platform: 'linux/amd64',
        digest: image.digest,
        referrers: [expect.objectContaining({ digest: platformSig.digest })],
      }),
    ]);
    expect(node?.platforms[0]?.referrers[0]).not.toHaveProperty('tag');
    expect(tree.problems).toEqual([]);
    // Listed tags: an absent one is not asked for.
    expect(store.requests).not.toContain(`manifest reg.test/app sha256-${hex(index.digest)}.sbom`);
  });

  it('asks for the three tags one by one when the registry does not list tags', async () => {
    const store = new MemoryStore();
    store.listsTags = false;
    const { index, sig } = signedIndex(store);
    const tree = await resolveTree(imageRun(store, index));
    expect(tree.taskRuns[0]?.artifacts[0]?.referrers.map((r) => r.digest)).toContain(sig.digest);
    expect(store.requests).toContain(`manifest reg.test/app sha256-${hex(index.digest)}.sbom`);
    expect(tree.problems).toEqual([]);
  });

  it('shows an image given as the root as itself: platforms and referrers, no unreported problem', async () => {
    const store = new MemoryStore();
    const { image, index, sig, platformSig } = signedIndex(store);
    const tree = await resolveTree(
      input(store, [], {
        run: { kind: 'Artifact', name: 'reg.test/app:v1', outcome: 'Unknown', source: 'registry' },
        root: { repository: 'reg.test/app', tag: 'v1' },
      }),
    );
    expect(tree.taskRuns).toHaveLength(1);
    expect(tree.taskRuns[0]).toMatchObject({ pipelineTask: NAMED_CONTENT_TASK, outcome: 'Unknown' });
    const node = tree.taskRuns[0]?.artifacts[0];
    expect(node).toMatchObject({ name: 'app', state: 'present', usable: true, digest: index.digest });
    expect(node?.referrers.map((r) => r.digest)).toContain(sig.digest);
    expect(node?.platforms.map((p) => [p.digest, p.referrers.map((r) => r.digest)])).toEqual([
      [image.digest, [platformSig.digest]],
    ]);
    expect(tree.unreported).toEqual([]);
    expect(tree.problems).toEqual([]);
    expect(tree.storage.root).toBeUndefined();
  });

  it('--artifact-type keeps an artifact for its referrers of the type, cut to those', async () => {
    const store = new MemoryStore();
    const { index, att } = signedIndex(store);
    const tree = await resolveTree(
      imageRun(store, index, { filters: { artifactTypes: ['application/vnd.dsse.envelope.v1+json'] } }),
    );
    const node = tree.taskRuns[0]?.artifacts[0];
    expect(node?.referrers.map((r) => r.digest)).toEqual([att.digest]);
    expect(node?.platforms[0]?.referrers).toEqual([]);
    const none = await resolveTree(
      imageRun(store, index, { filters: { artifactTypes: ['text/x-nothing'] } }),
    );
    expect(none.taskRuns[0]?.artifacts).toEqual([]);
  });
});

describe('resolveTree: root discovery without a configured repository', () => {
  function groupedRun(store: MemoryStore, withRoot: boolean) {
    const root = store.addManifest(
      { mediaType: 'application/vnd.oci.image.index.v1+json', artifactType: ROOT_TYPE, manifests: [] },
      withRoot ? 'ci.pr' : undefined,
    );
    if (!withRoot) store.manifests.delete(root.digest);
    const trRef = taskRunReference(store, root, { 'dev.tekton.artifact/taskrun': 'pr-build' });
    const reportedOne = artifactManifest(store, 'a', 'pr-build', trRef);
    artifactManifest(store, 'stray', 'pr-build', trRef);
    const taskRuns: TaskRunView[] = [
      {
        name: 'pr-build',
        pipelineTask: 'build',
        outcome: 'Succeeded',
        warnings: [],
        reported: [reported('a', { location: `reg.test/art@${reportedOne.digest}` })],
      },
    ];
    return { root, taskRuns };
  }

  it('looks the root tag up in the repositories the statuses name', async () => {
    const store = new MemoryStore();
    const { root, taskRuns } = groupedRun(store, true);
    const tree = await resolveTree(
      input(store, taskRuns, { rootTag: 'ci.pr', rootRepositories: ['reg.test/art'] }),
    );
    expect(tree.storage.root).toMatchObject({ digest: root.digest, foundBy: 'tag ci.pr in reg.test/art' });
    expect(tree.problems.map((p) => [p.kind, p.artifact])).toEqual([['unreported', 'stray']]);
  });

  it('says root-not-found when a TaskRun reference points at a root that is gone, once it looked', async () => {
    const store = new MemoryStore();
    const { taskRuns } = groupedRun(store, false);
    const tree = await resolveTree(
      input(store, taskRuns, { rootTag: 'ci.pr', rootRepositories: ['reg.test/art'] }),
    );
    expect(tree.storage.root).toBeUndefined();
    expect(tree.problems).toEqual([
      expect.objectContaining({ kind: 'root-not-found', reference: 'reg.test/art:ci.pr' }),
    ]);
    // Not asked to walk the root (pull of named artifacts): nothing is said about it.
    const reportedOnly = await resolveTree(
      input(store, taskRuns, { rootTag: 'ci.pr', expectRoot: true, reach: { referrers: 0, root: false } }),
    );
    expect(reportedOnly.problems).toEqual([]);
  });

  it('takes a guessed repository refusing the tag for an absent root, not a failure', async () => {
    const store = new MemoryStore();
    const { taskRuns } = groupedRun(store, true);
    const refusing = Object.assign(Object.create(store) as MemoryStore, {
      fetchManifest: async (repository: string, reference: string) => {
        if (repository === 'quay.test/private') throw new OciError('DENIED', 'denied');
        return store.fetchManifest(repository, reference);
      },
    });
    const tree = await resolveTree(
      input(refusing, taskRuns, {
        rootTag: 'ci.pr',
        rootRepositories: ['quay.test/private', 'reg.test/art'],
      }),
    );
    expect(tree.storage.root?.foundBy).toBe('tag ci.pr in reg.test/art');
    expect(tree.problems.filter((p) => p.kind === 'fetch-error')).toEqual([]);
  });
});

describe('resolveTree: the cap on nodes per walk', () => {
  /** An artifact with `wide` referrers, each with `deep` referrers of its own. */
  function fanOut(wide: number, deep: number): { store: MemoryStore; taskRuns: TaskRunView[] } {
    const store = new MemoryStore();
    const root = artifactManifest(store, 'subject', 'pr-a');
    for (let i = 0; i < wide; i++) {
      const child = artifactManifest(store, `sig-${i}`, 'pr-a', root, `sig ${i}`);
      for (let j = 0; j < deep; j++) artifactManifest(store, `sig-${i}-${j}`, 'pr-a', child, `sig ${i} ${j}`);
    }
    const taskRuns: TaskRunView[] = [
      {
        name: 'pr-a',
        outcome: 'Succeeded',
        warnings: [],
        reported: [reported('subject', { location: `reg.test/r@${root.digest}` })],
      },
    ];
    return { store, taskRuns };
  }

  it('walks up to the cap, counting every level', async () => {
    const { store, taskRuns } = fanOut(10, 2); // 10 + 20 nodes
    const tree = await resolveTree(input(store, taskRuns, { maxNodes: 30 }));
    const node = tree.taskRuns[0]!.artifacts[0]!;
    expect(node.referrers).toHaveLength(10);
    expect(node.referrers.flatMap((r) => r.referrers)).toHaveLength(20);
  });

  it('stops past it with an error naming the cap and its flag (exit 8), not a node error', async () => {
    const { toCliError } = await import('../../../src/cli/errors.js');
    const { store, taskRuns } = fanOut(10, 2);
    const error = await resolveTree(input(store, taskRuns, { maxNodes: 29 })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/passed 29 nodes \(--max-nodes\)/);
    expect(toCliError(error).exitCode).toBe(8);
    expect(toCliError(error).hint).toContain('--max-nodes');
  });
});
