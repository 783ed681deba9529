// The completion script: the committed files are what the commands generate, and bash, running
// the script, offers what each command's flags allow (kubectl is a stub printing fixed names).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../commands/index.js';
import {
  completeArgs,
  completionCommands,
  completionScript,
  formatCobraCompletion,
  lookupCommand,
} from '../../../src/cli/completion.js';

const root = resolve(import.meta.dirname, '../../..');
// What oclif's config holds at run time (flags as cached, our static completionArgs), built from
// the same classes the command index lists.
const commands = completionCommands(
  Object.entries(COMMANDS).map(([id, command]) => ({
    id,
    hidden: command.hidden,
    flags: command.flags,
    completionArgs: 'completionArgs' in command ? command.completionArgs : undefined,
  })),
);
const bash = completionScript('bash', commands);

const stubDir = mkdtempSync(join(tmpdir(), 'tkn-artifacts-completion-'));
// Prints PipelineRuns only for `-n ci`, so the test sees that the namespace was passed on.
writeFileSync(
  join(stubDir, 'kubectl'),
  [
    '#!/bin/sh',
    'case "$*" in',
    '  "get pipelineruns.tekton.dev -o name -n ci") printf "pipelinerun.tekton.dev/build-app-x7k2\\npipelinerun.tekton.dev/build-app-q9z1\\n" ;;',
    '  "get pipelineruns.tekton.dev -o name") printf "pipelinerun.tekton.dev/default-run\\n" ;;',
    '  "--context prod get pipelineruns.tekton.dev -o name -n ci") printf "pipelinerun.tekton.dev/prod-run\\n" ;;',
    '  "--kubeconfig /k config get-contexts -o name") printf "prod\\nstaging\\n" ;;',
    '  "get namespaces -o name") printf "namespace/ci\\nnamespace/default\\n" ;;',
    'esac',
    '',
  ].join('\n'),
);
chmodSync(join(stubDir, 'kubectl'), 0o755);
const scriptFile = join(stubDir, 'completion.bash');
writeFileSync(scriptFile, bash);
afterAll(() => rmSync(stubDir, { recursive: true, force: true }));

