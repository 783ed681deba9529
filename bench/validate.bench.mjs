// validate on 1,000 Task files: generates them in a temp dir (a mix of artifacts, results and
// steps, some with findings) with a --cluster-config snapshot, and times
// `tkn-artifacts validate DIR --cluster-config FILE -o json`. Prints the median and files/s;
// no assertion (timings on shared machines are not tests). No peer tool does this; `--version`
// is timed beside it to show how much is start-up. Target: well under 2 s.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { median } from './tools.mjs';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const count = Number(process.env.BENCH_FILES ?? 1000);
const cli = process.env.TKN_ARTIFACTS_BIN ?? fileURLToPath(new URL('../bin/tkn-artifacts', import.meta.url));

function task(i) {
  // Every tenth declares an SBOM result (a warning), every 25th an external artifact in a
  // namespace without a repository (an error): the rules run, not just the parser.
  const external = i % 25 === 0;
  // Every 50th reuses its env through an anchor and alias, so the alias check is timed too.
  const aliased = i % 50 === 0;
  return `apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: task-${i}
  namespace: ${external ? 'no-repo' : 'ci'}
  labels:
    app.kubernetes.io/version: "0.${i % 7}"
  annotations:
    tekton.dev/displayName: Task number ${i}
    tkn-artifacts.tekton.dev/max-size.REPORT: ${(i % 4) + 1}Ki
spec:
  description: Builds component ${i} and reports on it.
  params:
    - name: revision
      type: string
      default: main
    - name: flags
      type: array
      default: ["--verbose", "--color=never"]
  workspaces:
    - name: source
  artifacts:
    outputs:
      - name: binary
        ${external ? 'storage: external' : 'type: reference'}
      - name: coverage
        maxSize: 512
  results:
    - name: IMAGE_DIGEST
      description: digest of the image
    - name: REPORT
    - name: ${i % 10 === 0 ? 'SBOM' : 'IMAGE_URL'}
  steps:
    - name: build
      image: golang:1.23
      workingDir: $(workspaces.source.path)
      env: ${aliased ? '&env' : ''}
        - name: REVISION
          value: $(params.revision)
      script: |
        go build -o $(outputs.binary.path)/app ./cmd/component-${i}
        sha256sum app | cut -d' ' -f1 > $(results.IMAGE_DIGEST.path)
    - name: test
      image: golang:1.23${aliased ? '\n      env: *env' : ''}
      args: ["$(params.flags[*])"]
      script: |
        go test -coverprofile=$(outputs.coverage.path)/cover.out ./...
        go tool cover -func cover.out | tail -1 > $(results.REPORT.path)
`;
}

const snapshot = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: feature-flags, namespace: tekton-pipelines}
  data: {enable-artifacts: "true"}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: config-artifact-storage, namespace: tekton-pipelines}
  data: {enabled: "true"}
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: config-artifact-storage
    namespace: ci
    labels: {tekton.dev/config-type: artifact-storage}
  data: {oci.repository: registry.example.com/ci/artifacts}
`;

const dir = mkdtempSync(join(tmpdir(), 'tkn-artifacts-validate-bench-'));
try {
  const tasks = join(dir, 'tasks');
  for (let i = 0; i < count; i++) {
    const sub = join(tasks, `group-${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `task-${i}.yaml`), task(i));
  }
  const config = join(dir, 'cluster-config.yaml');
  writeFileSync(config, snapshot);

  const time = (args, ok) => {
    const samples = [];
    let last;
    for (let i = 0; i < runs + 1; i++) {
      const start = performance.now();
      last = spawnSync(cli, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
      const elapsed = performance.now() - start;
      if (!ok(last.status)) throw new Error(`${args.join(' ')} exited ${last.status}: ${last.stderr}`);
      if (i >= 1) samples.push(elapsed); // the first warms the page cache
    }
    return { ms: median(samples), last };
  };

  if (process.env.BENCH_PROFILE) {
    // Leaves a V8 CPU profile of one validate run in BENCH_PROFILE, for looking into where time goes.
    const main = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
    const node = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
    spawnSync(
      node,
      [
        '--cpu-prof',
        '--cpu-prof-dir',
        process.env.BENCH_PROFILE,
        main,
        'validate',
        tasks,
        '--cluster-config',
        config,
        '-o',
        'json',
      ],
      { stdio: 'ignore' },
    );
  }
  const version = time(['--version'], (s) => s === 0);
  // Exit 1 is expected: some generated Tasks have findings.
  const validate = time(
    ['validate', tasks, '--cluster-config', config, '-o', 'json'],
    (s) => s === 0 || s === 1,
  );
  const report = JSON.parse(validate.last.stdout.toString());
  const s = report.summary;
  console.log(`validate ${count} Task files (median of ${runs}):`);
  console.log(
    `  tkn-artifacts validate DIR   ${validate.ms.toFixed(0)} ms   ${((count / validate.ms) * 1000).toFixed(0)} files/s   target < 2000 ms`,
  );
  console.log(`  tkn-artifacts --version      ${version.ms.toFixed(0)} ms   (start-up, for comparison)`);
  console.log(
    `  report: ${s.resources} resources, ${s.errors} errors, ${s.warnings} warnings, ${s.infos} info, exit ${s.exitCode}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
