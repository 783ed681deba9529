import { describe, expect, it } from 'vitest';
import {
  TREE_API_VERSION,
  type ArtifactNode,
  type ArtifactTree,
  type TaskRunNode,
} from '../../../src/tree/model.js';
import { UnsafeArchiveError } from '../../../src/pull/errors.js';
import { planArtifact, planPull, type PlanOptions } from '../../../src/pull/plan.js';
import { selectArtifacts, selectFrom, taskDirectory } from '../../../src/pull/select.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const REPO = 'registry.example.com/ci/tekton-artifacts';

function node(name: string, extra: Partial<ArtifactNode> = {}): ArtifactNode {
  return {
    name,
    direction: 'output',
    producers: ['tep0164'],
    reportedAt: ['status.artifacts.outputs[0]'],
    reference: `${REPO}@${d('1')}`,
    digest: d('1'),
    digestRefersTo: 'manifest',
    state: 'present',
    usable: true,
    files: [{ title: name, digest: d('2'), size: 10, mediaType: 'application/json' }],
    platforms: [],
    referrers: [],
    ...extra,
  };
}

function taskRun(
  pipelineTask: string | undefined,
  artifacts: ArtifactNode[],
  name = `run-${pipelineTask}`,
): TaskRunNode {
  return { name, ...(pipelineTask ? { pipelineTask } : {}), outcome: 'Succeeded', artifacts };
}

function tree(taskRuns: TaskRunNode[], unreported: ArtifactNode[] = []): ArtifactTree {
  return {
    apiVersion: TREE_API_VERSION,
    kind: 'ArtifactTree',
    run: { kind: 'PipelineRun', name: 'run', outcome: 'Succeeded', source: 'test' },
    storage: {},
    taskRuns,
    unreported,
    problems: [],
  };
}

const all = { tasks: [], artifacts: [], inputs: false };
const options: PlanOptions = { raw: false, allowPathTraversal: false };

