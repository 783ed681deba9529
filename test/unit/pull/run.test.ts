/**
 * runPull end to end without servers: the shipped example (examples/run.yaml, an export, and
 * examples/layout, an OCI layout pushed by oras), through the same resolution show uses.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_RATIO,
  DEFAULT_MAX_SIZE,
  expansionBudget,
  parseLimitSize,
} from '../../../src/pull/limits.js';
import { formatReportText, type PullReport } from '../../../src/pull/report.js';
import { runPull, validatePullOptions, type PullOptions } from '../../../src/pull/run.js';
import { memoryIo } from '../../support/io.js';

const root = resolve(import.meta.dirname, '..', '..', '..');
let out: string;

beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), 'tkn-pull-run-'));
});
afterEach(async () => {
  await rm(out, { recursive: true, force: true });
});

function io(): ReturnType<typeof memoryIo> {
  return memoryIo();
}

function options(extra: Partial<PullOptions> = {}): PullOptions {
  return {
    run: 'build-app-x7k2',
    cluster: { fromFile: join(root, 'examples/run.yaml') },
    registry: { ociLayout: join(root, 'examples/layout'), plainHttp: [], insecure: [] },
    configMapName: 'config-artifact-storage',
    tektonNamespace: 'tekton-pipelines',
    select: { tasks: [], artifactTypes: [], artifacts: [], inputs: false },
    output: out,
    cwd: out,
    format: 'json',
    raw: false,
    allowPathTraversal: false,
    limits: { maxRatio: DEFAULT_MAX_RATIO, maxSize: DEFAULT_MAX_SIZE },
    quiet: true,
    ...extra,
  };
}

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

describe('runPull on the shipped example', () => {
  it('pulls every output into <task>/<artifact>/ and reports it as a PullReport', async () => {
    const streams = io();
    expect(await runPull(options(), streams)).toBe(0);
    const report = JSON.parse(streams.text()) as PullReport;
    expect(report).toMatchObject({
      apiVersion: 'tkn-artifacts.tekton.dev/v1alpha1',
      kind: 'PullReport',
      source: { run: { kind: 'PipelineRun', name: 'build-app-x7k2', namespace: 'ci' } },
      output: out,
      summary: { pulled: 6, present: 0, skipped: 3 },
    });
    expect(
      report.files.map((f) => [`${f.task}/${f.artifact}`, f.path.slice(out.length + 1), f.status]),
    ).toEqual([
      ['clone/SOURCE_ARTIFACT', 'clone/SOURCE_ARTIFACT', 'pulled'],
      ['build/images', 'build/images/images', 'pulled'],
      ['test/junit', 'test/junit/junit', 'pulled'],
      ['test/coverage', 'test/coverage', 'pulled'],
      ['test/logs', 'test/logs/logs', 'pulled'],
      ['report/summary', 'report/summary/summary', 'pulled'],
    ]);
    for (const file of report.files.filter((f) => !f.extracted))
      expect(sha256(await readFile(file.path))).toBe(file.digest);
    expect(await readFile(join(out, 'clone/SOURCE_ARTIFACT/README.md'), 'utf8')).toBe('# app\n');
    expect(await readFile(join(out, 'report/summary/summary'), 'utf8')).toMatch(/coverage 66.7%/);
    expect(report.skipped.map((s) => [s.artifact, s.state])).toEqual([
      ['source', 'input'],
      ['IMAGE', 'present'],
      ['screenshots', 'dangling'],
    ]);

    const again = io();
    await runPull(options(), again);
    expect((JSON.parse(again.text()) as PullReport).summary).toMatchObject({ pulled: 0, present: 6 });
  });

  it('streams one artifact to stdout with -o -', async () => {
    const streams = io();
    expect(
      await runPull(
        options({
          output: '-',
          format: 'text',
          select: { tasks: [], artifactTypes: [], artifacts: ['build/images'], inputs: false },
        }),
        streams,
      ),
    ).toBe(0);
    expect(JSON.parse(streams.text())).toEqual([
      expect.stringMatching(/^registry\.example\.com\/ci\/app@sha256:/),
    ]);
  });

  it('refuses -o - for more than one file, naming them', async () => {
    await expect(runPull(options({ output: '-', format: 'text' }), io())).rejects.toThrow(
      /-o - writes one file, but the selection has 6/,
    );
  });

  it('fails on a named artifact that is dangling (exit 3) or that does not exist', async () => {
    const select = (artifacts: string[]) => ({ tasks: [], artifactTypes: [], artifacts, inputs: false });
    await expect(runPull(options({ select: select(['screenshots']) }), io())).rejects.toMatchObject({
      exit: 'notFound',
      message: expect.stringMatching(/test\/screenshots cannot be pulled: dangling/),
    });
    await expect(runPull(options({ select: select(['nope']) }), io())).rejects.toMatchObject({
      exit: 'notFound',
      hint: expect.stringContaining('test/junit'),
    });
  });

  it('pulls a Konflux blob by its oci: URI, as RUN or --artifact-ref, into -o itself', async () => {
    const konflux =
      'oci:registry.example.com/ci/app-trusted-artifacts@sha256:2c69b7904adcaa6fabb0529a43256ff0a460a69ffc71ea751006cbdbd0901563';
    const streams = io();
    await runPull(options({ run: konflux, cluster: {}, output: join(out, 'konflux') }), streams);
    const report = JSON.parse(streams.text()) as PullReport;
    expect(report.source).toEqual({ reference: konflux });
    expect(report.files[0]).toMatchObject({ artifact: 'app-trusted-artifacts', extracted: { files: 3 } });
    // As Konflux's use-oci.sh extracts it: tar -C DIR.
    expect(await readFile(join(out, 'konflux/app/go.mod'), 'utf8')).toMatch(/^module example.com\/app/);
    const raw = io();
    await runPull(
      options({ run: undefined, artifactRef: konflux, cluster: {}, raw: true, output: join(out, 'raw') }),
      raw,
    );
    expect(sha256(await readFile(join(out, 'raw/app-trusted-artifacts.tar.gz')))).toBe(
      konflux.slice(konflux.indexOf('@') + 1),
    );
  });

  it('keeps two Konflux artifacts apart: the second refuses an -o that holds the first', async () => {
    const blob = (hex: string) => `oci:registry.example.com/ci/app-trusted-artifacts@sha256:${hex}`;
    const source = blob('2c69b7904adcaa6fabb0529a43256ff0a460a69ffc71ea751006cbdbd0901563');
    // Another tar.gz blob of the example (the coverage archive), named the same way.
    const other = blob('98d13f2780aef45e7387dc5fa08c3c758d51e62e9d4481438740632315db65b6');
    const into = join(out, 'two');
    expect(await runPull(options({ run: source, cluster: {}, output: into }), io())).toBe(0);
    const before = await readFile(join(into, 'app/go.mod'), 'utf8');
    const second = io();
    await expect(runPull(options({ run: other, cluster: {}, output: into }), second)).rejects.toMatchObject({
      exit: 'usage',
      message: expect.stringContaining('holds another artifact'),
    });
    expect(await readFile(join(into, 'app/go.mod'), 'utf8')).toBe(before);
    // Into a directory of its own, it lands; pulled again, it is present.
    expect(await runPull(options({ run: other, cluster: {}, output: join(out, 'other') }), io())).toBe(0);
    expect(await readFile(join(out, 'other/summary.txt'), 'utf8')).toMatch(/coverage/);
    const again = io();
    expect(await runPull(options({ run: source, cluster: {}, output: into }), again)).toBe(0);
    expect((JSON.parse(again.text()) as PullReport).files[0]?.status).toBe('present');
  });

  it('pulls only the artifacts of a type with --artifact-type (artifact type or a layer media type)', async () => {
    const select = (artifactTypes: string[]) => ({ tasks: [], artifactTypes, artifacts: [], inputs: false });
    const streams = io();
    expect(await runPull(options({ select: select(['application/xml']) }), streams)).toBe(0);
    const report = JSON.parse(streams.text()) as PullReport;
    expect(report.files.map((f) => `${f.task}/${f.artifact}`)).toEqual(['test/junit']);
    expect(await readFile(join(out, 'test/junit/junit'), 'utf8')).toMatch(/^<\?xml/);
    const none = io();
    expect(
      await runPull(options({ select: select(['application/x-nothing']), output: join(out, 'none') }), none),
    ).toBe(0);
    expect((JSON.parse(none.text()) as PullReport).files).toEqual([]);
  });

  it('prints nothing with --quiet but still pulls (and --format json still prints the report)', async () => {
    const quiet = io();
    expect(await runPull(options({ format: 'text', quiet: true }), quiet)).toBe(0);
    expect(quiet.text()).toBe('');
    expect(quiet.errors()).toBe('');
    expect(await readFile(join(out, 'report/summary/summary'), 'utf8')).toMatch(/coverage 66.7%/);
    const json = io();
    await runPull(options({ format: 'json', quiet: true }), json);
    expect((JSON.parse(json.text()) as PullReport).summary).toMatchObject({ present: 6 });
    expect(json.errors()).toBe('');
  });

  it('prints a readable summary', async () => {
    const streams = io();
    await runPull(options({ format: 'text', quiet: false }), streams);
    const text = streams.text();
    expect(text).toMatch(/^pulled {2}clone\/SOURCE_ARTIFACT {2}clone\/SOURCE_ARTIFACT\/ +220 B → 3 files/m);
    expect(text).toMatch(/^pulled {2}test\/junit .*\(task failed\)$/m);
    expect(text).toMatch(/^skipped {2}test\/screenshots: dangling/m);
    // Files as a person counts them: the two archives held 3 and 2.
    expect(text).toMatch(/^Pulled 9 files \(.*\) to \. in .* s; 3 skipped$/m);
  });
});

describe('validatePullOptions', () => {
  it('says what is wrong with the flags', () => {
    expect(() => validatePullOptions(options({ run: undefined }))).toThrow(/pull needs a run/);
    expect(() => validatePullOptions(options({ artifactRef: 'r/x:y' }))).toThrow(/without RUN/);
    expect(() =>
      validatePullOptions(
        options({
          run: undefined,
          artifactRef: 'r/x:y',
          select: { tasks: ['t'], artifactTypes: [], artifacts: [], inputs: false },
        }),
      ),
    ).toThrow(/within a run/);
    expect(() => validatePullOptions(options({ output: '-', format: 'json' }))).toThrow(
      /no room for --format json/,
    );
  });
});

describe('limits and report text', () => {
  it('reads sizes as people write them', () => {
    expect(parseLimitSize('10GiB')).toBe(10 * 1024 ** 3);
    expect(parseLimitSize('500Mi')).toBe(500 * 1024 ** 2);
    expect(parseLimitSize('2G')).toBe(2e9);
    expect(parseLimitSize('1048576')).toBe(1048576);
    expect(parseLimitSize('1.5KiB')).toBe(1536);
    expect(parseLimitSize('ten')).toBeUndefined();
    expect(parseLimitSize('0')).toBeUndefined();
    expect(parseLimitSize('5 parsecs')).toBeUndefined();
  });

  it('bounds expansion by ratio past a 1 MiB floor, and by total', () => {
    const limits = { maxRatio: 100, maxSize: 10 * 1024 ** 3 };
    expect(expansionBudget(1000, limits)).toEqual({ bytes: 1024 ** 2, by: 'ratio' });
    expect(expansionBudget(1024 ** 2, limits)).toEqual({ bytes: 100 * 1024 ** 2, by: 'ratio' });
    expect(expansionBudget(1024 ** 3, limits)).toEqual({ bytes: 10 * 1024 ** 3, by: 'size' });
  });

  it('shows paths relative to the working directory', () => {
    const report: PullReport = {
      apiVersion: 'tkn-artifacts.tekton.dev/v1alpha1',
      kind: 'PullReport',
      source: {},
      output: '/w/out',
      files: [
        {
          artifact: 'a',
          task: 't',
          path: '/w/out/t/a/a',
          digest: `sha256:${'a'.repeat(64)}`,
          size: 2048,
          mediaType: 'x',
          status: 'pulled',
          usable: true,
        },
      ],
      skipped: [],
      failed: [],
      summary: { pulled: 1, present: 0, skipped: 0, failed: 0, bytes: 2048, seconds: 0.25 },
    };
    expect(formatReportText(report, '/w')).toBe(
      `pulled  t/a  out/t/a/a  2 KiB  sha256:aaaaaaaaaaaa\nPulled 1 file (2 KiB) to out in 0.3 s\n`,
    );
  });
});
