import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { reachForDepth, runShow, trimTree, type ShowOptions } from '../../../src/show/run.js';
import type { ArtifactTree } from '../../../src/tree/model.js';
import { memoryIo } from '../../support/io.js';

const root = resolve(import.meta.dirname, '..', '..', '..');

function options(extra: Partial<ShowOptions> = {}): ShowOptions {
  return {
    run: 'build-app-x7k2',
    cluster: { fromFile: join(root, 'examples/run.yaml') },
    registry: { ociLayout: join(root, 'examples/layout'), plainHttp: [], insecure: [] },
    filters: { tasks: [], artifactTypes: [] },
    configMapName: 'config-artifact-storage',
    tektonNamespace: 'tekton-pipelines',
    print: { format: 'json' },
    ...extra,
  };
}

async function showJson(extra: Partial<ShowOptions> = {}): Promise<ArtifactTree> {
  const io = memoryIo();
  expect(await runShow(options(extra), io)).toBe(0);
  return JSON.parse(io.text()) as ArtifactTree;
}

describe('runShow through the I/O seam', () => {
  it('prints the example run as an ArtifactTree document on stdout, nothing on stderr', async () => {
    const io = memoryIo();
    expect(await runShow(options(), io)).toBe(0);
    const tree = JSON.parse(io.text()) as ArtifactTree;
    expect(tree).toMatchObject({
      kind: 'ArtifactTree',
      run: { kind: 'PipelineRun', name: 'build-app-x7k2' },
    });
    expect(tree.taskRuns.map((t) => t.pipelineTask)).toContain('build');
    expect(io.errors()).toBe('');
  });

  it('--depth means the same in json as in the tree: 1 keeps TaskRuns, 2 artifacts without files', async () => {
    const one = await showJson({ depth: 1 });
    expect(one.taskRuns.length).toBeGreaterThan(0);
    expect(one.taskRuns.every((t) => t.artifacts.length === 0)).toBe(true);
    expect(one.unreported).toEqual([]);
    const two = await showJson({ depth: 2 });
    const artifacts = two.taskRuns.flatMap((t) => t.artifacts);
    expect(artifacts.length).toBeGreaterThan(0);
    expect(artifacts.every((a) => a.files.length === 0 && a.referrers.length === 0)).toBe(true);
    const full = await showJson();
    expect(full.taskRuns.flatMap((t) => t.artifacts).some((a) => a.files.length > 0)).toBe(true);
  });

  it('names and tree formats go through the same io, without colour when the io says so', async () => {
    const io = memoryIo({ color: false });
    expect(await runShow(options({ print: { format: 'tree' } }), io)).toBe(0);
    expect(io.text()).toContain('build-app-x7k2');
    expect(io.text()).not.toContain('\u001b[');
    const names = memoryIo();
    expect(await runShow(options({ print: { format: 'name' }, depth: 1 }), names)).toBe(0);
    expect(names.text()).toBe('');
  });

  it('--explain-config prints the explanation to stdout and exits 0', async () => {
    const io = memoryIo();
    expect(await runShow(options({ explainConfig: true }), io)).toBe(0);
    expect(io.text()).toMatch(/oci\.repository|repository/);
    expect(io.text().endsWith('\n')).toBe(true);
  });
});