describe('selectArtifacts', () => {
  const sample = tree(
    [
      taskRun('build', [
        node('images'),
        node('IMAGE', {
          files: [],
          platforms: [{ platform: 'linux/amd64', digest: d('3'), size: 1, mediaType: 'x', referrers: [] }],
        }),
        node('source', { direction: 'input', digest: d('5') }),
      ]),
      taskRun('test', [
        node('junit', { usable: false }),
        node('screenshots', { state: 'dangling', files: [], error: `${REPO} has no manifest ${d('9')}` }),
        node('site', { state: 'external', location: 'https://example.com/site', files: [] }),
      ]),
      taskRun('report', [node('summary', { state: 'inline', inline: 'ok', files: [] })]),
      taskRun('(pipeline results)', [node('digest')], 'run'),
    ],
    [node('stray')],
  );

  it('takes every present and inline output, and says why it leaves the others', () => {
    const selection = selectArtifacts(sample, all);
    expect(selection.selected.map((c) => `${c.task}/${c.node.name}`)).toEqual([
      'build/images',
      'test/junit',
      'report/summary',
      '_pipeline/digest',
      '_unreported/stray',
    ]);
    expect(selection.skipped.map((s) => [`${s.task}/${s.artifact}`, s.state])).toEqual([
      ['build/IMAGE', 'present'],
      ['build/source', 'input'],
      ['test/screenshots', 'dangling'],
      ['test/site', 'external'],
    ]);
    expect(selection.skipped[0]?.reason).toMatch(/image index \(1 platforms\).*container tool/);
    expect(selection.skipped[2]?.reason).toMatch(/dangling: .*has no manifest/);
    expect(selection.skipped[3]?.reason).toContain('https://example.com/site');
    expect(selection.refused).toEqual([]);
  });

  it('selects by NAME or TASK/NAME, and refuses named artifacts that cannot be pulled', () => {
    const selection = selectArtifacts(sample, {
      ...all,
      artifacts: ['junit', 'build/source', 'screenshots', 'nope'],
    });
    expect(selection.selected.map((c) => [c.node.name, c.named])).toEqual([
      ['source', true],
      ['junit', true],
    ]);
    expect(selection.refused.map((s) => s.artifact)).toEqual(['screenshots']);
    expect(selection.unmatched).toEqual(['nope']);
  });

  it('a refused artifact carries the kind of its failure, which is the exit code (no text matched)', () => {
    const failing = tree([
      taskRun('build', [
        node('denied', {
          state: 'error',
          files: [],
          error: 'reading registry.example.com/ci denied',
          failure: { kind: 'forbidden', code: 'DENIED' },
        }),
        node('timeout', {
          state: 'error',
          files: [],
          error: 'denied by a timeout',
          failure: { kind: 'unreachable' },
        }),
        node('gone', { state: 'dangling', files: [], error: 'no manifest' }),
        node('site', { state: 'external', location: 'https://example.com/site', files: [] }),
      ]),
    ]);
    const selection = selectArtifacts(failing, { ...all, artifacts: ['denied', 'timeout', 'gone', 'site'] });
    expect(selection.refused.map((s) => [s.artifact, s.kind])).toEqual([
      ['denied', 'forbidden'],
      ['timeout', 'unreachable'],
      ['gone', 'notFound'],
      ['site', 'unsupported'],
    ]);
  });

  it('filters tasks again (registry-only runs are not filtered by the tree) and leaves unreported out', () => {
    const selection = selectArtifacts(sample, { ...all, tasks: ['test'] });
    expect(selection.selected.map((c) => c.node.name)).toEqual(['junit']);
  });

  it('pulls inputs with --inputs', () => {
    expect(selectArtifacts(sample, { ...all, inputs: true }).selected.map((c) => c.node.name)).toContain(
      'source',
    );
  });

  describe('one Konflux SOURCE_ARTIFACT handed from task to task', () => {
    const blob = (direction: 'input' | 'output', c = 'a') =>
      node('SOURCE_ARTIFACT', { direction, digest: d(c), digestRefersTo: 'blob' });
    const konflux = tree([
      taskRun('build', [blob('input')]),
      taskRun('clone', [blob('output')]),
      taskRun('test', [blob('input')]),
      taskRun('scan', [blob('input', 'b')]),
      taskRun('lint', [blob('input', 'b')]),
    ]);
    const pulled = (artifacts: string[], inputs = false) =>
      selectArtifacts(konflux, { ...all, artifacts, inputs }).selected.map((c) => `${c.task}/${c.node.name}`);

    it('pulls the content once, where it was produced, however many tasks took it as input', () => {
      expect(pulled(['SOURCE_ARTIFACT'])).toEqual(['clone/SOURCE_ARTIFACT', 'scan/SOURCE_ARTIFACT']);
      expect(pulled([], true)).toEqual(['clone/SOURCE_ARTIFACT', 'scan/SOURCE_ARTIFACT']);
      const skipped = selectArtifacts(konflux, { ...all, artifacts: ['SOURCE_ARTIFACT'] }).skipped;
      expect(skipped.map((s) => [s.task, s.state, s.reason])).toEqual([
        ['build', 'duplicate', 'an input of the task: the same content is pulled as clone/SOURCE_ARTIFACT'],
        ['test', 'duplicate', 'an input of the task: the same content is pulled as clone/SOURCE_ARTIFACT'],
        ['lint', 'duplicate', 'an input of the task: the same content is pulled as scan/SOURCE_ARTIFACT'],
      ]);
    });

    it("still pulls a task's own copy when TASK/NAME names it", () => {
      expect(pulled(['test/SOURCE_ARTIFACT'])).toEqual(['test/SOURCE_ARTIFACT']);
      expect(pulled(['SOURCE_ARTIFACT', 'test/SOURCE_ARTIFACT'])).toEqual([
        'clone/SOURCE_ARTIFACT',
        'test/SOURCE_ARTIFACT',
        'scan/SOURCE_ARTIFACT',
      ]);
    });
  });

  it('pulls one of two artifacts with the same name in a task', () => {
    const twice = selectFrom(
      [
        { task: 't', node: node('x', { digest: d('a') }) },
        { task: 't', node: node('x', { digest: d('a') }) },
        { task: 't', node: node('x', { digest: d('b') }) },
      ],
      all,
    );
    expect(twice.selected).toHaveLength(1);
    expect(twice.skipped.map((s) => s.reason)).toEqual([
      expect.stringMatching(/same content/),
      expect.stringMatching(/also named "x"/),
    ]);
  });

  it('names task directories after the pipeline task, else the TaskRun', () => {
    expect(taskDirectory({ name: 'r-build', pipelineTask: 'build' })).toBe('build');
    expect(taskDirectory({ name: 'r-build' })).toBe('r-build');
    expect(taskDirectory({ name: 'r', pipelineTask: '(pipeline results)' })).toBe('_pipeline');
  });
});

