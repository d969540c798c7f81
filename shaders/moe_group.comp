#version 460
#extension GL_GOOGLE_include_directive : require
// f32_moe_group: groups a prefill step's (token, slot) pairs by expert for the grouped expert
// matmuls: counts per expert, their prefix sums, the pairs listed expert by expert (order) and
// each expert's run cut into tiles of at most tile_n pairs. Experts no token chose get no tile.
// Within an expert the order of pairs is whatever the atomics give: each pair's output row is
// computed on its own, so the results do not depend on it. One workgroup; at most 256 experts.
#include "common.glsl"
#include "moe_group_push.h"

layout(local_size_x = 256) in;

shared uint counts[256];
shared uint cursor[256];

void main() {
  const uint lid = gl_LocalInvocationID.x;
  const uint pairs = pc.tokens * pc.top_k;
  for (uint e = lid; e < pc.experts; e += 256u) counts[e] = 0u;
  barrier();
  for (uint p = lid; p < pairs; p += 256u) atomicAdd(counts[pc.ids.v[p]], 1u);
  barrier();
  if (lid == 0u) {  // at most 256 experts and pairs / tile_n + 256 tiles: cheap serially
    uint at = 0u, n = 0u;
    for (uint e = 0u; e < pc.experts; ++e) {
      cursor[e] = at;
      for (uint b = 0u; b < counts[e]; b += pc.tile_n, ++n) {
        pc.tiles.v[1u + 3u * n] = e;
        pc.tiles.v[2u + 3u * n] = at + b;
        pc.tiles.v[3u + 3u * n] = at + min(b + pc.tile_n, counts[e]);
      }
      at += counts[e];
    }
    pc.tiles.v[0] = n;
  }
  barrier();
  for (uint p = lid; p < pairs; p += 256u) pc.order.v[atomicAdd(cursor[pc.ids.v[p]], 1u)] = p;
}
