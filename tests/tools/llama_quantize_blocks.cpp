// Makes tests/data/llama_quantize/blocks.gguf (scripts/llama-quantize-blocks.sh), the fixture of
// tests/llama_quantize_test.cpp: for the first tensor of each quantized type in QUANTIZED (a GGUF
// that llama.cpp's llama-quantize wrote), its first ROWS rows as they are stored, named by the
// type ("q2_k"), beside the same rows of DEQUANTIZED (the same file requantized by llama-quantize
// to F32: ggml's own decoding of those bytes) as "<type>.ggml". SOURCE, the quantizer's version,
// goes into the key ossvk.fixture.source.
//   ossvk_llama_quantize_blocks QUANTIZED DEQUANTIZED ROWS SOURCE OUT
#include <cstdio>
#include <set>
#include <string>

#include "backend/loader/gguf.h"
#include "backend/loader/gguf_writer.h"

namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "ossvk_llama_quantize_blocks: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ossvk;
  if (argc != 6)
    return fail("usage: ossvk_llama_quantize_blocks QUANTIZED DEQUANTIZED ROWS SOURCE OUT");
  auto quantized = GgufFile::open(argv[1]);
  if (!quantized.ok()) return fail(quantized.status().to_string());
  auto dequantized = GgufFile::open(argv[2]);
  if (!dequantized.ok()) return fail(dequantized.status().to_string());
  const uint64_t rows = std::stoull(argv[3]);

  GgufWriter out;
  out.add_string("ossvk.fixture.source", argv[4]);
  std::set<TensorFormat> taken;
  for (const GgufTensor& t : quantized.value()->tensors()) {
    const TensorFormatInfo& info = tensor_format_info(t.format);
    if (t.format == TensorFormat::f32 || t.dims.size() < 2 || taken.count(t.format)) continue;
    const GgufTensor* f = dequantized.value()->tensor(t.name);
    if (!f || f->format != TensorFormat::f32 || f->elements() != t.elements())
      return fail("'" + t.name + "' is not an F32 tensor of its shape in " + argv[2]);
    const uint64_t k = t.dims[0];
    if (t.elements() / k < rows) return fail("'" + t.name + "' has fewer than ROWS rows");
    const uint64_t row_bytes = k / info.block_elements * info.block_bytes;
    out.add_tensor(info.name, t.format, {k, rows},
                   {t.data.begin(), t.data.begin() + rows * row_bytes});
    out.add_tensor(std::string(info.name) + ".ggml", TensorFormat::f32, {k, rows},
                   {f->data.begin(), f->data.begin() + rows * k * 4});
    taken.insert(t.format);
  }
  auto written = out.write(argv[5]);
  if (!written.ok()) return fail(written.to_string());
  std::printf("wrote %zu types to %s\n", taken.size(), argv[5]);
  return 0;
}
