#!/usr/bin/env bash
# On a machine with an NVIDIA GPU, from a checkout (network for the first setup):
#
#     bash tests/device/gpu_check.sh
#
# sets up the CUDA build of llama.cpp (`bash .ci/setup --test --gpu cuda`: with a driver,
# for this GPU's architecture only), then runs bench_generation and bench_ttft on the
# gemma3 270M test GGUF twice in the same run, with the automatic plan (the app's layers
# on the GPU) and with the CPU only (CUDA_VISIBLE_DEVICES= hides the GPU from the same
# build), and prints tokens/s, prompt tokens/s and time to first token side by side.
# About 10 minutes with a fresh native build on 16 cores.
#
#   --cpu-only     skip setup and the GPU leg: only the CPU column, with the installed build
#   --skip-setup   use the installed build as it is
#   --dry-run      print the commands, run nothing
#   --out DIR      keep the benches' output there (default: a temporary folder)
# GPU_CHECK_TIMEOUT=S stops each bench after S seconds (default 240).
# FATHOM_VENV=DIR uses DIR instead of ./.venv (as .ci/setup does).
set -euo pipefail
cd "$(dirname "$0")/../.."

setup=1
legs=(auto cpu)
dry=0
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --cpu-only) legs=(cpu); setup=0 ;;
    --skip-setup) setup=0 ;;
    --dry-run) dry=1 ;;
    --out) out="${2:?--out needs a folder}"; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "gpu_check.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
py="${FATHOM_VENV:-.venv}/bin/python"
out="${out:-$(mktemp -d /tmp/gpu-check-XXXXXX)}"
mkdir -p "$out"

run() {  # run [ENV=VALUE...] COMMAND...: printed, then run unless --dry-run
  echo "+ $*" >&2
  [ "$dry" = 1 ] || env "$@"
}

start=$SECONDS
if [ "$setup" = 1 ]; then
  run bash .ci/setup --test --gpu cuda
  echo "setup: $((SECONDS - start)) s" >&2
fi
if [ "$dry" = 1 ]; then
  model=GEMMA_GGUF
else
  model="$("$py" -c 'from tests.models import gemma_gguf; print(gemma_gguf())')"
  run "$py" -m desktop doctor | grep -i "llama.cpp build\|GPU\|Machine" || true
fi

failed=()
for leg in "${legs[@]}"; do
  hide=()
  # The same build with no GPU visible: llama.cpp finds no device and the plan is the CPU's.
  [ "$leg" = cpu ] && hide=(CUDA_VISIBLE_DEVICES= GGML_VK_VISIBLE_DEVICES=)
  run ${hide[@]+"${hide[@]}"} timeout "${GPU_CHECK_TIMEOUT:-240}" "$py" -m tests.bench.bench_generation \
    --model "$model" --tokens 128 --runs 3 > >(tee "$out/generation-$leg.txt") ||
    failed+=("bench_generation ($leg): exit $?")
  run ${hide[@]+"${hide[@]}"} timeout "${GPU_CHECK_TIMEOUT:-240}" "$py" -m tests.bench.bench_ttft \
    --model "$model" --runs 3 > >(tee "$out/ttft-$leg.txt") || failed+=("bench_ttft ($leg): exit $?")
done
[ "$dry" = 1 ] && exit 0
sleep 1  # the tee processes finish writing

# The figures: app tokens/s (bench_generation's median line), the second turn's prompt
# length and its time to first token with the whole prompt decoded (bench_ttft), and
# prompt tokens/s from those two.
figures() {
  local leg="$1" gen ttft prompt cached
  gen="$(awk '$1 == "median" {print $3}' "$out/generation-$leg.txt" 2>/dev/null)"
  prompt="$(sed -n 's/.*second-turn prompt \([0-9]*\) tokens.*/\1/p' "$out/ttft-$leg.txt" 2>/dev/null)"
  ttft="$(awk '/^whole prompt decoded/ {print $4}' "$out/ttft-$leg.txt" 2>/dev/null)"
  cached="$(awk '/^cached prefix reused/ {print $4}' "$out/ttft-$leg.txt" 2>/dev/null)"
  local pps="-"
  if [ -n "$prompt" ] && [ -n "$ttft" ]; then
    pps="$(awk -v p="$prompt" -v t="$ttft" 'BEGIN { if (t > 0) printf "%.0f", p / (t / 1000); else print "-" }')"
  fi
  echo "${gen:--} ${pps} ${ttft:--} ${cached:--} ${prompt:--}"
}
printf '\n%-34s' "gemma3 270M Q4_K_M"
for leg in "${legs[@]}"; do
  [ "$leg" = auto ] && printf '%18s' "automatic plan" || printf '%18s' "CPU only"
done
printf '\n'
declare -A col
for leg in "${legs[@]}"; do col[$leg]="$(figures "$leg")"; done
row() {
  local label="$1" field="$2"
  printf '%-34s' "$label"
  for leg in "${legs[@]}"; do
    # shellcheck disable=SC2086 # the five figures as words
    set -- ${col[$leg]}
    printf '%18s' "${!field}"
  done
  printf '\n'
}
row "generation, tokens/s" 1
row "prompt reading, tokens/s" 2
row "first token, whole prompt (ms)" 3
row "first token, cached prefix (ms)" 4
row "prompt tokens" 5
echo "total: $((SECONDS - start)) s; the benches' output: $out"
if [ ${#failed[@]} -gt 0 ]; then
  printf 'failed: %s\n' "${failed[@]}" >&2  # 124: it ran past GPU_CHECK_TIMEOUT
  exit 1
fi
