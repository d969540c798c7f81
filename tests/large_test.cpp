// The unembedding shape, 201088 x 2880: a 2.3 GB f32 matrix or 830 MB in bf16, beyond lavapipe's
// 128 MiB maxStorageBufferRange (device addresses make that irrelevant) and, for f32, beyond its
// 2 GiB maxMemoryAllocationSize (split into parts). Labelled `large`: minutes on lavapipe.
#include <gtest/gtest.h>

#include "support/linear_tester.h"

namespace ossvk::testing {
namespace {

class Large : public GpuTest {};

TEST_F(Large, unembedding_201088x2880_matvec) {
  for (TensorFormat f :
       {TensorFormat::f32, TensorFormat::bf16, TensorFormat::q8_0, TensorFormat::mxfp4})
    LinearTester(f).m(201088).k(2880).run();
}

}  // namespace
}  // namespace ossvk::testing
