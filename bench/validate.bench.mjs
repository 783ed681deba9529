// validate on 5,000 generated Task and Pipeline files, beside @ibm/tekton-lint (the npm peer) on
// the same files in the same run. Prints, for each tool, the median wall time, the median CPU
// time (user + system: steadier than wall time on a shared machine) and the peak RSS, then our
// ratio to the peer. No assertion: timings on shared machines are not tests.
// Targets (issue 13): ratio at most 0.5, peak RSS under 200 MiB.
// BENCH_FILES sets the number of files (default 5000), BENCH_RUNS the timed runs (default 3).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './tools.mjs';

const runs = Number(process.env.BENCH_RUNS ?? 3);
const count = Number(process.env.BENCH_FILES ?? 5000);
const cli = process.env.TKN_ARTIFACTS_BIN ?? fileURLToPath(new URL('../bin/tkn-artifacts', import.meta.url));
const peer = fileURLToPath(new URL('../node_modules/@ibm/tekton-lint/dist/lint.js', import.meta.url));
const node = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
const gnuTime = '/usr/bin/time';

/** A Task in the released API, as catalog Tasks are written; every 20th has a typo in a reference. */
function task(i) {
  const typo = i % 20 === 0;
  return `apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: build-${i}
  labels:
    app.kubernetes.io/version: "0.${i % 7}"
  annotations:
    tekton.dev/displayName: Build ${i}
    tekton.dev/pipelines.minVersion: "0.50.0"
spec:
  description: Builds component ${i} and reports its digest.
  params:
    - name: revision
      type: string
      default: main
    - name: flags
      type: array
      default: ["--verbose", "--color=never"]
    - name: git
      type: object
      properties:
        url: {type: string}
        revision: {type: string}
  workspaces:
    - name: source
  results:
    - name: IMAGE_DIGEST
      description: digest of the image
    - name: IMAGE_URL
  steps:
    - name: build
      image: docker.io/library/golang:1.23
      workingDir: $(workspaces.source.path)
      env:
        - name: REVISION
          value: $(params.revision)
      args: ["$(params.flags[*])"]
      script: |
        #!/bin/sh
        git clone "$(params.git.url)" src && cd src && git checkout "$(params.git.revision)"
        go build -o app ./cmd/component-${i}
        sha256sum app | cut -d' ' -f1 > $(results.${typo ? 'IMAGE_DIGSET' : 'IMAGE_DIGEST'}.path)
        printf '%s' "registry.example.com/c${i}" > $(results.IMAGE_URL.path)
`;
}

/** A Pipeline binding the Task above; every 25th uses matrix, every 30th a when expression. */
function pipeline(i) {
  return `apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: release-${i}
spec:
  params:
    - name: revision
      default: main
    - name: platforms
      type: array
      default: [linux/amd64, linux/arm64]
  workspaces:
    - name: shared
  results:
    - name: digest
      value: $(tasks.build.results.IMAGE_DIGEST)
  tasks:
    - name: build
      taskRef:
        name: build-${i - 1}
      params:
        - name: revision
          value: $(params.revision)
      workspaces:
        - name: source
          workspace: shared${
            i % 25 === 0
              ? `
      matrix:
        params:
          - name: platform
            value: $(params.platforms[*])`
              : ''
          }
    - name: deploy
      runAfter: [build]${
        i % 30 === 0
          ? `
      when:
        - input: $(params.revision)
          operator: in
          values: [main]`
          : ''
      }
      taskRef:
        name: deploy
      params:
        - name: image
          value: $(tasks.build.results.IMAGE_URL)@$(tasks.build.results.IMAGE_DIGEST)
`;
}

/** Wall time, CPU time and peak RSS of one run, through GNU time. */
function measure(command, args, ok) {
  const r = spawnSync(gnuTime, ['-f', '%e %U %S %M', command, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 512 * 1024 * 1024,
  });
  if (!ok(r.status)) throw new Error(`${command} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const last = r.stderr.toString().trim().split('\n').at(-1) ?? '';
  const [wall, user, sys, rssKiB] = last.split(' ').map(Number);
  return { wall: wall * 1000, cpu: (user + sys) * 1000, rssMiB: rssKiB / 1024, stdout: r.stdout };
}

function series(command, args, ok) {
  const samples = [];
  for (let i = 0; i < runs + 1; i++) {
    const s = measure(command, args, ok);
    if (i >= 1) samples.push(s); // the first warms the page cache
  }
  return {
    wall: median(samples.map((s) => s.wall)),
    cpu: median(samples.map((s) => s.cpu)),
    rss: Math.max(...samples.map((s) => s.rssMiB)),
    last: samples.at(-1),
  };
}

if (!existsSync(gnuTime))
  throw new Error(`${gnuTime} (GNU time) is needed for peak RSS: apt-get install time`);
const dir = mkdtempSync(join(tmpdir(), 'tkn-artifacts-validate-bench-'));
try {
  const files = join(dir, 'tekton');
  for (let i = 0; i < count; i++) {
    const sub = join(files, `group-${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(sub, { recursive: true });
    writeFileSync(
      join(sub, i % 2 === 0 ? `task-${i}.yaml` : `pipeline-${i}.yaml`),
      i % 2 === 0 ? task(i) : pipeline(i),
    );
  }
  const ours = series(
    cli,
    ['validate', files, '--defaults', '-o', 'json', '--fail-on', 'none'],
    (s) => s === 0,
  );
  // tekton-lint exits 1 when it finds problems; it runs from the same directory (its config).
  const theirs = series(node, [peer, '--format', 'json', `${files}/**/*.yaml`], (s) => s === 0 || s === 1);
  const report = JSON.parse(ours.last.stdout.toString());
  const peerProblems = JSON.parse(theirs.last.stdout.toString()).length;
  const s = report.summary;
  const line = (name, r) =>
    `  ${name.padEnd(26)} wall ${r.wall.toFixed(0).padStart(6)} ms   cpu ${r.cpu.toFixed(0).padStart(6)} ms   peak RSS ${r.rss.toFixed(0).padStart(4)} MiB`;
  console.log(`validate ${count} Task and Pipeline files (median of ${runs}):`);
  console.log(line('tkn-artifacts validate', ours));
  console.log(line('@ibm/tekton-lint 1.1.0', theirs));
  console.log(
    `  ratio (ours / peer): wall ${(ours.wall / theirs.wall).toFixed(2)}x, cpu ${(ours.cpu / theirs.cpu).toFixed(2)}x   target <= 0.5x; RSS target < 200 MiB`,
  );
  console.log(
    `  ours: ${s.resources} resources, ${s.errors} errors, ${s.warnings} warnings; peer: ${peerProblems} problems`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
