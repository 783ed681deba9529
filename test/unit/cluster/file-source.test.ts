import { describe, expect, it } from 'vitest';
import { FileSource, InputError, NotFoundError } from '../../../src/cluster/index.js';

const FIX = 'test/fixtures/runs';

async function inputError(p: Promise<unknown>): Promise<InputError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected an InputError');
}

describe('FileSource', () => {
  it('reads a kubectl List (v1) and ignores kinds it does not need', async () => {
    const src = await FileSource.fromFile(`${FIX}/pipelinerun-mixed.yaml`);
    expect(src.counts()).toEqual({ PipelineRun: 1, TaskRun: 5, Pipeline: 1, ConfigMap: 2 });
    expect(src.defaultNamespace).toBe('team-a'); // the runs' namespace (the cluster ConfigMap's is not counted)
    expect(src.describe()).toBe(`file ${FIX}/pipelinerun-mixed.yaml`);
    const pr = await src.getPipelineRun('team-a', 'build-abc12');
    expect(pr.status?.childReferences).toHaveLength(6);
    expect(src.lineOf(pr)).toBe(17);
    expect((await src.listTaskRuns('team-a')).map((t) => t.metadata.name)).toHaveLength(5);
    expect(await src.getPipeline('team-a', 'build-and-test')).toBeDefined();
    expect(await src.getPipeline('team-a', 'nope')).toBeUndefined();
    expect((await src.getConfigMap('tekton-pipelines', 'config-artifact-storage'))?.data?.enabled).toBe(
      'true',
    );
    expect(await src.getConfigMap('team-a', 'nope')).toBeUndefined();
  });

  it('reads several --- documents (v1beta1) and a trailing separator', async () => {
    const src = await FileSource.fromFile(`${FIX}/pipelinerun-v1beta1.yaml`);
    expect(src.counts()).toEqual({ PipelineRun: 1, TaskRun: 2 });
    expect(src.defaultNamespace).toBe('ci');
    const tr = await src.getTaskRun('ci', 'release-7-package');
    expect(tr.apiVersion).toBe('tekton.dev/v1beta1');
    expect(tr.status?.taskResults?.[0]?.name).toBe('TARBALL_ARTIFACT');
  });

  it('reads a single object', async () => {
    const src = await FileSource.fromFile(`${FIX}/taskrun-tep0192.yaml`);
    expect(src.counts()).toEqual({ TaskRun: 1 });
    await expect(src.getTaskRun('default', 'build-images-run-abc123')).resolves.toBeDefined();
  });

  it('reads JSON (kubectl -o json is YAML too)', async () => {
    const json = JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [{ apiVersion: 'tekton.dev/v1', kind: 'TaskRun', metadata: { name: 'x', namespace: 'n' } }],
    });
    const src = await FileSource.fromText(json, 'x.json');
    await expect(src.getTaskRun('n', 'x')).resolves.toMatchObject({ metadata: { name: 'x' } });
  });

  it('malformed YAML is an InputError with file, line and column', async () => {
    const err = await inputError(FileSource.fromFile(`${FIX}/malformed.yaml.txt`));
    expect(err.file).toBe(`${FIX}/malformed.yaml.txt`);
    // the flow mapping opened on line 9 is found unterminated on line 10
    expect(err.line).toBe(10);
    expect(err.column).toBe(5);
    expect(err.message).toMatch(new RegExp(`^${FIX}/malformed.yaml.txt:10:5: invalid YAML: `));
    expect(err.message).not.toContain('\n');
    expect(err.code).toBe('INPUT');
  });

  it.each([
    ['a scalar document', 'hello\n', 1, /document 1 is not a Kubernetes object/],
    ['an object without kind', 'apiVersion: v1\nmetadata: {name: x}\n', 1, /document 1 has no kind/],
    [
      'a run without name',
      'kind: List\nitems:\n  - kind: TaskRun\n    apiVersion: tekton.dev/v1\n    metadata: {}\n',
      3,
      /TaskRun \(item 1 of the List\) has no metadata.name/,
    ],
    ['items that are not a list', '---\nkind: List\nitems: 3\n', 2, /List.items is not a list/],
  ])('%s is an InputError with its line', async (_what, text, line, message) => {
    const err = await inputError(FileSource.fromText(text, 'in.yaml'));
    expect(err.line).toBe(line);
    expect(err.message).toMatch(message);
  });

  it('a missing file is an InputError with how to make one', async () => {
    const err = await inputError(FileSource.fromFile(`${FIX}/does-not-exist.yaml`));
    expect(err.message).toBe(`${FIX}/does-not-exist.yaml: no such file`);
    expect(err.hint).toMatch(/kubectl get pipelinerun,taskrun/);
  });

  it('not found names what the file has', async () => {
    const src = await FileSource.fromFile(`${FIX}/pipelinerun-mixed.yaml`);
    const err = await src.getPipelineRun('team-a', 'other').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).message).toBe(
      `PipelineRun "other" not found in namespace "team-a" (looked in file ${FIX}/pipelinerun-mixed.yaml)`,
    );
    expect((err as NotFoundError).hint).toMatch(
      /^the file has PipelineRuns team-a\/build-abc12; check the name/,
    );
  });

  it('filters by label selector', async () => {
    const src = await FileSource.fromFile(`${FIX}/pipelinerun-mixed.yaml`);
    const names = async (sel: string) =>
      (await src.listTaskRuns('team-a', { labelSelector: sel })).map((t) => t.metadata.name);
    expect(await names('tekton.dev/pipelineTask=build')).toEqual(['build-abc12-build']);
    expect(await names('tekton.dev/memberOf=finally')).toEqual(['build-abc12-notify']);
    expect(await names('tekton.dev/pipelineTask in (clone, scan)')).toEqual([
      'build-abc12-clone',
      'build-abc12-scan',
    ]);
    expect(await names('tekton.dev/pipeline')).toEqual(['build-abc12-clone']);
    expect(await names('tekton.dev/pipelineRun=build-abc12,tekton.dev/memberOf!=tasks')).toEqual([
      'build-abc12-notify',
    ]);
    await expect(names('a=(b')).rejects.toBeInstanceOf(InputError);
  });

  it('objects without a namespace take -n, which is also the default namespace', async () => {
    const src = await FileSource.fromText(
      'apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata:\n  name: p\n',
      'p.yaml',
      { namespace: 'dev' },
    );
    expect(src.defaultNamespace).toBe('dev');
    await expect(src.getPipelineRun('dev', 'p')).resolves.toBeDefined();
  });

  it('an alias bomb is an InputError at the document, not a crash', async () => {
    // Billion laughs: nine levels of ten aliases each.
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    const names = 'abcdefghij';
    for (let i = 1; i < 10; i++) {
      const prev = `*${names[i - 1] ?? ''}`;
      lines.push(`${names[i] ?? ''}: &${names[i] ?? ''} [${Array(10).fill(prev).join(', ')}]`);
    }
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: feature-flags}\ndata:\n  ${lines.join('\n  ')}\n`;
    const err = await inputError(FileSource.fromText(text, 'bomb.yaml'));
    expect(err.file).toBe('bomb.yaml');
    expect([err.line, err.column]).toEqual([1, 1]);
    expect(err.detail).toMatch(/^invalid YAML: Excessive alias count/);
    expect(err.hint).toMatch(/at most 1000 nodes/);
  });

  it('an alias inside its own anchor, or without one, is an InputError at the alias', async () => {
    const loop = await inputError(
      FileSource.fromText('apiVersion: v1\nkind: List\nitems: &i [{kind: List, items: *i}]\n', 'loop.yaml'),
    );
    expect([loop.line, loop.column]).toEqual([3, 32]);
    expect(loop.detail).toMatch(/alias \*i is inside the node anchored &i/);
    const unresolved = await inputError(
      FileSource.fromText('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: *d\n', 'u.yaml'),
    );
    expect([unresolved.line, unresolved.column]).toEqual([4, 7]);
    expect(unresolved.detail).toBe('invalid YAML: alias *d has no anchor &d before it');
    // Reuse is fine.
    const src = await FileSource.fromText(
      'apiVersion: v1\nkind: List\nitems:\n- &cm {apiVersion: v1, kind: ConfigMap, metadata: {name: a, namespace: n}}\n',
      'ok.yaml',
    );
    expect(src.counts()).toEqual({ ConfigMap: 1 });
  });

  it('an empty file is an empty source', async () => {
    const src = await FileSource.fromText('', 'empty.yaml');
    expect(src.counts()).toEqual({});
    expect(src.defaultNamespace).toBe('default');
  });
});
