// Blocks that llama.cpp's llama-quantize wrote (tests/data/llama_quantize/blocks.gguf, made by
// scripts/llama-quantize-blocks.sh), in every type ossvk reads from GGUF files the quantizer
// writes: the reference decoders (reference/blocks.h) against ggml's own decoding of them, bit
// for bit, and the device's matvec and matmul on them against the reference, so the kernels
// meet the quantizer's real output, not only random blocks of our reading of its layouts.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>

#include "backend/loader/gguf.h"
#include "reference/matmul.h"
#include "support/linear_tester.h"

namespace ossvk::testing {
namespace {

constexpr TensorFormat kQuantizerTypes[] = {
    TensorFormat::q8_0,  TensorFormat::q5_0, TensorFormat::q4_0,   TensorFormat::q4_1,
    TensorFormat::q5_1,  TensorFormat::q2_k, TensorFormat::q3_k,   TensorFormat::q4_k,
    TensorFormat::q5_k,  TensorFormat::q6_k, TensorFormat::iq4_nl, TensorFormat::iq4_xs,
    TensorFormat::mxfp4, TensorFormat::f16,  TensorFormat::bf16};

std::unique_ptr<GgufFile> open_blocks() {
  auto file = GgufFile::open(OSSVK_TEST_DATA_DIR "/llama_quantize/blocks.gguf");
  EXPECT_TRUE(file.ok()) << file.status().to_string();
  return file.ok() ? std::move(file).value() : nullptr;
}

// A fixture tensor's rows as a matrix.
TensorData blocks_of(const GgufTensor& q) {
  TensorData w;
  w.format = q.format;
  w.k = q.dims[0];
  w.m = q.dims[1];
  w.data = q.data;
  return w;
}

TEST(LlamaQuantize, blocks_decode_as_ggml_decodes_them) {
  auto file = open_blocks();
  ASSERT_TRUE(file);
  const auto& f = *file;
  for (TensorFormat format : kQuantizerTypes) {
    const std::string name = tensor_format_info(format).name;
    SCOPED_TRACE(name);
    const GgufTensor* q = f.tensor(name);
    const GgufTensor* want = f.tensor(name + ".ggml");
    ASSERT_TRUE(q && want) << "the fixture lacks " << name;
    ASSERT_EQ(q->format, format);
    const TensorData w = blocks_of(*q);
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

class LlamaQuantizeKernels : public GpuTest {};

// The matvec (1 and 3 columns, both buffer paths) and the matmul over the quantizer's rows.
TEST_F(LlamaQuantizeKernels, run_on_the_quantizers_blocks) {
  auto file = open_blocks();
  ASSERT_TRUE(file);
  for (TensorFormat format : kQuantizerTypes) {
    SCOPED_TRACE(tensor_format_info(format).name);
    const GgufTensor* q = file->tensor(tensor_format_info(format).name);
    ASSERT_TRUE(q);
    const TensorData w = blocks_of(*q);
    HostMatrix h;
    h.format = format;
    h.m = w.m;
    h.k = w.k;
    h.data.assign(w.data.begin(), w.data.end());
    const uint32_t m = static_cast<uint32_t>(w.m), k = static_cast<uint32_t>(w.k);
    for (auto access : {host::BufferAccess::addresses, host::BufferAccess::descriptors})
      for (uint32_t n : {1u, 3u})
        LinearTester(format).access(access).m(m).k(k).n(n).weights(h).run();
    LinearTester(format).op(Op::matmul).m(m).k(k).n(20).weights(h).run();
  }
}

}  // namespace
}  // namespace ossvk::testing
