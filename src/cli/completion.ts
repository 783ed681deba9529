/**
 * Shell completion written from the commands' own flag definitions, so it cannot drift from
 * them: `tkn artifacts completion bash|zsh` prints it (as kubectl, tkn and oras do), and
 * completions/tkn-artifacts.bash is the same text, checked by a unit test. Pure.
 */

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
]);
const DIRECTORY_FLAGS = new Set(['oci-layout']);

function words(list: Iterable<string>): string {
  return [...list].join(' ');
}

// compopt only where paths are offered: words like `json` must not get a slash when a directory
// of that name is around.
const FILES = 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur"))';
const DIRECTORIES = 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur"))';

const RUN_NAMES = 'kubectl get pipelineruns.tekton.dev "${ns[@]}" -o name 2>/dev/null | sed \'s|^.*/||\'';

/** The `case` arms completing a flag's value, for one command: one arm per kind of value. */
function valueArms(command: string, spec: CompletionCommand): string[] {
  const arms = new Map<string, string[]>();
  for (const [name, flag] of Object.entries(spec.flags).sort(([a], [b]) => a.localeCompare(b))) {
    if (flag.type !== 'option') continue;
    let reply: string;
    if (flag.options && flag.options.length > 0)
      reply = `COMPREPLY=($(compgen -W "${words(flag.options)}" -- "$cur"))`;
    else if (FILE_FLAGS.has(name)) reply = FILES;
    // pull's -o is a destination directory.
    else if (DIRECTORY_FLAGS.has(name) || (name === 'output' && command === 'pull')) reply = DIRECTORIES;
    else if (name === 'namespace' || name === 'tekton-namespace')
      reply = 'COMPREPLY=($(compgen -W "$(_tkn_artifacts_namespaces)" -- "$cur"))';
    else if (name === 'context') reply = 'COMPREPLY=($(compgen -W "$(_tkn_artifacts_contexts)" -- "$cur"))';
    else if (name === 'pipelinerun') reply = 'COMPREPLY=($(compgen -W "$(_tkn_artifacts_runs)" -- "$cur"))';
    // Any other value (a name, a number, a host) has nothing to offer, but is no flag either.
    else reply = 'COMPREPLY=()';
    const patterns = arms.get(reply) ?? [];
    patterns.push(`${command}:--${name}`, ...(flag.char ? [`${command}:-${flag.char}`] : []));
    arms.set(reply, patterns);
  }
  return [...arms].map(([reply, patterns]) => `    ${patterns.join('|')}) ${reply}; return ;;`);
}

function flagWords(spec: CompletionCommand): string {
  const all = Object.entries(spec.flags).flatMap(([name, flag]) => [
    `--${name}`,
    ...(flag.char ? [`-${flag.char}`] : []),
  ]);
  return words([...all, '--help'].sort());
}

/** The bash completion script (zsh loads the same through bashcompinit). */
export function bashCompletion(commands: Record<string, CompletionCommand>): string {
  const names = Object.keys(commands).sort();
  const lines = [
    '# bash completion for tkn-artifacts and kubectl-tkn-artifacts, written by',
    '# `tkn-artifacts completion bash` from the commands themselves (do not edit: regenerate).',
    '# Install: source <(tkn-artifacts completion bash), or save it in /etc/bash_completion.d/.',
    '',
    '_tkn_artifacts_namespaces() {',
    "  kubectl get namespaces -o name 2>/dev/null | sed 's|^namespace/||'",
    '}',
    '',
    '_tkn_artifacts_contexts() {',
    '  kubectl config get-contexts -o name 2>/dev/null',
    '}',
    '',
    '# PipelineRun names, in the namespace given on the command line so far.',
    '_tkn_artifacts_runs() {',
    '  local ns=() i',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    case "${COMP_WORDS[i]}" in -n|--namespace) ns=(-n "${COMP_WORDS[i+1]}") ;; esac',
    '  done',
    `  ${RUN_NAMES}`,
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
    '  case "$command:$prev" in',
    ...names.flatMap((name) => valueArms(name, commands[name] as CompletionCommand)),
    '  esac',
    '',
    '  if [[ "$cur" == -* ]]; then',
    '    case "$command" in',
    ...names.map(
      (name) =>
        `      ${name}) COMPREPLY=($(compgen -W "${flagWords(commands[name] as CompletionCommand)}" -- "$cur")) ;;`,
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

/** Reads the completion-relevant parts of oclif command classes. */
export function completionCommands(
  commands: Record<
    string,
    { flags?: Record<string, CompletionFlag>; completionArgs?: CompletionCommand['args'] }
  >,
): Record<string, CompletionCommand> {
  const out: Record<string, CompletionCommand> = {};
  for (const [name, command] of Object.entries(commands)) {
    const flags: Record<string, CompletionFlag> = {};
    for (const [flag, spec] of Object.entries(command.flags ?? {})) {
      flags[flag] = {
        type: spec.type === 'boolean' ? 'boolean' : 'option',
        ...(spec.char ? { char: spec.char } : {}),
        ...(spec.options ? { options: spec.options } : {}),
      };
    }
    out[name] = { flags, args: command.completionArgs ?? 'none' };
  }
  return out;
}
