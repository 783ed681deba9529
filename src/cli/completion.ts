/**
 * Shell completion written from the commands' own flag definitions, so it cannot drift from
 * them: `tkn artifacts completion bash|zsh` prints it (as kubectl, tkn and oras do), and
 * completions/tkn-artifacts.bash is the same text, checked by a unit test. The same table answers
 * kubectl's plugin completion (`completeArgs`). Pure, but for `lookupNames`, which asks kubectl,
 * and the two run* entry points, which write through the commands' CommandIo.
 */
import type { CommandIo } from './io.js';

/** What completion needs of an oclif flag. */
export interface CompletionFlag {
  char?: string;
  type: 'boolean' | 'option';
  options?: readonly string[];
}

/** What completion needs of a command: its flags and what its arguments are. */
export interface CompletionCommand {
  flags: Record<string, CompletionFlag>;
  /** `runs`: PipelineRun names from the cluster; `files`: paths; a list: these words; `none`. */
  args: 'runs' | 'files' | 'none' | readonly string[];
}

export type Shell = 'bash' | 'zsh';
export const SHELLS: readonly Shell[] = ['bash', 'zsh'];

// Flags whose values are paths, or directories, by name (every command means the same by them).
const FILE_FLAGS = new Set([
  'kubeconfig',
  'from-file',
  'ca-file',
  'registry-config',
  'cluster-config',
  'export-config',
  'plan-file',
  'from-file-a',
  'from-file-b',
]);
const DIRECTORY_FLAGS = new Set(['oci-layout', 'oci-layout-a', 'oci-layout-b']);

function words(list: Iterable<string>): string {
  return [...list].join(' ');
}

// compopt only where paths are offered: words like `json` must not get a slash when a directory
// of that name is around.
const FILES = 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur"))';
const DIRECTORIES = 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur"))';

/** What a flag's value is, for completion: the same answer for bash and for kubectl. */
export type ValueKind =
  | { kind: 'words'; words: readonly string[] }
  | { kind: 'files' | 'directories' | 'namespaces' | 'contexts' | 'runs' | 'nothing' };

function valueKind(command: string, name: string, flag: CompletionFlag): ValueKind {
  if (flag.options && flag.options.length > 0) return { kind: 'words', words: flag.options };
  if (FILE_FLAGS.has(name)) return { kind: 'files' };
  // pull's -o is a destination directory.
  if (DIRECTORY_FLAGS.has(name) || (name === 'output' && command === 'pull')) return { kind: 'directories' };
  if (name === 'namespace' || name === 'tekton-namespace') return { kind: 'namespaces' };
  if (name === 'context') return { kind: 'contexts' };
  if (name === 'pipelinerun' || (name === 'run' && command === 'gc')) return { kind: 'runs' };
  // Any other value (a name, a number, a host) has nothing to offer, but is no flag either.
  return { kind: 'nothing' };
}

const LOOKUPS = {
  namespaces: '_tkn_artifacts_namespaces',
  contexts: '_tkn_artifacts_contexts',
  runs: '_tkn_artifacts_runs',
};

function bashReply(value: ValueKind): string {
  switch (value.kind) {
    case 'words':
      return `COMPREPLY=($(compgen -W "${words(value.words)}" -- "$cur"))`;
    case 'files':
      return FILES;
    case 'directories':
      return DIRECTORIES;
    case 'nothing':
      return 'COMPREPLY=()';
    default:
      return `COMPREPLY=($(compgen -W "$(${LOOKUPS[value.kind]})" -- "$cur"))`;
  }
}

/** The `case` arms completing a flag's value, for one command: one arm per kind of value. */
function valueArms(command: string, spec: CompletionCommand): string[] {
  const arms = new Map<string, string[]>();
  for (const [name, flag] of Object.entries(spec.flags).sort(([a], [b]) => a.localeCompare(b))) {
    if (flag.type !== 'option') continue;
    const reply = bashReply(valueKind(command, name, flag));
    const patterns = arms.get(reply) ?? [];
    patterns.push(`${command}:--${name}`, ...(flag.char ? [`${command}:-${flag.char}`] : []));
    arms.set(reply, patterns);
  }
  return [...arms].map(([reply, patterns]) => `    ${patterns.join('|')}) ${reply}; return 0 ;;`);
}

