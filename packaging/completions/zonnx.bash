# bash completion for zonnx (installed as share/bash-completion/completions/zonnx).
# tests/e2e/packaging_test.cpp checks that every option `zonnx CMD --help` prints is listed here.

# Offers the words of $1 that start with the word being completed.
_zonnx_reply() {
  mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur")
}

_zonnx() {
  local cur prev words cword
  _init_completion || return

  local commands="inspect convert compare-report ops rules"
  local global_opts="--log-level -q --quiet --version -h --help"

  # The command is the first word that is not a global option or its value.
  local cmd="" i
  for ((i = 1; i < cword; i++)); do
    case "${words[i]}" in
      --log-level) ((i++)) ;;
      -*) ;;
      *)
        cmd="${words[i]}"
        break
        ;;
    esac
  done

  # Values of options that take one.
  case "$prev" in
    --log-level)
      _zonnx_reply "error warn info debug"
      return
      ;;
    --march)
      _zonnx_reply "z16 z17 arch14 arch15"
      return
      ;;
    --format)
      case "$cmd" in
        inspect) _zonnx_reply "text json jsonl sarif csv markdown dot html" ;;
        rules) _zonnx_reply "text json markdown" ;;
        *) _zonnx_reply "text json" ;;
      esac
      return
      ;;
    --color)
      _zonnx_reply "auto always never"
      return
      ;;
    --fail-on)
      _zonnx_reply "unsupported cpu heavy-cpu regression"
      return
      ;;
    --config-format)
      _zonnx_reply "nnpa_ops_config device_placement"
      return
      ;;
    --opset)
      _zonnx_reply "nnpa $(seq 7 22)"
      return
      ;;
    --target)
      _zonnx_reply "nnpa cpu"
      return
      ;;
    --external-data)
      _zonnx_reply "auto reference copy"
      return
      ;;
    --baseline)
      _filedir json
      return
      ;;
    -o | --output | --emit-config)
      _filedir
      return
      ;;
    -j | --jobs | --min-nnpa-coverage | --input-shape | --shapeInformation | --shape-information)
      return
      ;;
  esac

  if [[ -z "$cmd" ]]; then
    _zonnx_reply "$commands $global_opts"
    return
  fi

  local opts
  case "$cmd" in
    inspect)
      opts="-j --jobs --march --format -o --output -v --verbose --color --input-shape
            --shapeInformation --shape-information --no-shape-inference --fail-on --baseline
            --min-nnpa-coverage --compare-march --emit-config --config-format -h --help"
      ;;
    convert)
      opts="--opset --fix-byte-order -o --output --in-place --dry-run --fsync --march --format
            --external-data -h --help"
      ;;
    compare-report)
      opts="--march --format --input-shape --shapeInformation --shape-information -h --help"
      ;;
    ops) opts="--target --march --format -h --help" ;;
    rules) opts="--format -h --help" ;;
    *) return ;;
  esac

  if [[ "$cur" == -* ]]; then
    _zonnx_reply "$opts"
  elif [[ "$cmd" == inspect ]]; then
    _filedir onnx # model files and directories
  elif [[ "$cmd" == convert || "$cmd" == compare-report ]]; then
    _filedir
  fi
} && complete -F _zonnx zonnx