describe('planArtifact', () => {
  it("writes a cosign signature's annotations beside its payload, as cosign sign --output-* names them", () => {
    const payload = {
      digest: d('2'),
      size: 10,
      mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
    };
    const keyless = node('IMAGE.sig', {
      files: [
        {
          ...payload,
          title: 'signature.json',
          cosign: {
            signature: 'TUVVQ0lR',
            certificate: '-----BEGIN CERTIFICATE-----\n',
            chain: 'C',
            bundle: '{}',
          },
        },
      ],
    });
    const plan = planArtifact({ task: 'build', node: keyless, named: false }, options);
    expect(plan.files.map((f) => [f.path, f.source.kind, f.mediaType])).toEqual([
      ['build/IMAGE.sig/signature.json', 'blob', payload.mediaType],
      ['build/IMAGE.sig/signature.json.sig', 'inline', 'text/plain'],
      ['build/IMAGE.sig/signature.json.pem', 'inline', 'application/x-pem-file'],
      ['build/IMAGE.sig/signature.json.chain.pem', 'inline', 'application/x-pem-file'],
      ['build/IMAGE.sig/signature.json.bundle', 'inline', 'application/json'],
    ]);
    const sig = plan.files[1]!;
    expect(sig.source.kind === 'inline' && sig.source.bytes.toString()).toBe('TUVVQ0lR');
    expect(sig.size).toBe(8);
    // With a key: the signature alone.
    const keyed = node('IMAGE.sig', {
      files: [{ ...payload, title: 'signature.json', cosign: { signature: 'c2ln' } }],
    });
    expect(
      planArtifact({ task: 'build', node: keyed, named: false }, options).files.map((f) => f.path),
    ).toEqual(['build/IMAGE.sig/signature.json', 'build/IMAGE.sig/signature.json.sig']);
  });

  it('puts single files under their title in <task>/<artifact>/', () => {
    const plan = planArtifact({ task: 'test', node: node('junit'), named: false }, options);
    expect(plan.files).toEqual([
      expect.objectContaining({
        action: 'file',
        path: 'test/junit/junit',
        artifactDir: 'test/junit',
        digest: d('2'),
        source: {
          kind: 'blob',
          repository: REPO,
          descriptor: { mediaType: 'application/json', digest: d('2'), size: 10 },
        },
      }),
    ]);
  });

  it('extracts a single tar+gzip layer into the artifact directory, and several into <stem>/', () => {
    const one = node('coverage', {
      files: [
        {
          title: 'coverage',
          digest: d('4'),
          size: 5,
          mediaType: 'application/vnd.tekton.artifact.tar+gzip',
          archive: 'tar+gzip',
        },
      ],
    });
    expect(planArtifact({ task: 'test', node: one, named: false }, options).files[0]).toMatchObject({
      action: 'extract',
      archive: 'tar+gzip',
      path: 'test/coverage',
    });
    const many = node('bundle', {
      files: [
        { title: 'docs.tar.gz', digest: d('5'), size: 5, mediaType: 'application/gzip', archive: 'tar+gzip' },
        { title: 'readme.md', digest: d('6'), size: 5, mediaType: 'text/markdown' },
      ],
    });
    expect(
      planArtifact({ task: 't', node: many, named: false }, options).files.map((f) => [f.action, f.path]),
    ).toEqual([
      ['extract', 't/bundle/docs'],
      ['file', 't/bundle/readme.md'],
    ]);
    expect(
      planArtifact({ task: 't', node: many, named: false }, { ...options, raw: true }).files.map(
        (f) => f.path,
      ),
    ).toEqual(['t/bundle/docs.tar.gz', 't/bundle/readme.md']);
  });

  it('puts an oras directory layer among several at <artifact>/<dir>/, taking <dir>/ off its entries, as oras pull', () => {
    const orasDir = (title: string, digest: string) => ({
      title,
      digest,
      size: 5,
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      archive: 'tar+gzip' as const,
      directory: true as const,
    });
    // A tarball someone packed, marked an archive by its title, not by oras's unpack annotation.
    const tarball = (title: string, digest: string) => ({ ...orasDir(title, digest), directory: undefined });
    const many = node('bundle', {
      files: [
        orasDir('somedir', d('5')),
        orasDir('nest/inner', d('7')),
        tarball('packed.tar.gz', d('8')),
        // The same media type and no unpack annotation: extracted like any archive, not as <dir>/….
        tarball('plain', d('9')),
        { title: 'top.txt', digest: d('6'), size: 5, mediaType: 'application/vnd.oci.image.layer.v1.tar' },
      ],
    });
    expect(
      planArtifact({ task: 't', node: many, named: false }, options).files.map((f) => [
        f.action,
        f.path,
        f.prefix,
      ]),
    ).toEqual([
      ['extract', 't/bundle/somedir', 'somedir'],
      ['extract', 't/bundle/nest/inner', 'nest/inner'],
      ['extract', 't/bundle/packed', undefined],
      ['extract', 't/bundle/plain', undefined],
      ['file', 't/bundle/top.txt', undefined],
    ]);
    // Alone, it is extracted into the artifact directory, where its somedir/… lands as oras puts it.
    const alone = node('bundle', { files: [orasDir('somedir', d('5'))] });
    expect(planArtifact({ task: 't', node: alone, named: false }, options).files[0]).toMatchObject({
      action: 'extract',
      path: 't/bundle',
    });
    expect(planArtifact({ task: 't', node: alone, named: false }, options).files[0]?.prefix).toBeUndefined();
  });

  it('extracts Konflux blobs (oci:…@blob), and keeps them as <artifact>.tar.gz with --raw', () => {
    const konflux = node('SOURCE_ARTIFACT', {
      producers: ['konflux-trusted-artifact'],
      location: `oci:registry.example.com/ci/app-ta@${d('7')}`,
      reference: `registry.example.com/ci/app-ta@${d('7')}`,
      digestRefersTo: 'blob',
      files: [{ digest: d('7'), size: 99, mediaType: 'application/octet-stream' }],
    });
    expect(planArtifact({ task: 'clone', node: konflux, named: false }, options).files[0]).toMatchObject({
      action: 'extract',
      path: 'clone/SOURCE_ARTIFACT',
      source: { repository: 'registry.example.com/ci/app-ta' },
    });
    expect(
      planArtifact({ task: 'clone', node: konflux, named: false }, { ...options, raw: true }).files[0],
    ).toMatchObject({
      action: 'file',
      path: 'clone/SOURCE_ARTIFACT/SOURCE_ARTIFACT.tar.gz',
    });
    // A blob reported without the Konflux convention is written as it is, under the artifact's name.
    const plain = { ...konflux, producers: ['tep0164'], location: `${REPO}@${d('7')}` };
    expect(planArtifact({ task: 'x', node: plain, named: false }, options).files[0]).toMatchObject({
      action: 'file',
      path: 'x/SOURCE_ARTIFACT/SOURCE_ARTIFACT',
    });
  });

  it('writes inline values to <artifact>/<artifact>, with their digest', () => {
    const plan = planArtifact(
      { task: 'report', node: node('summary', { state: 'inline', inline: 'ok', files: [] }), named: false },
      options,
    );
    expect(plan.files[0]).toMatchObject({
      action: 'file',
      path: 'report/summary/summary',
      size: 2,
      digest: 'sha256:2689367b205c16ce32ed4200942b8b8b1e262dfc70d9bc9fbc77c49699a4f1df',
      source: { kind: 'inline' },
    });
  });

  it('skips untitled layers as oras does, and a container image as a whole', () => {
    const mixed = node('m', {
      files: [
        { title: 'a', digest: d('a'), size: 1, mediaType: 'x' },
        { digest: d('b'), size: 1, mediaType: 'x' },
      ],
    });
    const plan = planArtifact({ task: 't', node: mixed, named: false }, options);
    expect(plan.files.map((f) => f.path)).toEqual(['t/m/a']);
    expect(plan.skipped).toEqual([expect.objectContaining({ state: 'untitled', digest: d('b') })]);
    const image = node('img', {
      files: [
        { digest: d('c'), size: 1, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' },
        { digest: d('e'), size: 1, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' },
      ],
    });
    const imagePlan = planArtifact({ task: 't', node: image, named: false }, options);
    expect(imagePlan.files).toEqual([]);
    expect(imagePlan.skipped).toEqual([
      expect.objectContaining({ reason: expect.stringMatching(/container image/) }),
    ]);
  });

  it('extracts the prototype controller’s one untitled layer', () => {
    const prototype = node('report', {
      producers: ['prototype'],
      files: [{ digest: d('f'), size: 3, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }],
    });
    expect(planArtifact({ task: 't', node: prototype, named: false }, options).files[0]).toMatchObject({
      action: 'extract',
      path: 't/report',
    });
  });

  it.each([
    ['../../etc/passwd', /climbs out/],
    ['/etc/passwd', /absolute/],
    ['.tkn-artifacts.json', /marker/],
    ['.', /artifact directory itself/],
  ])('refuses the title %j before anything is fetched', (title, reason) => {
    const hostile = node('x', { files: [{ title, digest: d('2'), size: 1, mediaType: 'text/plain' }] });
    let error: unknown;
    try {
      planArtifact({ task: 't', node: hostile, named: false }, options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnsafeArchiveError);
    expect((error as UnsafeArchiveError).message).toMatch(new RegExp(`layer ${d('2')} of ${REPO}@`));
    expect((error as UnsafeArchiveError).reason).toMatch(reason);
  });

  it('takes a traversing title as written with --allow-path-traversal', () => {
    const hostile = node('x', {
      files: [{ title: '../../shared/file', digest: d('2'), size: 1, mediaType: 'text/plain' }],
    });
    expect(
      planArtifact({ task: 't', node: hostile, named: false }, { ...options, allowPathTraversal: true })
        .files[0]?.path,
    ).toBe('shared/file');
    const absolute = node('x', {
      files: [{ title: '/tmp/x', digest: d('2'), size: 1, mediaType: 'text/plain' }],
    });
    expect(
      planArtifact({ task: 't', node: absolute, named: false }, { ...options, allowPathTraversal: true })
        .files[0]?.path,
    ).toBe('/tmp/x');
  });

  it('refuses names that are not one path segment, and layers that claim the same path', () => {
    expect(() => planArtifact({ task: 't', node: node('../x'), named: false }, options)).toThrow(
      UnsafeArchiveError,
    );
    expect(() => planArtifact({ task: '..', node: node('x'), named: false }, options)).toThrow(
      /cannot be a directory name/,
    );
    const clash = node('c', {
      files: [
        { title: 'dir', digest: d('a'), size: 1, mediaType: 'x' },
        { title: 'dir/file', digest: d('b'), size: 1, mediaType: 'x' },
      ],
    });
    expect(() => planArtifact({ task: 't', node: clash, named: false }, options)).toThrow(
      /claim the same path/,
    );
  });

  it('writes a single artifact where oras pull -o DIR does: into DIR itself', () => {
    const file = planPull([{ node: node('junit'), named: true }], options).files[0];
    expect(file?.path).toBe('junit');
    expect(file?.artifactDir).toBe('.');
  });
});