describe('depth', () => {
  it('fetches referrers only as deep as they are shown', () => {
    expect(reachForDepth(undefined)).toEqual({ referrers: 4, root: true });
    expect(reachForDepth(1).referrers).toBe(0);
    expect(reachForDepth(2).referrers).toBe(0);
    expect(reachForDepth(3).referrers).toBe(1);
    expect(reachForDepth(5).referrers).toBe(3);
  });

  it('trims referrers of referrers at the level below --depth', () => {
    const leaf = {
      digest: 'sha256:c',
      mediaType: 'm',
      artifactType: 't',
      size: 1,
      kind: 'sbom',
      files: [],
      referrers: [],
    };
    const file = { digest: 'sha256:f', size: 1, mediaType: 'm' };
    const tree: ArtifactTree = {
      apiVersion: 'tkn-artifacts.tekton.dev/v1alpha1',
      kind: 'ArtifactTree',
      run: { kind: 'PipelineRun', name: 'r', outcome: 'Succeeded', source: 'test' },
      storage: {},
      taskRuns: [
        {
          name: 'tr',
          outcome: 'Succeeded',
          artifacts: [
            {
              name: 'a',
              direction: 'output',
              producers: [],
              reportedAt: [],
              state: 'present',
              usable: true,
              files: [file],
              platforms: [],
              referrers: [{ ...leaf, digest: 'sha256:b', files: [file], referrers: [leaf] }],
            },
          ],
        },
      ],
      unreported: [],
      problems: [],
    };
    const three = trimTree(tree, 3).taskRuns[0]!.artifacts[0]!;
    expect(three.files).toEqual([file]);
    expect(three.referrers).toEqual([{ ...leaf, digest: 'sha256:b', files: [], referrers: [] }]);
    const four = trimTree(tree, 4).taskRuns[0]!.artifacts[0]!;
    expect(four.referrers[0]!.files).toEqual([file]);
    expect(four.referrers[0]!.referrers).toEqual([leaf]);
    expect(trimTree(tree, undefined)).toBe(tree);
  });
});

describe('Chains *_ARTIFACT_INPUTS/OUTPUTS with source URIs', () => {
  // Chains takes any non-empty uri with a digest it can parse (sha1 for a commit): its own docs
  // give git+https://….git with sha1; these are source inputs, not OCI content.
  const uris = {
    GIT_ARTIFACT_INPUTS: 'git+https://github.com/acme/app.git',
    REF_ARTIFACT_INPUTS: 'git+https://github.com/acme/app.git@refs/heads/main',
    SSH_ARTIFACT_INPUTS: 'git+ssh://git@github.com/acme/app.git',
    HTTPS_ARTIFACT_INPUTS: 'https://github.com/acme/app',
    SRC_ARTIFACT_OUTPUTS: 'git+https://gitlab.example.com:8443/acme/app.git',
    // git's scp-like form (user@host:path), which Chains takes as any other uri.
    SCP_ARTIFACT_INPUTS: 'git@github.com:acme/app.git',
  };

  async function exportWith(results: { name: string; type: string; value: unknown }[]): Promise<string> {
    const documents = parse(await readFile(join(root, 'examples/run.yaml'), 'utf8')) as {
      items: { kind: string; metadata: { name: string }; status: { results?: unknown[] } }[];
    };
    const clone = documents.items.find(
      (item) => item.kind === 'TaskRun' && item.metadata.name === 'build-app-x7k2-clone',
    );
    if (!clone) throw new Error('the example has no clone TaskRun');
    clone.status.results = [...(clone.status.results ?? []), ...results];
    const directory = await mkdtemp(join(tmpdir(), 'tkn-chains-'));
    const file = join(directory, 'run.yaml');
    await writeFile(file, stringify(documents));
    return file;
  }

  it('shows them as external sources, not malformed; --strict exits 0', async () => {
    const digest = 'sha1:0123456789abcdef0123456789abcdef01234567';
    const file = await exportWith(
      Object.entries(uris).map(([name, uri], i) =>
        // Both ways Tekton stores an object result: an object, or a JSON string of one.
        i % 2 === 0
          ? { name, type: 'object', value: { uri, digest } }
          : { name, type: 'string', value: JSON.stringify({ uri, digest }) },
      ),
    );
    const base = { cluster: { fromFile: file }, filters: { tasks: ['clone'], artifactTypes: [] } };
    const io = memoryIo();
    const code = await runShow(options({ ...base, strict: true }), io);
    expect(io.errors()).toBe('');
    expect(code).toBe(0);
    const tree = JSON.parse(io.text()) as ArtifactTree;
    expect(tree.problems).toEqual([]);
    const shown = Object.fromEntries(
      tree.taskRuns[0]!.artifacts.map((artifact) => [artifact.name, [artifact.state, artifact.digest]]),
    );
    for (const name of Object.keys(uris)) expect(shown[name]).toEqual(['external', digest]);
    // The tree prints each URI whole: only digests are shortened after an @.
    const text = memoryIo();
    expect(await runShow(options({ ...base, strict: true, print: { format: 'tree' } }), text)).toBe(0);
    for (const uri of Object.values(uris))
      expect(text.text()).toContain(`  external  ${uri}  (chains-type-hint)`);
  });
});
