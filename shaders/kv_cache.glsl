// K/V cache element access: fp32, or with KV_F16 fp16 (16-bit storage, one element per store).
float kv_load_f16(uint64_t cache, uint i) { return unpackHalf2x16(uint(U16Buf(cache).v[i])).x; }
void kv_store_f16(uint64_t cache, uint i, float x) {
  U16Buf(cache).v[i] = uint16_t(packHalf2x16(vec2(x, 0.0)));
}
float kv_load_f32(uint64_t cache, uint i) { return FloatBuf(cache).v[i]; }
void kv_store_f32(uint64_t cache, uint i, float x) { FloatBuf(cache).v[i] = x; }
#ifdef KV_F16
#define kv_load kv_load_f16
#define kv_store kv_store_f16
#else
#define kv_load kv_load_f32
#define kv_store kv_store_f32
#endif

// RoPE's rotation of the pair (a, b), elements j and j + d/2 of a head, by (cos, sin) x
// concentration: the same arithmetic wherever q and k are rotated.
vec2 rope_rotate(float a, float b, vec2 cs) {
  return vec2(a * cs.x - b * cs.y, b * cs.x + a * cs.y);
}

// The keys [x, y) queries at positions first..last may see (causal, within `window` of the
// first when non-zero), and with splits > 1 split z's run of split_keys of them.
uvec2 key_run(uint first, uint last, uint z, uint window, uint splits, uint split_keys) {
  uint begin = window != 0u && first + 1u > window ? first + 1u - window : 0u;
  uint end = last + 1u;
  if (splits > 1u) {
    begin += z * split_keys;
    end = min(end, begin + split_keys);
  }
  return uvec2(begin, end);
}

// A step's first position: the pushed one plus the word `position` points at: a replayed
// decode step's (rewritten before each submission), else the device's zero word. Never null:
// a compiler may hoist the load above a null test.
uint step_first_pos(uint pushed, U32Buf position) {
  return pushed + position.v[0];
}
