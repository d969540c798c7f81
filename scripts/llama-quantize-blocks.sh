#!/usr/bin/env bash
# Remakes tests/data/llama_quantize/blocks.gguf, the fixture of tests/llama_quantize_test.cpp:
# blocks of every GGUF type ossvk reads, as llama.cpp's llama-quantize writes them, beside
# ggml's own decoding of them. Debian unstable's llama.cpp runs unpacked under /tmp with the
# glibc and C++ runtime it was built against (never installed); needs `make build` first.
#   bash scripts/llama-quantize-blocks.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/debian_download.sh
bin=build/bin
[[ -x $bin/ossvk && -x $bin/ossvk_llama_quantize_blocks ]] || { echo "run make build first" >&2; exit 1; }

dir=/tmp/ossvk-llama-quantize
[[ -x $dir/root/usr/bin/llama-quantize ]] || debian_unpack sid $dir llama.cpp-tools libllama0 \
  libggml0 libc6 libstdc++6 libgcc-s1 libgomp1 libssl3t64
lib=$dir/root/usr/lib/x86_64-linux-gnu
quantize() { "$lib/ld-linux-x86-64.so.2" --library-path "$lib:$lib/llama" $dir/root/usr/bin/llama-quantize "$@"; }
version=$(ls $dir/deb | sed -n 's/^llama.cpp-tools_\(.*\)_amd64.deb$/\1/p' | sed 's/%3a/:/')

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The small synthetic model: every row 256 wide, so K-quants stay as asked. One type a tensor;
# the rest takes Q8_0.
$bin/ossvk make-model --preset small --expert-type f32 --dense-type f32 --out "$work/f32.gguf"
types=(blk.0.attn_q=q2_K blk.0.attn_k=q3_K blk.0.attn_v=q4_K blk.0.attn_output=q5_K
  blk.0.ffn_gate_exps=q6_K blk.0.ffn_up_exps=iq4_nl blk.0.ffn_down_exps=iq4_xs
  blk.1.attn_q=q4_0 blk.1.attn_k=q4_1 blk.1.attn_v=q5_0 blk.1.attn_output=q5_1
  blk.1.ffn_gate_exps=mxfp4 token_embd=f16 output=bf16)
args=()
for t in "${types[@]}"; do args+=(--tensor-type "$t"); done
quantize "${args[@]}" "$work/f32.gguf" "$work/mixed.gguf" Q8_0 2 >"$work/quantize.log" 2>&1 ||
  { cat "$work/quantize.log" >&2; exit 1; }
# ggml's decoding: the same file requantized to F32.
quantize --allow-requantize "$work/mixed.gguf" "$work/decoded.gguf" F32 2 >>"$work/quantize.log" 2>&1 ||
  { cat "$work/quantize.log" >&2; exit 1; }
mkdir -p tests/data/llama_quantize
rm -f tests/data/llama_quantize/blocks.gguf
$bin/ossvk_llama_quantize_blocks "$work/mixed.gguf" "$work/decoded.gguf" 4 \
  "llama-quantize of Debian's llama.cpp $version" tests/data/llama_quantize/blocks.gguf
