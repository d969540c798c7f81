#!/usr/bin/env bash
# The GPU check: one short, prepared run on a lent GPU machine (an H100/H200 with no network)
# that answers everything at once, its logs and JSON in $OUT. Two steps:
#
#   bash scripts/gpu-check.sh prepare   # here: build, then gather what the GPU machine lacks into
#                                       # .gpu/ (git-ignored through .git/info/exclude): the
#                                       # binaries, library and PCRE2 in one gzip'd tar, the .deb
#                                       # files of the Vulkan loader and the validation layer, and
#                                       # Debian unstable's llama.cpp (llama-bench) with its runtime
#   bash scripts/gpu-check.sh run       # there, with .gpu carried: the device, the tests on it,
#                                       # the kernel benchmarks, and ossvk and llama-bench on the
#                                       # same GGUF files; everything lands in $OUT/results.tar
#
# The working tree that travels, .gpu included, may hold 64 MiB: the three binaries each hold
# every kernel's SPIR-V (about 100 MB together), 31 MB packed; prepare refuses a larger tree.
#
# `run quick` does the same on the tiny shapes, to check the script itself on any machine
# (lavapipe included). Each step has a time limit and the steps run in the order of what matters
# most, so that a run stopped at one call's ten minutes loses the least; a step that fails or
# times out is recorded and the next runs.
set -uo pipefail
cd "$(dirname "$0")/.."
step=${1:-}
gpu=.gpu
source scripts/debian_download.sh

prepare() {
  set -e
  make build
  grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
  rm -rf $gpu && mkdir -p $gpu/deb
  local stage
  stage=$(mktemp -d)
  mkdir -p "$stage/bin" "$stage/lib"
  cp build/bin/ossvk build/bin/ossvk-bench build/bin/ossvk_tests "$stage/bin/"
  cp -P build/lib/libossvk.so* "$stage/lib/"
  cp "$(ldconfig -p | awk '/libpcre2-8.so.0 /{print $NF; exit}')" "$stage/lib/"
  tar czf $gpu/build.tar.gz -C "$stage" bin lib
  rm -rf "$stage"
  # The GPU machine has the NVIDIA driver but no Vulkan loader; Debian's amd64 package carries it.
  # The tests run with the Khronos validation layer on, as everywhere: it travels too.
  debian_download bookworm $gpu/deb libvulkan1 vulkan-validationlayers
  # llama.cpp's llama-bench for the side-by-side figures: Debian unstable's packages with their own
  # glibc and C++ runtime (run beside the machine's, never installed: llama_setup). Optional: the
  # run leaves the llama steps out without them.
  debian_download sid $gpu/llama llama.cpp-tools libllama0 libggml0 libggml0-backend-vulkan libc6 \
    libstdc++6 libgcc-s1 libgomp1 libssl3t64 ||
    {
      echo "gpu-check: llama.cpp's packages not fetched; run leaves llama-bench out"
      rm -rf $gpu/llama
    }
  # The tests find their data by the source path compiled in; the GPU machine's copy of the
  # tree lies elsewhere and gets a link at this path.
  pwd >$gpu/source_dir
  local tracked tree limit=$((64 << 20))
  tracked=$(git ls-files -z | du -cb --files0-from=- | tail -1 | cut -f1)
  tree=$((tracked + $(du -sb $gpu | cut -f1)))
  echo "gpu-check: the working tree that travels: $((tree >> 20)) MiB of $((limit >> 20))"
  ((tree < limit)) || { echo "gpu-check: too large to travel" >&2; exit 1; }
}

# Runs "$@" with a time limit, its output in NAME.log and the JSON it printed in NAME.json, both
# appended to $OUT/results.tar as soon as the step ends (the device tool brings back at most 8
# files, and whatever a run cut short had finished); a failure is noted, never fatal.
timed() {
  local name=$1 limit=$2
  shift 2
  local t0=$SECONDS
  # A function of this script (tests_sharded) keeps its own limits.
  if declare -F "$1" >/dev/null; then "$@"; else timeout "$limit" "$@"; fi >"$OUT/$name.log" 2>&1
  local rc=$?
  echo "{\"step\": \"$name\", \"rc\": $rc, \"seconds\": $((SECONDS - t0))}" >>"$OUT/steps.jsonl"
  echo "gpu-check: $name rc=$rc in $((SECONDS - t0)) s"
  local files=("$name.log")
  if grep -qE '^\[?\{|^\[$' "$OUT/$name.log"; then
    grep -E '^\[?\{|^\[$|^ |^\}|^\]$' "$OUT/$name.log" >"$OUT/$name.json"
    files+=("$name.json")
  fi
  tar rf "$OUT/results.tar" -C "$OUT" "${files[@]}" && (cd "$OUT" && rm -f "${files[@]}")
}

