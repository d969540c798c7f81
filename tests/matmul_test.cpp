// Prefill's dense product (encode_matmul: f32_<fmt>w_matmul, or f32_<fmt>w_matvec over runs of
// columns on CPU devices) for every weight layout against the reference.
#include <gtest/gtest.h>

#include "formats.h"
#include "support/linear_tester.h"

namespace ossvk::testing {
namespace {

class Matmul : public GpuTest, public ::testing::WithParamInterface<FormatCase> {};

TEST_P(Matmul, gpt_oss_shapes_nine_tokens) {
  for (Shape s : kGptOssShapes)
    GetParam().tester().op(Op::matmul).m(s.m).k(s.k).n(9).bias(true).run();
  GetParam().tester().op(Op::matmul).m(2880).k(2880).n(9).bias(true).data(Data::exact).run();
}

TEST_P(Matmul, awkward_shapes_and_token_counts) {
  for (Shape s : kAwkwardShapes)
    for (uint32_t n : {1u, 5u, 9u, 127u}) {
      GetParam()
          .tester()
          .op(Op::matmul)
          .m(s.m)
          .k(s.k)
          .n(n)
          .bias(n % 2 == 1)
          .data(Data::exact)
          .run();
      GetParam().tester().op(Op::matmul).m(s.m).k(s.k).n(n).bias(true).run();
    }
}

TEST_P(Matmul, accumulates_into_a_residual) {
  GetParam()
      .tester()
      .op(Op::matmul)
      .m(130)
      .k(128)
      .n(70)
      .bias(true)
      .accumulate(true)
      .data(Data::exact)
      .run();
}

TEST_P(Matmul, matrix_split_into_parts) {
  TensorData shape{GetParam().format, 1, whole_blocks(GetParam().format, 128)};
  GetParam()
      .tester()
      .op(Op::matmul)
      .m(100)
      .k(128)
      .n(70)
      .bias(true)
      .data(Data::exact)
      .max_part_bytes(7 * shape.expected_data_bytes())
      .run();
}

INSTANTIATE_TEST_SUITE_P(Formats, Matmul, ::testing::ValuesIn(all_format_cases()),
                         format_case_name);
// On CPU devices the cases above run f32_<fmt>w_matvec over runs of columns; these run the
// shared-memory tiles there too.
INSTANTIATE_TEST_SUITE_P(Tiles, Matmul, ::testing::ValuesIn(gpu_layout_format_cases()),
                         format_case_name);

// The same products on tile products (shaders/mma.glsl): the device's matrix units, or on
// lavapipe their emulation, so the tiling and indexing of f32_<fmt>w_matmul_mma are tested on
// every commit. Exact data's values fit in two fp16 parts, so they stay bit for bit.
class MatmulMma : public GpuTest, public ::testing::WithParamInterface<TensorFormat> {
 protected:
  LinearTester tester() const {
    return LinearTester(GetParam()).op(Op::matmul).tile_products(true);
  }
};

TEST_P(MatmulMma, gpt_oss_shapes) {
  for (Shape s : kGptOssShapes) tester().m(s.m).k(s.k).n(9).bias(true).run();
  tester().m(2880).k(2880).n(70).bias(true).data(Data::exact).run();
}

TEST_P(MatmulMma, awkward_shapes_and_token_counts) {
  for (Shape s : kAwkwardShapes)
    for (uint32_t n : {1u, 9u, 64u, 127u}) {
      tester().m(s.m).k(s.k).n(n).bias(n % 2 == 1).data(Data::exact).run();
      tester().m(s.m).k(s.k).n(n).bias(true).run();
    }
}

TEST_P(MatmulMma, accumulates_into_a_residual_in_parts) {
  tester().m(130).k(128).n(70).bias(true).accumulate(true).data(Data::exact).run();
  TensorData shape{GetParam(), 1, whole_blocks(GetParam(), 128)};
  tester()
      .m(100)
      .k(128)
      .n(70)
      .bias(true)
      .max_part_bytes(7 * shape.expected_data_bytes())
      .data(Data::exact)
      .run();
}

INSTANTIATE_TEST_SUITE_P(Formats, MatmulMma, ::testing::ValuesIn(kAllFormats),
                         [](const auto& info) { return tensor_format_info(info.param).name; });

class MatmulMlx : public GpuTest {};

TEST_F(MatmulMlx, group_sizes_and_scale_types) {
  for (TensorFormat f : kMlxAffineFormats)
    for (uint32_t group : {32u, 64u, 128u}) {
      LinearTester(f)
          .op(Op::matmul)
          .m(65)
          .k(256)
          .n(70)
          .group(group)
          .bias(true)
          .data(Data::exact)
          .run();
      LinearTester(f).op(Op::matmul).m(65).k(256).n(70).group(group).scales(ScaleDtype::f16).run();
      LinearTester(f).op(Op::matmul).m(17).k(384).n(5).group(group).scales(ScaleDtype::f32).run();
    }
}

}  // namespace
}  // namespace ossvk::testing
