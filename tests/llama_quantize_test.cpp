// The reference decoders (reference/blocks.h) against ggml's own decoding of blocks that
// llama.cpp's llama-quantize wrote (tests/data/llama_quantize/blocks.gguf, made by
// scripts/llama-quantize-blocks.sh): bit for bit, every type ossvk reads from GGUF files that
// the quantizer writes. The device kernels answer to the same decoders (matvec_test.cpp and the
// others), so this ties them to the quantizer's real output, not only to our reading of its
// layouts.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "backend/loader/gguf.h"
#include "reference/matmul.h"

namespace ossvk::testing {
namespace {

TEST(LlamaQuantize, blocks_decode_as_ggml_decodes_them) {
  auto file = GgufFile::open(OSSVK_TEST_DATA_DIR "/llama_quantize/blocks.gguf");
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  const auto& f = *file.value();
  // Every type ossvk reads that llama-quantize writes for GPT-OSS files.
  for (TensorFormat format :
       {TensorFormat::q8_0, TensorFormat::q5_0, TensorFormat::q4_0, TensorFormat::q4_1,
        TensorFormat::q5_1, TensorFormat::q2_k, TensorFormat::q3_k, TensorFormat::q4_k,
        TensorFormat::q5_k, TensorFormat::q6_k, TensorFormat::iq4_nl, TensorFormat::iq4_xs,
        TensorFormat::mxfp4, TensorFormat::f16, TensorFormat::bf16}) {
    const std::string name = tensor_format_info(format).name;
    SCOPED_TRACE(name);
    const GgufTensor* q = f.tensor(name);
    const GgufTensor* want = f.tensor(name + ".ggml");
    ASSERT_TRUE(q && want) << "the fixture lacks " << name;
    ASSERT_EQ(q->format, format);
    TensorData w;
    w.format = format;
    w.k = q->dims[0];
    w.m = q->dims[1];
    w.data = q->data;
    std::vector<float> row(w.k);
    for (uint64_t r = 0; r < w.m; ++r) {
      reference::decode_row(w, r, row.data());
      for (uint64_t i = 0; i < w.k; ++i) {
        float expected;
        std::memcpy(&expected, want->data.data() + 4 * (r * w.k + i), 4);
        uint32_t got_bits, want_bits;
        std::memcpy(&got_bits, &row[i], 4);
        std::memcpy(&want_bits, &expected, 4);
        ASSERT_EQ(got_bits, want_bits)
            << "row " << r << " element " << i << ": " << row[i] << " against ggml's " << expected;
      }
    }
  }
}

}  // namespace
}  // namespace ossvk::testing
