#!/usr/bin/env bash
# The GPU check: one short, prepared run on a lent GPU machine (an H100/H200 with no network)
# that answers everything at once, writing JSON to $OUT. Two steps:
#
#   bash scripts/gpu-check.sh prepare   # here: build, then gather what the GPU machine lacks into
#                                       # .gpu/ (git-ignored through .git/info/exclude): the
#                                       # binaries, library and PCRE2 in one gzip'd tar, and the
#                                       # .deb files of the Vulkan loader and the validation layer
#   bash scripts/gpu-check.sh run       # there, with .gpu carried: the device, the tests on it,
#                                       # the kernel benchmarks and the whole-model benchmarks
#
# The working tree that travels, .gpu included, may hold 64 MiB: the three binaries each hold
# every kernel's SPIR-V (about 100 MB together), 31 MB packed; prepare refuses a larger tree.
#
# `run quick` does the same on the tiny and 2-layer shapes, to check the script itself on any
# machine (lavapipe included). Each step has a time limit so that the whole run ends inside
# ten minutes (one call's limit); a step that fails or times out is recorded and the next runs.
set -uo pipefail
cd "$(dirname "$0")/.."
step=${1:-}
gpu=.gpu

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
  local lists=/tmp/ossvk-amd64-lists
  local o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=$lists)
  mkdir -p $lists/partial
  apt-get "${o[@]}" update -qq
  # The tests run with the Khronos validation layer on, as everywhere: it travels too.
  (cd $gpu/deb && apt-get "${o[@]}" download libvulkan1 vulkan-validationlayers >/dev/null)
  # The tests find their data by the source path compiled in; the GPU machine's copy of the
  # tree lies elsewhere and gets a link at this path.
  pwd >$gpu/source_dir
  local tree limit=$((64 << 20))
  tree=$(($(git ls-files -z | du -cb --files0-from=- | tail -1 | cut -f1) + $(du -sb $gpu | cut -f1)))
  echo "gpu-check: the working tree that travels: $((tree >> 20)) MiB of $((limit >> 20))"
  ((tree < limit)) || { echo "gpu-check: too large to travel" >&2; exit 1; }
}

# Runs "$@" with a time limit, its output in $OUT/NAME.log; a failure is noted, never fatal.
timed() {
  local name=$1 limit=$2
  shift 2
  local t0=$SECONDS
  timeout "$limit" "$@" >"$OUT/$name.log" 2>&1
  local rc=$?
  echo "{\"step\": \"$name\", \"rc\": $rc, \"seconds\": $((SECONDS - t0))}" >>"$OUT/steps.jsonl"
  echo "gpu-check: $name rc=$rc in $((SECONDS - t0)) s"
}

run() {
  local quick=${1:-}
  : "${OUT:=$PWD/gpu-out}"
  mkdir -p "$OUT"
  : >"$OUT/steps.jsonl"
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
  export XDG_CACHE_HOME=$OUT/cache  # a fresh pipeline cache: first-call compiles are measured
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv \
    >"$OUT/nvidia-smi.csv" 2>&1
  timed devices 30 "$bin/ossvk" devices --json
  cp "$OUT/devices.log" "$OUT/devices.json"
  if [[ -n $quick ]]; then
    timed tests 300 "$bin/ossvk_tests" --gtest_filter='Tokenizer.*:KernelNames.*:Rmsnorm*'
    timed kernels 300 "$bin/ossvk-bench" --json --runs 3 --filter _matvec
    timed model_tiny 120 "$bin/ossvk" bench --preset tiny -p 64 -n 32 --runs 3 --json
  else
    # Every kernel test on the GPU's paths (device addresses, staged activations, its subgroup
    # size); the CPU reference runs on the host's cores.
    timed tests 105 "$bin/ossvk_tests" --gtest_brief=1
    timed kernels 75 "$bin/ossvk-bench" --json --runs 20
    # Prefill's matmuls and attention on the scalar tiles too, beside the matrix units' figures
    # above.
    timed kernels_scalar 30 "$bin/ossvk-bench" --json --runs 20 --filter _matmul --matmul scalar
    timed attention_scalar 20 "$bin/ossvk-bench" --json --runs 3 --filter 'attention prefill' \
      --matmul scalar
    timed model_20b 80 "$bin/ossvk" bench --preset 20b -p 512 -n 128 --runs 3 --json
    OSSVK_MATMUL=scalar timed model_20b_scalar 45 "$bin/ossvk" bench --preset 20b -p 512 -n 16 \
      --runs 2 --json
    # Decode with RoPE and the K/V write as a dispatch of their own, beside model_20b's epilogue.
    OSSVK_ROPE=kernel timed model_20b_rope_kernel 30 "$bin/ossvk" bench --preset 20b -p 8 -n 128 \
      --runs 3 --json
    timed model_20b_parallel 45 "$bin/ossvk" bench --preset 20b --layers 8 -p 1 -n 64 --runs 3 \
      --parallel 1,2,4,8 --json
    timed model_120b 60 "$bin/ossvk" bench --preset 120b --layers 4 -p 512 -n 128 --runs 3 --json
    # A small card simulated: the embedding and the first layers' experts read across the bus.
    timed model_120b_spill 45 "$bin/ossvk" bench --preset 120b --layers 4 \
      --device-memory-limit 4GiB -p 512 -n 128 --runs 3 --json
    # The same experts run by the CPU's Vulkan device instead, where the machine has lavapipe.
    if grep -q llvmpipe "$OUT/devices.json"; then
      timed model_120b_cpu_experts 40 "$bin/ossvk" bench --preset 120b --layers 4 --device 0 \
        --experts-on llvmpipe -p 64 -n 16 --runs 1 --json
    fi
    OSSVK_PROFILE=1 timed profile_20b 25 "$bin/ossvk" bench --preset 20b --layers 4 -p 512 \
      -n 64 --runs 1
  fi
  # The JSON each step printed, apart from its log.
  for s in kernels kernels_scalar model_tiny model_20b model_20b_scalar model_20b_rope_kernel \
    model_20b_parallel model_120b model_120b_spill model_120b_cpu_experts; do
    [[ -f $OUT/$s.log ]] && grep -E '^\{|^ |^\}' "$OUT/$s.log" >"$OUT/$s.json"
  done
  ls -la "$OUT"
}

case $step in
  prepare) prepare ;;
  run) run "${2:-}" ;;
  *)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