/** Every way to write a flag of the command, `--help` included, sorted: what `-<TAB>` offers. */
function flagSpellings(spec: CompletionCommand): string[] {
  const all = Object.entries(spec.flags).flatMap(([name, flag]) => [
    `--${name}`,
    ...(flag.char ? [`-${flag.char}`] : []),
  ]);
  return [...all, '--help'].sort();
}

/** The bash completion script (zsh loads the same through bashcompinit). */
function bashCompletion(commands: Record<string, CompletionCommand>): string {
  const names = Object.keys(commands).sort();
  const lines = [
    '# bash completion for tkn-artifacts and kubectl-tkn-artifacts, written by',
    '# `tkn-artifacts completion bash` from the commands themselves (do not edit: regenerate).',
    '# Install: source <(tkn-artifacts completion bash), or save it in /etc/bash_completion.d/.',
    '',
    '# The value the command line so far gives any of the flags named (--flag value, --flag=value).',
    '_tkn_artifacts_flag() {',
    '  local i name word value=""',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    word=${COMP_WORDS[i]}',
    '    for name in "$@"; do',
    '      if [[ "$word" == "$name" ]]; then',
    '        # bash splits --flag=value at the "=" (COMP_WORDBREAKS)',
    '        if [[ "${COMP_WORDS[i+1]}" == "=" ]]; then value=${COMP_WORDS[i+2]}; else value=${COMP_WORDS[i+1]}; fi',
    '      elif [[ "$word" == "$name="* ]]; then',
    '        value=${word#*=}',
    '      fi',
    '    done',
    '  done',
    '  printf "%s" "$value"',
    '}',
    '',
    '# kubectl, in the cluster the command line names so far.',
    '_tkn_artifacts_kubectl() {',
    '  local kubeconfig context args=()',
    '  kubeconfig=$(_tkn_artifacts_flag --kubeconfig)',
    '  context=$(_tkn_artifacts_flag -c --context)',
    '  [[ -n "$kubeconfig" ]] && args+=(--kubeconfig "$kubeconfig")',
    '  [[ -n "$context" ]] && args+=(--context "$context")',
    '  kubectl "${args[@]}" "$@" 2>/dev/null',
    '}',
    '',
    '_tkn_artifacts_namespaces() {',
    "  _tkn_artifacts_kubectl get namespaces -o name | sed 's|^namespace/||'",
    '}',
    '',
    '_tkn_artifacts_contexts() {',
    '  _tkn_artifacts_kubectl config get-contexts -o name',
    '}',
    '',
    '# PipelineRun names, in the namespace the command line gives so far.',
    '_tkn_artifacts_runs() {',
    '  local namespace args=(get pipelineruns.tekton.dev -o name)',
    '  namespace=$(_tkn_artifacts_flag -n --namespace)',
    '  [[ -n "$namespace" ]] && args+=(-n "$namespace")',
    '  _tkn_artifacts_kubectl "${args[@]}" | sed \'s|^.*/||\'',
    '}',
    '',
    '# Completes the value of the flag `prev` of `command` into COMPREPLY; fails when it takes none.',
    '_tkn_artifacts_value() {',
    '  local command=$1 prev=$2 cur=$3',
    '  case "$command:$prev" in',
    ...names.flatMap((name) => valueArms(name, commands[name] as CompletionCommand)),
    '  esac',
    '  return 1',
    '}',
    '',
    '_tkn_artifacts() {',
    '  local cur prev words cword',
    '  cur=${COMP_WORDS[COMP_CWORD]}',
    '  prev=${COMP_WORDS[COMP_CWORD-1]}',
    '  words=("${COMP_WORDS[@]}")',
    '  cword=$COMP_CWORD',
    '',
    '  local command="" i',
    '  for ((i = 1; i < cword; i++)); do',
    '    case "${words[i]}" in',
    `      ${names.join('|')}) command=\${words[i]}; break ;;`,
    '    esac',
    '  done',
    '  if [[ -z "$command" ]]; then',
    `    COMPREPLY=($(compgen -W "${words(names)} --version --help" -- "$cur"))`,
    '    return',
    '  fi',
    '',
    '  # --flag=value: bash splits it at the "=", other shells may not.',
    '  local prefix=""',
    '  if [[ "$cur" == "=" ]]; then',
    '    cur=""',
    '  elif [[ "$prev" == "=" ]]; then',
    '    prev=${words[cword-2]}',
    '  elif [[ "$cur" == --*=* ]]; then',
    '    prev=${cur%%=*}',
    '    prefix="$prev="',
    '    cur=${cur#*=}',
    '  fi',
    '  if _tkn_artifacts_value "$command" "$prev" "$cur"; then',
    '    [[ -n "$prefix" ]] && COMPREPLY=("${COMPREPLY[@]/#/$prefix}")',
    '    return',
    '  fi',
    '',
    '  if [[ "$cur" == -* ]]; then',
    '    case "$command" in',
    ...names.map(
      (name) =>
        `      ${name}) COMPREPLY=($(compgen -W "${words(flagSpellings(commands[name] as CompletionCommand))}" -- "$cur")) ;;`,
    ),
    '    esac',
    '    return',
    '  fi',
    '',
    '  case "$command" in',
  ];
  const byArgs = (kind: CompletionCommand['args']) => names.filter((n) => commands[n]?.args === kind);
  const runs = byArgs('runs');
  const files = byArgs('files');
  if (runs.length > 0) {
    lines.push(`    ${runs.join('|')}) COMPREPLY=($(compgen -W "$(_tkn_artifacts_runs)" -- "$cur")) ;;`);
  }
  if (files.length > 0) lines.push(`    ${files.join('|')}) ${FILES} ;;`);
  for (const name of names) {
    const args = commands[name]?.args;
    if (Array.isArray(args))
      lines.push(`    ${name}) COMPREPLY=($(compgen -W "${words(args)}" -- "$cur")) ;;`);
  }
  lines.push('  esac', '}', '', 'complete -F _tkn_artifacts tkn-artifacts kubectl-tkn-artifacts', '');
  return lines.join('\n');
}

