# bash completion for tkn-artifacts and kubectl-tkn-artifacts.
# Install: source this file from ~/.bashrc (or drop it in /etc/bash_completion.d/).
# For `kubectl tkn artifacts`, kubectl (1.26+) asks the executable kubectl_complete-tkn_artifacts,
# which this file does not need: completing the plugin executable directly works the same way.

_tkn_artifacts() {
  local cur prev words cword
  _init_completion 2>/dev/null || {
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
  }
  local commands="show"
  local common="--kubeconfig --context -c --namespace -n --from-file --oci-layout --plain-http --insecure --ca-file --registry-config --concurrency --output -o --no-color --debug --help"
  local show="--pipelinerun --repository --task --artifact-type --depth --explain-config --config-map --tekton-namespace --strict --full-digests"

  case "$prev" in
    -o|--output) COMPREPLY=($(compgen -W "tree table json yaml name" -- "$cur")); return ;;
    --kubeconfig|--from-file|--ca-file|--registry-config) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --oci-layout) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    -n|--namespace)
      COMPREPLY=($(compgen -W "$(kubectl get namespaces -o name 2>/dev/null | sed 's|^namespace/||')" -- "$cur")); return ;;
    -c|--context)
      COMPREPLY=($(compgen -W "$(kubectl config get-contexts -o name 2>/dev/null)" -- "$cur")); return ;;
  esac

  local command=""
  local i
  for ((i = 1; i < cword; i++)); do
    case "${words[i]}" in
      show) command=${words[i]}; break ;;
    esac
  done

  if [[ -z "$command" ]]; then
    COMPREPLY=($(compgen -W "$commands --version --help" -- "$cur"))
    return
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$common $show" -- "$cur"))
    return
  fi
  # Arguments: PipelineRun names in the namespace given so far.
  local ns=()
  for ((i = 1; i < cword; i++)); do
    case "${words[i]}" in -n|--namespace) ns=(-n "${words[i+1]}") ;; esac
  done
  COMPREPLY=($(compgen -W "$(kubectl get pipelineruns.tekton.dev "${ns[@]}" -o name 2>/dev/null | sed 's|^.*/||')" -- "$cur"))
}

complete -F _tkn_artifacts tkn-artifacts kubectl-tkn-artifacts
