#include "backend/kernels/moe_group.h"

#include <string>

#include "backend/kernels/moe_matmul.h"
#include "backend/kernels/moe_route.h"
#include "shaders/kernel_names.h"
#include "shaders/moe_group_push.h"

namespace ossvk {

static_assert(sizeof(shaders::MoeGroupPush) == 40,
              "MoeGroupPush must match its GLSL std430 layout");

host::Status encode_moe_group(host::Device& device, host::CommandStream& stream,
                              const host::Buffer& ids, uint32_t tokens, uint32_t top_k,
                              uint32_t experts, uint32_t tile, const host::Buffer& order,
                              const host::Buffer& tiles) {
  const uint64_t pairs = uint64_t{tokens} * top_k;
  const uint64_t tile_words =
      1 + 3 * uint64_t{moe_matmul_max_tiles(static_cast<uint32_t>(pairs), experts, tile)};
  if (!pairs || !experts || experts > kMaxExperts || !tile || !ids || ids.size() < pairs * 4 ||
      !order || order.size() < pairs * 4 || !tiles || tiles.size() < tile_words * 4)
    return host::Status::error("f32_moe_group: bad sizes or short buffers");
  OSSVK_ASSIGN_OR_RETURN(
      const host::Pipeline* group,
      device.pipelines().get(
          {std::string(kernel_names::f32_moe_group), {}, sizeof(shaders::MoeGroupPush)}));
  shaders::MoeGroupPush gp{ids.address(), order.address(), tiles.address(), tokens, top_k, experts,
                           tile};
  stream.dispatch(*group, &gp, 1);
  return {};
}

}  // namespace ossvk
