# bash completion for tkn-artifacts and kubectl-tkn-artifacts, written by
# `tkn-artifacts completion bash` from the commands themselves (do not edit: regenerate).
# Install: source <(tkn-artifacts completion bash), or save it in /etc/bash_completion.d/.

# The value the command line so far gives any of the flags named (--flag value, --flag=value).
_tkn_artifacts_flag() {
  local i name word value=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    for name in "$@"; do
      if [[ "$word" == "$name" ]]; then
        # bash splits --flag=value at the "=" (COMP_WORDBREAKS)
        if [[ "${COMP_WORDS[i+1]}" == "=" ]]; then value=${COMP_WORDS[i+2]}; else value=${COMP_WORDS[i+1]}; fi
      elif [[ "$word" == "$name="* ]]; then
        value=${word#*=}
      fi
    done
  done
  printf "%s" "$value"
}

# kubectl, in the cluster the command line names so far.
_tkn_artifacts_kubectl() {
  local kubeconfig context args=()
  kubeconfig=$(_tkn_artifacts_flag --kubeconfig)
  context=$(_tkn_artifacts_flag -c --context)
  [[ -n "$kubeconfig" ]] && args+=(--kubeconfig "$kubeconfig")
  [[ -n "$context" ]] && args+=(--context "$context")
  kubectl "${args[@]}" "$@" 2>/dev/null
}

_tkn_artifacts_namespaces() {
  _tkn_artifacts_kubectl get namespaces -o name | sed 's|^namespace/||'
}

_tkn_artifacts_contexts() {
  _tkn_artifacts_kubectl config get-contexts -o name
}

# PipelineRun names, in the namespace the command line gives so far.
_tkn_artifacts_runs() {
  local namespace args=(get pipelineruns.tekton.dev -o name)
  namespace=$(_tkn_artifacts_flag -n --namespace)
  [[ -n "$namespace" ]] && args+=(-n "$namespace")
  _tkn_artifacts_kubectl "${args[@]}" | sed 's|^.*/||'
}

# Completes the value of the flag `prev` of `command` into COMPREPLY; fails when it takes none.
_tkn_artifacts_value() {
  local command=$1 prev=$2 cur=$3
  case "$command:$prev" in
    diff:--artifact|diff:--artifact-type|diff:--concurrency|diff:--config-map|diff:--insecure|diff:--max-content-size|diff:--max-nodes|diff:--max-ratio|diff:--max-size|diff:--plain-http|diff:--request-timeout|diff:--task|diff:--timeout) COMPREPLY=(); return 0 ;;
    diff:--ca-file|diff:--from-file|diff:--from-file-a|diff:--from-file-b|diff:--kubeconfig|diff:--registry-config) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
    diff:--context|diff:-c) COMPREPLY=($(compgen -W "$(_tkn_artifacts_contexts)" -- "$cur")); return 0 ;;
    diff:--namespace|diff:-n|diff:--tekton-namespace) COMPREPLY=($(compgen -W "$(_tkn_artifacts_namespaces)" -- "$cur")); return 0 ;;
    diff:--oci-layout|diff:--oci-layout-a|diff:--oci-layout-b) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")); return 0 ;;
    diff:--output|diff:-o) COMPREPLY=($(compgen -W "text json yaml" -- "$cur")); return 0 ;;
    gc:--ca-file|gc:--from-file|gc:--kubeconfig|gc:--plan-file|gc:--registry-config) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
    gc:--concurrency|gc:--config-map|gc:--image|gc:--insecure|gc:--keep-last|gc:--older-than|gc:--plain-http|gc:--repository|gc:--request-timeout|gc:--schedule|gc:--timeout) COMPREPLY=(); return 0 ;;
    gc:--context|gc:-c) COMPREPLY=($(compgen -W "$(_tkn_artifacts_contexts)" -- "$cur")); return 0 ;;
    gc:--namespace|gc:-n|gc:--tekton-namespace) COMPREPLY=($(compgen -W "$(_tkn_artifacts_namespaces)" -- "$cur")); return 0 ;;
    gc:--oci-layout) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")); return 0 ;;
    gc:--output|gc:-o) COMPREPLY=($(compgen -W "text json yaml" -- "$cur")); return 0 ;;
    gc:--run) COMPREPLY=($(compgen -W "$(_tkn_artifacts_runs)" -- "$cur")); return 0 ;;
    pull:--artifact|pull:--artifact-ref|pull:--artifact-type|pull:--concurrency|pull:--config-map|pull:--insecure|pull:--max-nodes|pull:--max-ratio|pull:--max-size|pull:--plain-http|pull:--repository|pull:--request-timeout|pull:--task|pull:--timeout) COMPREPLY=(); return 0 ;;
    pull:--ca-file|pull:--from-file|pull:--kubeconfig|pull:--registry-config) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
    pull:--context|pull:-c) COMPREPLY=($(compgen -W "$(_tkn_artifacts_contexts)" -- "$cur")); return 0 ;;
    pull:--format) COMPREPLY=($(compgen -W "text json" -- "$cur")); return 0 ;;
    pull:--namespace|pull:-n|pull:--tekton-namespace) COMPREPLY=($(compgen -W "$(_tkn_artifacts_namespaces)" -- "$cur")); return 0 ;;
    pull:--oci-layout|pull:--output|pull:-o) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")); return 0 ;;
    pull:--pipelinerun) COMPREPLY=($(compgen -W "$(_tkn_artifacts_runs)" -- "$cur")); return 0 ;;
    show:--artifact-type|show:--concurrency|show:--config-map|show:--depth|show:--insecure|show:--max-nodes|show:--plain-http|show:--repository|show:--request-timeout|show:--task|show:--timeout) COMPREPLY=(); return 0 ;;
    show:--ca-file|show:--from-file|show:--kubeconfig|show:--registry-config) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
    show:--context|show:-c) COMPREPLY=($(compgen -W "$(_tkn_artifacts_contexts)" -- "$cur")); return 0 ;;
    show:--namespace|show:-n|show:--tekton-namespace) COMPREPLY=($(compgen -W "$(_tkn_artifacts_namespaces)" -- "$cur")); return 0 ;;
    show:--oci-layout) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")); return 0 ;;
    show:--output|show:-o) COMPREPLY=($(compgen -W "tree table json yaml name" -- "$cur")); return 0 ;;
    show:--pipelinerun) COMPREPLY=($(compgen -W "$(_tkn_artifacts_runs)" -- "$cur")); return 0 ;;
    validate:--artifact-api) COMPREPLY=($(compgen -W "auto served absent" -- "$cur")); return 0 ;;
    validate:--cluster-config|validate:--export-config|validate:--kubeconfig) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
    validate:--config-map|validate:--exclude|validate:--ignore-rule|validate:--tekton-version) COMPREPLY=(); return 0 ;;
    validate:--context|validate:-c) COMPREPLY=($(compgen -W "$(_tkn_artifacts_contexts)" -- "$cur")); return 0 ;;
    validate:--fail-on) COMPREPLY=($(compgen -W "error warning info none" -- "$cur")); return 0 ;;
    validate:--namespace|validate:-n|validate:--tekton-namespace) COMPREPLY=($(compgen -W "$(_tkn_artifacts_namespaces)" -- "$cur")); return 0 ;;
    validate:--output|validate:-o) COMPREPLY=($(compgen -W "human json sarif github" -- "$cur")); return 0 ;;
  esac
  return 1
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
      completion|diff|gc|pull|show|validate) command=${words[i]}; break ;;
    esac
  done
  if [[ -z "$command" ]]; then
    COMPREPLY=($(compgen -W "completion diff gc pull show validate --version --help" -- "$cur"))
    return
  fi

  # --flag=value: bash splits it at the "=", other shells may not.
  local prefix=""
  if [[ "$cur" == "=" ]]; then
    cur=""
  elif [[ "$prev" == "=" ]]; then
    prev=${words[cword-2]}
  elif [[ "$cur" == --*=* ]]; then
    prev=${cur%%=*}
    prefix="$prev="
    cur=${cur#*=}
  fi
  if _tkn_artifacts_value "$command" "$prev" "$cur"; then
    [[ -n "$prefix" ]] && COMPREPLY=("${COMPREPLY[@]/#/$prefix}")
    return
  fi

  if [[ "$cur" == -* ]]; then
    case "$command" in
      completion) COMPREPLY=($(compgen -W "--help" -- "$cur")) ;;
      diff) COMPREPLY=($(compgen -W "--artifact --artifact-ref --artifact-type --ca-file --concurrency --config-map --content --context --debug --from-file --from-file-a --from-file-b --help --inputs --insecure --kubeconfig --max-content-size --max-nodes --max-ratio --max-size --name-only --namespace --no-color --oci-layout --oci-layout-a --oci-layout-b --output --plain-http --registry-config --request-timeout --shallow --stat --task --tekton-namespace --timeout -c -n -o" -- "$cur")) ;;
      gc) COMPREPLY=($(compgen -W "--all-namespaces --apply --ca-file --concurrency --config-map --context --debug --force --from-file --full-digests --help --image --include-attached --insecure --keep-last --kubeconfig --namespace --no-color --oci-layout --older-than --output --plain-http --plan-file --print-cronjob --registry-config --repository --request-timeout --run --schedule --tekton-namespace --timeout --verbose -A -c -n -o -v" -- "$cur")) ;;
      pull) COMPREPLY=($(compgen -W "--allow-partial --allow-path-traversal --artifact --artifact-ref --artifact-type --ca-file --concurrency --config-map --context --debug --format --from-file --help --inputs --insecure --kubeconfig --max-nodes --max-ratio --max-size --namespace --no-color --oci-layout --output --pipelinerun --plain-http --quiet --raw --registry-config --repository --request-timeout --task --tekton-namespace --timeout -T -c -n -o -q" -- "$cur")) ;;
      show) COMPREPLY=($(compgen -W "--allow-partial --artifact-type --ca-file --concurrency --config-map --context --debug --depth --explain-config --from-file --full-digests --help --insecure --kubeconfig --max-nodes --namespace --no-color --oci-layout --output --pipelinerun --plain-http --registry-config --repository --request-timeout --strict --task --tekton-namespace --timeout -c -n -o" -- "$cur")) ;;
      validate) COMPREPLY=($(compgen -W "--artifact-api --cluster-config --config-map --context --defaults --exclude --export-config --fail-on --from-cluster --help --ignore-rule --kubeconfig --namespace --no-color --output --tekton-namespace --tekton-version -c -n -o" -- "$cur")) ;;
    esac
    return
  fi

  case "$command" in
    diff|pull|show) COMPREPLY=($(compgen -W "$(_tkn_artifacts_runs)" -- "$cur")) ;;
    validate) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")) ;;
    completion) COMPREPLY=($(compgen -W "bash zsh" -- "$cur")) ;;
  esac
}

complete -F _tkn_artifacts tkn-artifacts kubectl-tkn-artifacts