/** The script for `shell`: zsh gets bash's through bashcompinit, which every zsh ships. */
export function completionScript(shell: Shell, commands: Record<string, CompletionCommand>): string {
  const bash = bashCompletion(commands);
  if (shell === 'bash') return bash;
  return [
    '# zsh completion for tkn-artifacts: the bash completion, loaded through bashcompinit.',
    '# Install: source <(tkn-artifacts completion zsh) in ~/.zshrc, after compinit.',
    'autoload -U +X bashcompinit && bashcompinit',
    bash,
  ].join('\n');
}

/** What completion reads of a command oclif loaded: flags as oclif caches them, our completionArgs. */
export interface LoadedCommand {
  id: string;
  hidden?: boolean;
  flags?: Record<
    string,
    { type: string; char?: string | undefined; options?: readonly string[] | undefined }
  >;
  completionArgs?: unknown;
}

function argsOf(value: unknown): CompletionCommand['args'] {
  if (value === 'runs' || value === 'files' || value === 'none') return value;
  if (Array.isArray(value) && value.every((word) => typeof word === 'string')) return value;
  return 'none';
}

/**
 * The completion table, from the commands the oclif config loaded at run time (as oclif's
 * plugin-autocomplete reads them): nothing imports the command index, so there is no cycle.
 */