/** What bash offers for the command line `words` (the last word is the one being completed). */
function complete(...words: string[]): string[] {
  const quoted = words.map((w) => `'${w.replace(/'/g, "'\\''")}'`).join(' ');
  const result = spawnSync(
    'bash',
    [
      '-c',
      `source '${scriptFile}'; COMP_WORDS=(${quoted}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _tkn_artifacts; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { cwd: root, encoding: 'utf8', env: { ...process.env, PATH: `${stubDir}:${process.env['PATH'] ?? ''}` } },
  );
  expect(result.stderr).toBe('');
  return result.stdout.split('\n').filter((line) => line !== '');
}

describe('completion', () => {
  it('is committed as the commands generate it (regenerate with `bin/tkn-artifacts completion bash|zsh`)', () => {
    expect(readFileSync(join(root, 'completions/tkn-artifacts.bash'), 'utf8')).toBe(bash);
    expect(readFileSync(join(root, 'completions/tkn-artifacts.zsh'), 'utf8')).toBe(
      completionScript('zsh', commands),
    );
  });

  it('is valid bash', () => {
    const result = spawnSync('bash', ['-n', scriptFile], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
  });

  it('offers every command, then each command its own flags', () => {
    expect(complete('tkn-artifacts', '')).toEqual([
      'completion',
      'pull',
      'show',
      'validate',
      '--version',
      '--help',
    ]);
    expect(complete('tkn-artifacts', 'va')).toEqual(['validate']);
    expect(complete('tkn-artifacts', 'validate', '--f')).toEqual(['--fail-on', '--from-cluster']);
    expect(complete('tkn-artifacts', 'pull', '--ar')).toEqual([
      '--artifact',
      '--artifact-ref',
      '--artifact-type',
    ]);
    // show has no --artifact: pull's flags are not offered to it.
    expect(complete('tkn-artifacts', 'show', '--ar')).toEqual(['--artifact-type']);
  });

  it('offers the values a flag allows, per command (-o differs between them)', () => {
    expect(complete('tkn-artifacts', 'show', '-o', '')).toEqual(['tree', 'table', 'json', 'yaml', 'name']);
    expect(complete('tkn-artifacts', 'validate', '--output', '')).toEqual([
      'human',
      'json',
      'sarif',
      'github',
    ]);
    expect(complete('tkn-artifacts', 'validate', '--fail-on', 'w')).toEqual(['warning']);
    expect(complete('tkn-artifacts', 'pull', '--format', '')).toEqual(['text', 'json']);
    // pull's -o is a directory: only directories are offered.
    expect(complete('tkn-artifacts', 'pull', '-o', 'exam')).toEqual(['examples']);
    // A value nothing can be offered for is not taken for a flag or an argument.
    expect(complete('tkn-artifacts', 'pull', '--max-size', '')).toEqual([]);
    expect(complete('tkn-artifacts', 'completion', '')).toEqual(['bash', 'zsh']);
  });

  it('offers PipelineRuns of the namespace given, and namespaces from the cluster', () => {
    expect(complete('tkn-artifacts', 'show', '-n', 'ci', 'build-app-')).toEqual([
      'build-app-x7k2',
      'build-app-q9z1',
    ]);
    expect(complete('tkn-artifacts', 'pull', '')).toEqual(['default-run']);
    // The context given goes to kubectl too.
    expect(complete('tkn-artifacts', 'pull', '--context', 'prod', '-n', 'ci', '')).toEqual(['prod-run']);
    expect(complete('tkn-artifacts', 'pull', '-n', '')).toEqual(['ci', 'default']);
    expect(complete('tkn-artifacts', 'validate', 'examples/run.y')).toEqual(['examples/run.yaml']);
    // The contexts of the kubeconfig named.
    expect(complete('tkn-artifacts', 'show', '--kubeconfig', '/k', '--context', '')).toEqual([
      'prod',
      'staging',
    ]);
  });

  it('completes --flag=value as bash splits it, and reads flags written that way', () => {
    // bash hands `--output=` over as three words: the flag, "=", and what follows.
    expect(complete('tkn-artifacts', 'show', '--output', '=', '')).toEqual([
      'tree',
      'table',
      'json',
      'yaml',
      'name',
    ]);
    expect(complete('tkn-artifacts', 'validate', '--fail-on', '=', 'w')).toEqual(['warning']);
    expect(complete('tkn-artifacts', 'show', '--namespace', '=', 'ci', 'build-app-x')).toEqual([
      'build-app-x7k2',
    ]);
    // Unsplit (COMP_WORDBREAKS without "="), the answers keep their --flag=.
    expect(complete('tkn-artifacts', 'pull', '--format=j')).toEqual(['--format=json']);
  });
});

describe('completion for kubectl (cobra __complete)', () => {
  const visible = commands;

  it('answers as the bash script does, with cobra directives', () => {
    expect(completeArgs(visible, [''])).toMatchObject({
      words: ['completion', 'pull', 'show', 'validate', '--version', '--help'],
      directive: 4,
    });
    expect(completeArgs(visible, ['validate', '-o', 's'])).toMatchObject({ words: ['sarif'], directive: 4 });
    expect(completeArgs(visible, ['show', '--f'])).toMatchObject({
      words: ['--from-file', '--full-digests'],
      directive: 4,
    });
    // Paths are left to the shell: default (0) for files, 16 for directories only.
    expect(completeArgs(visible, ['validate', 'tek'])).toMatchObject({ words: [], directive: 0 });
    expect(completeArgs(visible, ['pull', '-o', ''])).toMatchObject({ words: [], directive: 16 });
    expect(completeArgs(visible, ['show', '-n', 'ci', 'bu'])).toMatchObject({
      lookup: 'runs',
      prefix: 'bu',
      directive: 4,
    });
    // A boolean flag takes no value: what follows it is an argument again.
    expect(completeArgs(visible, ['show', '--strict', ''])).toMatchObject({ lookup: 'runs' });
    // --flag=value, as kubectl passes it on: answers keep the --flag= they replace.
    expect(completeArgs(visible, ['show', '--output=j'])).toMatchObject({
      words: ['--output=json'],
      directive: 4,
    });
    expect(completeArgs(visible, ['show', '--pipelinerun=b'])).toMatchObject({
      lookup: 'runs',
      prefix: 'b',
      assigned: '--pipelinerun=',
    });
    expect(completeArgs(visible, ['show', '--strict=t'])).toMatchObject({ words: [], directive: 4 });
    expect(formatCobraCompletion(['a', 'b'], 4)).toBe('a\nb\n:4\n');
  });

  it('asks kubectl in the cluster and namespace the command line names', () => {
    expect(lookupCommand('runs', ['show', '-n', 'ci', '--context', 'prod', ''])).toEqual([
      'get',
      'pipelineruns.tekton.dev',
      '-n',
      'ci',
      '-o',
      'name',
      '--context',
      'prod',
    ]);
    expect(lookupCommand('namespaces', ['pull', '--kubeconfig', '/k', '-n', ''])).toEqual([
      'get',
      'namespaces',
      '-o',
      'name',
      '--kubeconfig',
      '/k',
    ]);
    expect(lookupCommand('contexts', ['pull', '-c', ''])).toEqual(['config', 'get-contexts', '-o', 'name']);
    // --flag=value, and nothing taken from the word being typed.
    expect(lookupCommand('runs', ['show', '--namespace=ci', '--context=prod', 'b'])).toEqual([
      'get',
      'pipelineruns.tekton.dev',
      '-n',
      'ci',
      '-o',
      'name',
      '--context',
      'prod',
    ]);
    expect(lookupCommand('runs', ['show', '-n', ''])).toEqual([
      'get',
      'pipelineruns.tekton.dev',
      '-o',
      'name',
    ]);
  });

  it('the hidden __complete command is left out of the scripts', () => {
    expect(Object.keys(commands)).not.toContain('__complete');
  });
});
