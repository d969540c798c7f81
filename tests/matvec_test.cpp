// f32_<fmt>w_matvec for every weight layout against the reference.
#include <gtest/gtest.h>

#include <cmath>

#include "backend/kernels/matvec.h"
#include "formats.h"
#include "support/linear_tester.h"

namespace ossvk::testing {
namespace {

class Matvec : public GpuTest, public ::testing::WithParamInterface<FormatCase> {};

TEST_P(Matvec, gpt_oss_shapes_random_with_bias) {
  for (Shape s : kGptOssShapes) GetParam().tester().m(s.m).k(s.k).bias(true).run();
}

TEST_P(Matvec, gpt_oss_shapes_exact_bit_for_bit) {
  for (Shape s : kGptOssShapes)
    GetParam().tester().m(s.m).k(s.k).bias(true).data(Data::exact).run();
}

TEST_P(Matvec, awkward_shapes_with_and_without_bias) {
  for (Shape s : kAwkwardShapes)
    for (bool bias : {false, true})
      for (Data d : {Data::realistic, Data::exact})
        GetParam().tester().m(s.m).k(s.k).bias(bias).data(d).run();
}

TEST_P(Matvec, one_to_eight_columns_share_the_weights) {
  for (uint32_t n = 1; n <= kMaxMatvecColumns; ++n) {
    GetParam().tester().m(33).k(96).n(n).bias(true).data(Data::exact).run();
    GetParam().tester().m(130).k(128).n(n).run();
  }
}

// Rows split across allocations (as a tensor beyond maxMemoryAllocationSize is): 3 rows a part.
TEST_P(Matvec, accumulates_into_a_residual) {
  GetParam().tester().m(130).k(128).n(3).bias(true).accumulate(true).data(Data::exact).run();
  GetParam().tester().m(130).k(128).n(3).bias(true).accumulate(true).run();
}

TEST_P(Matvec, matrix_split_into_parts) {
  TensorData shape{GetParam().format, 1, whole_blocks(GetParam().format, 128)};
  for (uint32_t n : {1u, 3u})
    GetParam()
        .tester()
        .m(37)
        .k(128)
        .n(n)
        .bias(true)
        .data(Data::exact)
        .max_part_bytes(3 * shape.expected_data_bytes())
        .run();
}

INSTANTIATE_TEST_SUITE_P(Formats, Matvec, ::testing::ValuesIn(all_format_cases()),
                         format_case_name);

class MatvecSplit : public GpuTest, public ::testing::WithParamInterface<TensorFormat> {};

// The GPUs' layout, forced on any device (through device addresses, once per format): each run of
// rows' K split among two, three and four subgroups that meet in shared memory, on the gpt-oss
// shapes, K shorter than the subgroups' lanes together (idle slices),
// rows past M in the last run, several columns, bias and a residual.
TEST_P(MatvecSplit, subgroups_sharing_rows_split_k) {
  for (uint32_t split : {2u, 3u, 4u}) {
    LinearTester(GetParam()).matvec_split(split).m(2880).k(2880).bias(true).run();
    LinearTester(GetParam())
        .matvec_split(split)
        .m(33)
        .k(96)
        .n(3)
        .bias(true)
        .data(Data::exact)
        .run();
    LinearTester(GetParam()).matvec_split(split).m(7).k(32).n(8).run();
    LinearTester(GetParam())
        .matvec_split(split)
        .m(130)
        .k(1024)
        .n(2)
        .accumulate(true)
        .data(Data::exact)
        .run();
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, MatvecSplit, ::testing::ValuesIn(kAllFormats),
                         [](const ::testing::TestParamInfo<TensorFormat>& info) {
                           return std::string(tensor_format_info(info.param).name);
                         });

class MatvecRmsnorm : public GpuTest, public ::testing::WithParamInterface<TensorFormat> {};

// RMSNorm folded into the matvec (decode's QKV projection) in every format: the GPUs' layout
// (activations and gain staged, K in two steps, the last partial, split between two
// subgroups), and both buffer paths with one and eight columns. Each output within the matvec's
// bound plus the norm's (support/linear_tester.cpp).
TEST_P(MatvecRmsnorm, normalises_x_as_it_reads_it) {
  const TensorFormat f = GetParam();
  LinearTester(f).norm(true).matvec_split(2).m(40).k(2880).n(3).bias(true).run();
  for (host::BufferAccess a : {host::BufferAccess::addresses, host::BufferAccess::descriptors})
    for (uint32_t n : {1u, kMaxMatvecColumns})
      LinearTester(f).norm(true).access(a).m(33).k(2880).n(n).bias(true).run();
}

INSTANTIATE_TEST_SUITE_P(Formats, MatvecRmsnorm, ::testing::ValuesIn(kAllFormats),
                         [](const ::testing::TestParamInfo<TensorFormat>& info) {
                           return std::string(tensor_format_info(info.param).name);
                         });

class MatvecRope : public GpuTest, public ::testing::WithParamInterface<TensorFormat> {};

// The RoPE epilogue in every format (decode's QKV projection writing q and the K/V cache itself,
// the norm folded in as decode runs it), gpt-oss's 64/8 heads of 64 over hidden 2880: one token
// far into the context; eight with a LoRA addend across a sliding window's ring wrap into an f16
// cache; a replayed step's position; the GPUs' layout (split, staged); both buffer paths on
// narrower heads. Each q, k and v element within its output's bound carried through the rotation
// (support/linear_tester.cpp).
TEST_P(MatvecRope, rotates_q_and_k_and_writes_the_cache) {
  const TensorFormat f = GetParam();
  const AttentionDims full{64, 8, 64, 0}, window{64, 8, 64, 128}, narrow{6, 2, 36, 0};
  LinearTester(f).norm(true).bias(true).k(2880).rope({full, 131000}).run();
  // ring = 128 + 8 slots: positions 132..139 wrap past slot 135.
  LinearTester(f)
      .norm(true)
      .bias(true)
      .accumulate(true)
      .k(2880)
      .n(kMaxMatvecColumns)
      .rope({window, 132, true, false, 4096})
      .run();
  LinearTester(f).norm(true).k(96).rope({narrow, 4000, false, true, 4096}).run();
  LinearTester(f).norm(true).bias(true).matvec_split(2).k(2880).n(3).rope({window, 7}).run();
  for (host::BufferAccess a : {host::BufferAccess::addresses, host::BufferAccess::descriptors})
    for (uint32_t n : {1u, 5u})
      LinearTester(f).access(a).bias(true).k(96).n(n).rope({narrow, 17, n > 1}).run();
}

INSTANTIATE_TEST_SUITE_P(Formats, MatvecRope, ::testing::ValuesIn(kAllFormats),
                         [](const ::testing::TestParamInfo<TensorFormat>& info) {
                           return std::string(tensor_format_info(info.param).name);
                         });

class MatvecMlx : public GpuTest {};

// Every width, group size and scale dtype, through both buffer paths; the gpt-oss shapes.
TEST_F(MatvecMlx, group_sizes_and_scale_types) {
  for (TensorFormat f : kMlxAffineFormats)
    for (uint32_t group : {32u, 64u, 128u}) {
      LinearTester(f).m(33).k(256).n(2).group(group).bias(true).data(Data::exact).run();
      LinearTester(f).m(33).k(256).n(2).group(group).bias(true).run();
      LinearTester(f)
          .m(33)
          .k(256)
          .n(2)
          .group(group)
          .scales(ScaleDtype::f16)
          .data(Data::exact)
          .run();
      LinearTester(f).m(9).k(384).n(3).group(group).scales(ScaleDtype::f32).run();
      for (host::BufferAccess access :
           {host::BufferAccess::addresses, host::BufferAccess::descriptors})
        LinearTester(f).access(access).m(7).k(128).group(group).scales(ScaleDtype::f32).run();
      LinearTester(f)
          .m(2880)
          .k(group == 128 ? 4096 : 2880)
          .group(group)
          .scales(ScaleDtype::f16)
          .run();
    }
}

class MatvecMxfp4 : public GpuTest {};

// Every E2M1 code at every position of a block, under scales 2^-3 .. 2^3: a one-hot x picks out
// single elements, so any nibble-order mistake changes an output exactly.
TEST_F(MatvecMxfp4, every_code_every_position) {
  HostMatrix w;
  w.format = TensorFormat::mxfp4;
  w.m = 16 * 7;
  w.k = 32;
  w.data.resize(w.m * 17);
  for (uint32_t r = 0; r < w.m; ++r) {
    uint8_t* b = w.data.data() + r * 17;
    b[0] = static_cast<uint8_t>(124 + r / 16);
    for (int j = 0; j < 16; ++j)
      b[1 + j] = static_cast<uint8_t>(((r + j) & 15) | (((r + j + 5) & 15) << 4));
  }
  for (uint32_t pos = 0; pos < 32; pos += 5) {
    std::vector<float> x(32, 0.0f);
    x[pos] = 1.0f;
    LinearTester(TensorFormat::mxfp4).m(w.m).k(32).weights(w).x(x).data(Data::exact).run();
  }
}

// OpenAI/HF (and MLX) store MXFP4 in linear nibble order with the scales apart; GGUF in split
// order. The same logical matrix must give the same outputs, bit for bit.
TEST_F(MatvecMxfp4, linear_and_split_nibble_orders_agree) {
  Rng rng(11);
  HostMatrix gguf = random_matrix(TensorFormat::mxfp4, 65, 2880, Data::realistic, rng);
  HostMatrix linear = gguf_mxfp4_to_linear(gguf);
  auto x = random_vector(2 * 2880, Data::realistic, rng);
  for (Op op : {Op::matvec, Op::matmul}) {
    auto a = LinearTester(TensorFormat::mxfp4).op(op).m(65).k(2880).n(2).weights(gguf).x(x).run();
    auto b = LinearTester(TensorFormat::mxfp4_linear)
                 .op(op)
                 .m(65)
                 .k(2880)
                 .n(2)
                 .weights(linear)
                 .x(x)
                 .run();
    EXPECT_EQ(a, b);
  }
}

// E8M0 0xFF is NaN (OCP MX): the row whose block carries it must come out NaN, the others not;
// the upload counts the 32 poisoned weights.
TEST_F(MatvecMxfp4, nan_scale_poisons_only_its_row_and_is_counted) {
  Rng rng(7);
  HostMatrix w = random_matrix(TensorFormat::mxfp4, 3, 64, Data::exact, rng);
  w.data[1 * 2 * 17 + 17] = 0xFF;  // row 1, block 1
  auto y = LinearTester(TensorFormat::mxfp4).m(3).k(64).weights(w).data(Data::exact).run();
  ASSERT_EQ(y.size(), 3u);
  EXPECT_FALSE(std::isnan(y[0]));
  EXPECT_TRUE(std::isnan(y[1]));
  EXPECT_FALSE(std::isnan(y[2]));

  auto counted = upload_matrix(device(), transfer(), w.view(), "blk.0.ffn_up_exps");
  ASSERT_OK(counted);
  EXPECT_EQ(counted.value().non_finite, 32u);
  UploadOptions refuse;
  refuse.refuse_non_finite = true;
  auto refused = upload_matrix(device(), transfer(), w.view(), "blk.0.ffn_up_exps", refuse);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find(
                "'blk.0.ffn_up_exps' has 32 weights that decode to NaN or Inf"),
            std::string::npos)
      << refused.status().message();
}

}  // namespace
}  // namespace ossvk::testing