export function completionCommands(commands: readonly LoadedCommand[]): Record<string, CompletionCommand> {
  const out: Record<string, CompletionCommand> = {};
  for (const command of [...commands].sort((a, b) => a.id.localeCompare(b.id))) {
    if (command.hidden) continue;
    const flags: Record<string, CompletionFlag> = {};
    for (const [flag, spec] of Object.entries(command.flags ?? {})) {
      flags[flag] = {
        type: spec.type === 'boolean' ? 'boolean' : 'option',
        ...(spec.char ? { char: spec.char } : {}),
        ...(spec.options ? { options: spec.options } : {}),
      };
    }
    out[command.id] = { flags, args: argsOf(command.completionArgs) };
  }
  return out;
}

/**
 * Cobra's completion protocol, for kubectl's plugin completion: kubectl runs
 * `kubectl_complete-tkn-artifacts ARGS…` (bin/), which answers with the words after
 * `kubectl tkn artifacts`, the last being the one typed.
 */
export async function completeForKubectl(
  commands: Record<string, CompletionCommand>,
  args: readonly string[],
): Promise<string> {
  const answer = completeArgs(commands, args);
  const candidates = answer.lookup
    ? (await lookupNames(answer.lookup, args))
        .filter((w) => w.startsWith(answer.prefix))
        .map((w) => `${answer.assigned ?? ''}${w}`)
    : answer.words;
  return formatCobraCompletion(candidates, answer.directive);
}

// Cobra's completion directives, which kubectl's plugin completion expects on the last line.
const DIRECTIVE_DEFAULT = 0; // the shell completes file names
const DIRECTIVE_NO_FILES = 4;
const DIRECTIVE_DIRECTORIES = 16;

/** What to offer for one command line, before any cluster lookup. */
export interface CompletionAnswer {
  words: string[];
  /** `--flag=` when completing a value written that way: cluster lookups get it put back. */
  assigned?: string;
  /** Names to ask the cluster for, filtered by `prefix` afterwards. */
  lookup?: 'namespaces' | 'contexts' | 'runs';
  prefix: string;
  directive: number;
}

function answer(value: ValueKind, prefix: string): CompletionAnswer {
  const matching = (list: readonly string[]) => list.filter((w) => w.startsWith(prefix));
  switch (value.kind) {
    case 'words':
      return { words: matching(value.words), prefix, directive: DIRECTIVE_NO_FILES };
    case 'files':
      return { words: [], prefix, directive: DIRECTIVE_DEFAULT };
    case 'directories':
      return { words: [], prefix, directive: DIRECTIVE_DIRECTORIES };
    case 'nothing':
      return { words: [], prefix, directive: DIRECTIVE_NO_FILES };
    default:
      return { words: [], lookup: value.kind, prefix, directive: DIRECTIVE_NO_FILES };
  }
}

/**
 * Completion for `args` (the words after the executable; the last is the one being typed), as
 * the bash script completes them. For kubectl's plugin completion (`kubectl_complete-…`).
 */
export function completeArgs(
  commands: Record<string, CompletionCommand>,
  args: readonly string[],
): CompletionAnswer {
  let cur = args[args.length - 1] ?? '';
  const before = args.slice(0, -1);
  const names = Object.keys(commands).sort();
  const command = before.find((word) => Object.hasOwn(commands, word));
  if (command === undefined) return answer({ kind: 'words', words: [...names, '--version', '--help'] }, cur);
  const spec = commands[command] as CompletionCommand;
  let prev = before[before.length - 1] ?? '';
  // --flag=value: the value is completed, and the answers keep the `--flag=` they replace.
  const assigned = /^(--[^=]+)=(.*)$/s.exec(cur);
  if (assigned) {
    prev = assigned[1] as string;
    cur = assigned[2] as string;
    const flag = Object.entries(spec.flags).find(([name]) => prev === `--${name}`);
    if (!flag || flag[1].type !== 'option') return answer({ kind: 'nothing' }, cur);
    const value = answer(valueKind(command, flag[0], flag[1]), cur);
    return { ...value, words: value.words.map((word) => `${prev}=${word}`), assigned: `${prev}=` };
  }
  const flagged = Object.entries(spec.flags).find(
    ([name, flag]) => prev === `--${name}` || (flag.char !== undefined && prev === `-${flag.char}`),
  );
  if (flagged && flagged[1].type === 'option' && prev !== command)
    return answer(valueKind(command, flagged[0], flagged[1]), cur);
  if (cur.startsWith('-')) return answer({ kind: 'words', words: flagSpellings(spec) }, cur);
  const kind = spec.args;
  if (Array.isArray(kind)) return answer({ kind: 'words', words: kind }, cur);
  if (kind === 'runs') return answer({ kind: 'runs' }, cur);
  if (kind === 'files') return answer({ kind: 'files' }, cur);
  return answer({ kind: 'nothing' }, cur);
}

