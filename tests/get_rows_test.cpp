// f32_<fmt>w_get_rows, the token-embedding lookup, against reference::decode_row in every weight
// layout through both buffer paths: gpt-oss's rows of 2880 and single-block rows, the first and
// last rows, repeated ids, one id and many.
#include <gtest/gtest.h>

#include <cmath>

#include "backend/kernels/get_rows.h"
#include "formats.h"
#include "reference/matmul.h"
#include "support/gpu.h"
#include "testdata/weights.h"

namespace ossvk::testing {
namespace {

class GetRows : public GpuTest, public ::testing::WithParamInterface<FormatCase> {};

void check_rows(const FormatCase& c, uint32_t m, uint32_t k, const std::vector<uint32_t>& ids) {
  SCOPED_TRACE(std::to_string(m) + "x" + std::to_string(k) + ", " + std::to_string(ids.size()) +
               " ids");
  k = whole_blocks(c.format, k);
  AccessDevice& g = gpu_with(c.access);
  Rng rng(m * 3 + k + ids.size());
  const HostMatrix w = random_matrix(c.format, m, k, Data::realistic, rng);
  auto dm = upload_matrix(*g.device, *g.transfer, w.view(), "embedding");
  ASSERT_OK(dm);
  host::Buffer ib = device_buffer_with(ids), yb = device_buffer(uint64_t{ids.size()} * k * 4);
  auto stream = host::CommandStream::create(*g.device);
  ASSERT_OK(stream);
  ASSERT_OK(stream.value()->begin());
  ASSERT_OK(encode_get_rows(*g.device, *stream.value(), dm.value(), ib,
                            static_cast<uint32_t>(ids.size()), yb));
  ASSERT_OK(stream.value()->submit_and_wait());
  const auto got = read_back<float>(yb, uint64_t{ids.size()} * k);

  std::vector<float> want(k), size(k);
  for (size_t t = 0; t < ids.size(); ++t) {
    reference::decode_row(w.view(), ids[t], want.data(), size.data());
    for (uint32_t i = 0; i < k; ++i) {
      // Block formats decode exactly in fp32 (code and scale are short enough that their
      // product is exact); affine ones round scale*q + bias once here and once in the
      // reference, each within u = 2^-24 of its terms' size.
      const double bound = 2 * 0x1p-24 * size[i];
      ASSERT_LE(std::fabs(double(got[t * k + i]) - want[i]), bound)
          << "id " << ids[t] << " element " << i;
    }
  }
}

TEST_P(GetRows, gpt_oss_rows) {
  check_rows(GetParam(), 300, 2880, {0});
  check_rows(GetParam(), 300, 2880, {299, 0, 17, 17, 150, 299, 1});
}

TEST_P(GetRows, single_blocks_and_many_ids) {
  std::vector<uint32_t> ids(512);
  for (uint32_t i = 0; i < ids.size(); ++i) ids[i] = (i * 37) % 65;
  check_rows(GetParam(), 65, 32, ids);
  check_rows(GetParam(), 3, 96, {2, 1, 0});
}

INSTANTIATE_TEST_SUITE_P(Formats, GetRows, ::testing::ValuesIn(all_format_cases()),
                         format_case_name);

}  // namespace
}  // namespace ossvk::testing
