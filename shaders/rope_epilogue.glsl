// The matvec's RoPE epilogue (shaders/matvec.comp with kRopeDim = d): what f32_rope_kv_write does
// after the QKV projection, done where the projection's outputs are made. Needs common.glsl,
// rope_target.h and kv_cache.glsl.

// The weight row whose output is the run's logical row `row`: within each head of d rows, logical
// rows 2j and 2j + 1 are rows j and j + d/2, the two elements RoPE rotates together, so a
// subgroup's run of an even number of rows holds whole pairs.
uint rope_pair_row(uint row, uint d) {
  const uint in_head = row % d;
  return row - in_head + (in_head & 1u) * (d / 2u) + (in_head >> 1);
}

// Stores the outputs a, b of rows `row` and row + d/2 of the q, k, v stack (row within the first
// half of a head) for column c at position pos: q rotated and scaled, k rotated into its cache
// slot, v as it is.
void rope_store(RopeTarget t, uint d, uint row, uint c, uint pos, float a, float b) {
  const uint half_d = d / 2u, q_width = t.heads * d, kv_width = t.kv_heads * d;
  const uint slot = (pos % t.ring) * kv_width;
  if (row < q_width) {
    const vec2 r = rope_rotate(a, b, t.table.v[pos * half_d + row % d]) * t.q_scale;
    t.q.v[c * q_width + row] = r.x;
    t.q.v[c * q_width + row + half_d] = r.y;
    return;
  }
  const bool is_k = row < q_width + kv_width;
  const uint i = slot + row - (is_k ? q_width : q_width + kv_width);
  const vec2 r = is_k ? rope_rotate(a, b, t.table.v[pos * half_d + row % d]) : vec2(a, b);
  const uint64_t cache = uint64_t(is_k ? t.k_cache : t.v_cache);
  if (t.f16 != 0u) {
    kv_store_f16(cache, i, r.x);
    kv_store_f16(cache, i + half_d, r.y);
  } else {
    kv_store_f32(cache, i, r.x);
    kv_store_f32(cache, i + half_d, r.y);
  }
}