/** Cobra's `__complete` output: one candidate a line, then `:<directive>`. */
export function formatCobraCompletion(words: readonly string[], directive: number): string {
  return [...words, `:${directive}`, ''].join('\n');
}

/** Which cluster and namespace the command line so far names (kubectl's flags). */
function kubectlScope(args: readonly string[]): {
  namespace?: string;
  context?: string;
  kubeconfig?: string;
} {
  const scope: { namespace?: string; context?: string; kubeconfig?: string } = {};
  const keys: Record<string, 'namespace' | 'context' | 'kubeconfig'> = {
    '-n': 'namespace',
    '--namespace': 'namespace',
    '-c': 'context',
    '--context': 'context',
    '--kubeconfig': 'kubeconfig',
  };
  // The last word is the one being typed: no value is taken from it.
  for (let i = 0; i < args.length - 1; i++) {
    const word = args[i] as string;
    const eq = word.indexOf('=');
    const flag = eq > 0 ? word.slice(0, eq) : word;
    const key = Object.hasOwn(keys, flag) ? keys[flag] : undefined;
    if (key === undefined) continue;
    if (eq > 0) scope[key] = word.slice(eq + 1);
    else if (i + 1 < args.length - 1) scope[key] = args[i + 1];
  }
  return scope;
}

/** The kubectl command line that lists `kind`, in the scope the user gave. */
export function lookupCommand(kind: 'namespaces' | 'contexts' | 'runs', args: readonly string[]): string[] {
  const scope = kubectlScope(args);
  const kubeconfig = scope.kubeconfig !== undefined ? ['--kubeconfig', scope.kubeconfig] : [];
  if (kind === 'contexts') return ['config', 'get-contexts', '-o', 'name', ...kubeconfig];
  const cluster = [...kubeconfig, ...(scope.context !== undefined ? ['--context', scope.context] : [])];
  if (kind === 'namespaces') return ['get', 'namespaces', '-o', 'name', ...cluster];
  const namespace = scope.namespace !== undefined ? ['-n', scope.namespace] : [];
  return ['get', 'pipelineruns.tekton.dev', ...namespace, '-o', 'name', ...cluster];
}

/** Names from the cluster through kubectl, as the bash script gets them; none when it fails. */
async function lookupNames(
  kind: 'namespaces' | 'contexts' | 'runs',
  args: readonly string[],
): Promise<string[]> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile('kubectl', lookupCommand(kind, args), { timeout: 10_000 }, (error, stdout) => {
      if (error) return resolve([]);
      resolve(
        stdout
          .split('\n')
          .map((line) => line.trim().replace(/^[^/]*\//, ''))
          .filter((line) => line !== ''),
      );
    });
  });
}

/** `completion <shell>`: the script for the commands oclif loaded, on io.stdout. */
export function runCompletion(shell: Shell, commands: readonly LoadedCommand[], io: CommandIo): number {
  io.stdout.write(completionScript(shell, completionCommands(commands)));
  return 0;
}

/** `__complete <words…>`: cobra's answer for kubectl's plugin completion, on io.stdout. */
export async function runComplete(
  commands: readonly LoadedCommand[],
  args: readonly string[],
  io: CommandIo,
): Promise<number> {
  io.stdout.write(await completeForKubectl(completionCommands(commands), args));
  return 0;
}
