#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) in build-fuzz/ and runs each for SECONDS
# (default 60) from its seed corpus in fuzz/corpus/<target>/. Fails on any crash, leak, timeout
# or sanitizer report; the input that did it is left in build-fuzz/findings/. New inputs go to a
# scratch corpus, so the repository's seeds never change. Longer campaigns: scripts/fuzz.sh 3600.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
build=build-fuzz
CC=clang-16 CXX=clang++-16 cmake -S . -B $build -DOSSVK_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=(gguf safetensors hf_config hf_tokenizer tokenizer)
cmake --build $build -j "$(nproc)" --target "${targets[@]/#/ossvk_fuzz_}" >/dev/null
mkdir -p $build/findings
for t in "${targets[@]}"; do
  scratch=$(mktemp -d)
  echo "fuzz: ossvk_fuzz_$t for ${seconds}s"
  status=0
  $build/bin/ossvk_fuzz_$t "$scratch" fuzz/corpus/$t -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len=1048576 -print_final_stats=1 \
    -artifact_prefix=$build/findings/$t- >$build/findings/$t.log 2>&1 || status=$?
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|ERROR|SUMMARY" $build/findings/$t.log || true
  rm -rf "$scratch"
  if [ "$status" -ne 0 ]; then
    echo "fuzz: ossvk_fuzz_$t failed; log and reproducer in $build/findings/"
    tail -40 $build/findings/$t.log
    exit 1
  fi
done
echo "fuzz: all targets clean"
