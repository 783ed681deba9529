# bash completion for tkn-artifacts and kubectl-tkn-artifacts, written by
# `tkn-artifacts completion bash` from the commands themselves (do not edit: regenerate).
# Install: source <(tkn-artifacts completion bash), or save it in /etc/bash_completion.d/.

# The cluster the command line names so far (--kubeconfig, --context), for kubectl.
_tkn_artifacts_cluster() {
  local i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "${COMP_WORDS[i]}" in
      --kubeconfig) printf "%s\n" --kubeconfig "${COMP_WORDS[i+1]}" ;;
      -c|--context) printf "%s\n" --context "${COMP_WORDS[i+1]}" ;;
    esac
  done
}

_tkn_artifacts_namespaces() {
  local cluster
  mapfile -t cluster < <(_tkn_artifacts_cluster)
  kubectl get namespaces -o name "${cluster[@]}" 2>/dev/null | sed 's|^namespace/||'
}

_tkn_artifacts_contexts() {
  kubectl config get-contexts -o name 2>/dev/null
}

# PipelineRun names, in the namespace given on the command line so far.
_tkn_artifacts_runs() {
  local ns=() cluster i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "${COMP_WORDS[i]}" in -n|--namespace) ns=(-n "${COMP_WORDS[i+1]}") ;; esac
  done
  mapfile -t cluster < <(_tkn_artifacts_cluster)
  kubectl get pipelineruns.tekton.dev "${ns[@]}" -o name "${cluster[@]}" 2>/dev/null | sed 's|^.*/||'
}

_tkn_artifacts() {
  local cur prev words cword
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD-1]}
  words=("${COMP_WORDS[@]}")
  cword=$COMP_CWORD

  local command="" i
  for ((i = 1; i < cword; i++)); do
    case "${words[i]}" in
      completion|pull|show|validate) command=${words[i]}; break ;;
    esac
  done
  if [[ -z "$command" ]]; then
    COMPREPLY=($(compgen -W "completion pull show validate --version --help" -- "$cur"))
    return
  fi

  case "$command:$prev" in
    pull:--artifact|pull:--artifact-ref|pull:--artifact-type|pull:--concurrency|pull:--config-map|pull:--insecure|pull:--max-ratio|pull:--max-size|pull:--plain-http|pull:--repository|pull:--task) COMPREPLY=(); return ;;
    pull:--ca-file|pull:--from-file|pull:--kubeconfig|pull:--registry-config) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); return ;;
    pull:--context|pull:-c) COMPREPLY=($(compgen -W "$(_tkn_artifacts_contexts)" -- "$cur")); return ;;
    pull:--format) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
    pull:--namespace|pull:-n|pull:--tekton-namespace) COMPREPLY=($(compgen -W "$(_tkn_artifacts_namespaces)" -- "$cur")); return ;;
    pull:--oci-layout|pull:--output|pull:-o) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")); return ;;
    pull:--pipelinerun) COMPREPLY=($(compgen -W "$(_tkn_artifacts_runs)" -- "$cur")); return ;;
    show:--artifact-type|show:--concurrency|show:--config-map|show:--depth|show:--insecure|show:--plain-http|show:--repository|show:--task) COMPREPLY=(); return ;;
    show:--ca-file|show:--from-file|show:--kubeconfig|show:--registry-config) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); return ;;
    show:--context|show:-c) COMPREPLY=($(compgen -W "$(_tkn_artifacts_contexts)" -- "$cur")); return ;;
    show:--namespace|show:-n|show:--tekton-namespace) COMPREPLY=($(compgen -W "$(_tkn_artifacts_namespaces)" -- "$cur")); return ;;
    show:--oci-layout) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")); return ;;
    show:--output|show:-o) COMPREPLY=($(compgen -W "tree table json yaml name" -- "$cur")); return ;;
    show:--pipelinerun) COMPREPLY=($(compgen -W "$(_tkn_artifacts_runs)" -- "$cur")); return ;;
    validate:--cluster-config|validate:--export-config|validate:--kubeconfig) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); return ;;
    validate:--config-map|validate:--ignore-rule) COMPREPLY=(); return ;;
    validate:--context|validate:-c) COMPREPLY=($(compgen -W "$(_tkn_artifacts_contexts)" -- "$cur")); return ;;
    validate:--fail-on) COMPREPLY=($(compgen -W "error warning info none" -- "$cur")); return ;;
    validate:--namespace|validate:-n|validate:--tekton-namespace) COMPREPLY=($(compgen -W "$(_tkn_artifacts_namespaces)" -- "$cur")); return ;;
    validate:--output|validate:-o) COMPREPLY=($(compgen -W "human json sarif github" -- "$cur")); return ;;
  esac

  if [[ "$cur" == -* ]]; then
    case "$command" in
      completion) COMPREPLY=($(compgen -W "--help" -- "$cur")) ;;
      pull) COMPREPLY=($(compgen -W "--allow-path-traversal --artifact --artifact-ref --artifact-type --ca-file --concurrency --config-map --context --debug --format --from-file --help --inputs --insecure --kubeconfig --max-ratio --max-size --namespace --no-color --oci-layout --output --pipelinerun --plain-http --quiet --raw --registry-config --repository --task --tekton-namespace -T -c -n -o -q" -- "$cur")) ;;
      show) COMPREPLY=($(compgen -W "--artifact-type --ca-file --concurrency --config-map --context --debug --depth --explain-config --from-file --full-digests --help --insecure --kubeconfig --namespace --no-color --oci-layout --output --pipelinerun --plain-http --registry-config --repository --strict --task --tekton-namespace -c -n -o" -- "$cur")) ;;
      validate) COMPREPLY=($(compgen -W "--cluster-config --config-map --context --defaults --export-config --fail-on --from-cluster --help --ignore-rule --kubeconfig --namespace --no-color --output --tekton-namespace -c -n -o" -- "$cur")) ;;
    esac
    return
  fi

  case "$command" in
    pull|show) COMPREPLY=($(compgen -W "$(_tkn_artifacts_runs)" -- "$cur")) ;;
    validate) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")) ;;
    completion) COMPREPLY=($(compgen -W "bash zsh" -- "$cur")) ;;
  esac
}

complete -F _tkn_artifacts tkn-artifacts kubectl-tkn-artifacts