# The test binary in `shards` processes side by side (gtest's sharding), each with `limit`
# seconds: one process would spend minutes on the CPU reference's side of the real shapes while
# the machine's other cores idle. Prints each shard's log; fails where one failed.
tests_sharded() {
  local binary=$1 shards=$2 limit=$3 dir
  dir=$(mktemp -d)
  for ((k = 0; k < shards; k++)); do
    GTEST_TOTAL_SHARDS=$shards GTEST_SHARD_INDEX=$k timeout "$limit" "$binary" --gtest_brief=1 \
      >"$dir/$k.log" 2>&1 &
  done
  local failed=0
  for ((k = 0; k < shards; k++)); do wait -n || failed=1; done
  for ((k = 0; k < shards; k++)); do
    echo "== shard $k of $shards"
    cat "$dir/$k.log"
  done
  rm -rf "$dir"
  return $failed
}

# llama.cpp's llama-bench (Debian unstable's packages, fetched by prepare): unpacked outside the
# system and run through those packages' own glibc loader, so nothing of the machine's changes
# but a link at the one path where the packages look for ggml's backends.
llama_setup() {
  local root=/tmp/ossvk-llama
  rm -rf $root && mkdir -p $root
  for f in $gpu/llama/*.deb; do dpkg -x "$f" $root; done
  local lib=$root/usr/lib/x86_64-linux-gnu
  [[ -x $root/usr/bin/llama-bench && -x $lib/ld-linux-x86-64.so.2 ]] || return 1
  local backends=/usr/lib/x86_64-linux-gnu/ggml/backends0
  [[ -e $backends ]] || { mkdir -p "$(dirname $backends)" && ln -s $lib/ggml/backends0 $backends; }
  llama_bench=("$lib/ld-linux-x86-64.so.2" --library-path "$lib:$lib/llama"
    $root/usr/bin/llama-bench)
}

run() {
  local quick=${1:-}
  : "${OUT:=$PWD/gpu-out}"
  mkdir -p "$OUT"
  : >"$OUT/steps.jsonl"
  rm -f "$OUT/results.tar"
  local bin=build/bin
  if [[ -f $gpu/build.tar.gz ]]; then
    # Unpacked outside the tree, so that .gpu stays small enough to travel again.
    local unpacked=/tmp/ossvk-gpu-build
    rm -rf $unpacked && mkdir -p $unpacked && tar xzf $gpu/build.tar.gz -C $unpacked
    bin=$unpacked/bin
    for f in $gpu/deb/*.deb; do dpkg -x "$f" /; done
    ldconfig
    export LD_LIBRARY_PATH=$unpacked/lib:${LD_LIBRARY_PATH:-}
    export OSSVK_LIBRARY=$unpacked/lib/libossvk.so
    # Where the loader finds no driver by itself (the tool's README names these files).
    local icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    [[ -f $icd ]] && export VK_DRIVER_FILES=$icd
    local src
    src=$(cat $gpu/source_dir)
    [[ -e $src ]] || { mkdir -p "$(dirname "$src")" && ln -s "$PWD" "$src"; }
  fi
  local llama=
  [[ -d $gpu/llama ]] && llama_setup && llama=1
  # A fresh pipeline cache: first-call compiles are measured.
  export XDG_CACHE_HOME=/tmp/ossvk-gpu-cache
  rm -rf $XDG_CACHE_HOME
  timed nvidia_smi 10 nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm \
    --format=csv
  timed devices 30 "$bin/ossvk" devices --json
  local files=/tmp/ossvk-gpu-files  # the GGUF files both engines read
  mkdir -p $files
  if [[ -n $quick ]]; then
    OSSVK_VALIDATION=1 GTEST_FILTER='Tokenizer.*:KernelNames.*:Rmsnorm*' timed tests 300 \
      tests_sharded "$bin/ossvk_tests" 2 290
    timed kernels 300 "$bin/ossvk-bench" --json --runs 3 --filter _matvec
    timed make_tiny 60 "$bin/ossvk" make-model --preset tiny --out $files/tiny.gguf
    timed model_tiny 120 "$bin/ossvk" bench --model $files/tiny.gguf -p 64 -n 32 --runs 3 --json
    # ggml leaves CPU devices (lavapipe) out unless named.
    [[ -n $llama ]] && GGML_VK_VISIBLE_DEVICES=0 timed llama_tiny 120 "${llama_bench[@]}" \
      -m $files/tiny.gguf -p 64 -n 32 -r 3 -ngl 99 -o json
  else
    # Every test on the GPU's paths (device addresses, staged activations, its subgroup size)
    # with the validation layer on, as everywhere; the CPU reference runs on the host's cores.
    OSSVK_VALIDATION=1 timed tests 110 tests_sharded "$bin/ossvk_tests" 8 100
    timed kernels 75 "$bin/ossvk-bench" --json --runs 20
    # Whole models from one file each, which llama.cpp's llama-bench reads too.
    timed make_20b 90 "$bin/ossvk" make-model --preset 20b --out $files/20b.gguf
    timed model_20b 80 "$bin/ossvk" bench --model $files/20b.gguf -p 512 -n 128 --runs 3 --json
    [[ -n $llama ]] && timed llama_20b 75 "${llama_bench[@]}" -m $files/20b.gguf -p 512 \
      -n 128 -r 3 -ngl 99 -fa 0,1 -o json
    timed make_120b 60 "$bin/ossvk" make-model --preset 120b --layers 4 --out $files/120b.gguf
    timed model_120b 60 "$bin/ossvk" bench --model $files/120b.gguf -p 512 -n 128 --runs 3 --json
    [[ -n $llama ]] && timed llama_120b 60 "${llama_bench[@]}" -m $files/120b.gguf -p 512 \
      -n 128 -r 3 -ngl 99 -fa 1 -o json
    # A small card simulated: the embedding and the first layers' experts in system memory, read
    # across the bus; llama.cpp computes as many layers' experts on the CPU (--n-cpu-moe).
    timed model_120b_spill 45 "$bin/ossvk" bench --model $files/120b.gguf \
      --device-memory-limit 4GiB -p 512 -n 128 --runs 3 --json
    local spilled
    spilled=$(tar xOf "$OUT/results.tar" model_120b_spill.json 2>/dev/null |
      grep -o '"host_expert_layers":[0-9]*' | cut -d: -f2)
    [[ -n $llama && -n $spilled ]] && timed llama_120b_cpu_moe 60 "${llama_bench[@]}" \
      -m $files/120b.gguf -p 512 -n 128 -r 3 -ngl 99 -fa 1 --n-cpu-moe "$spilled" -o json
    # Prefill's matmuls and attention on the scalar tiles too, beside the matrix units' figures.
    timed kernels_scalar 30 "$bin/ossvk-bench" --json --runs 20 --filter _matmul --matmul scalar
    timed attention_scalar 20 "$bin/ossvk-bench" --json --runs 3 --filter 'attention prefill' \
      --matmul scalar
    OSSVK_MATMUL=scalar timed model_20b_scalar 45 "$bin/ossvk" bench --model $files/20b.gguf \
      -p 512 -n 16 --runs 2 --json
    # Decode with RoPE and the K/V write as a dispatch of their own, beside model_20b's epilogue.
    OSSVK_ROPE=kernel timed model_20b_rope_kernel 30 "$bin/ossvk" bench --model $files/20b.gguf \
      -p 8 -n 128 --runs 3 --json
    timed model_20b_parallel 45 "$bin/ossvk" bench --preset 20b --layers 8 -p 1 -n 64 --runs 3 \
      --parallel 1,2,4,8 --json
    # The spilled experts run by the CPU's Vulkan device instead, where the machine has lavapipe.
    if tar xOf "$OUT/results.tar" devices.json 2>/dev/null | grep -q llvmpipe; then
      timed model_120b_cpu_experts 40 "$bin/ossvk" bench --model $files/120b.gguf --device 0 \
        --experts-on llvmpipe -p 64 -n 16 --runs 1 --json
    fi
    OSSVK_PROFILE=1 timed profile_20b 25 "$bin/ossvk" bench --preset 20b --layers 4 -p 512 \
      -n 64 --runs 1
  fi
  rm -rf $files
  tar tvf "$OUT/results.tar"
}

case $step in
  prepare) prepare ;;
  run) run "${2:-}" ;;
  *)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
