// The weight layouts GPT-OSS checkpoints come in, as facts about bytes (no code). The reference
// decoders here and the backend's repacking both follow these descriptions; each has its own
// decoder, so a mistake in one cannot hide in the other.
#pragma once
#include <cstdint>
#include <span>
#include <string>

namespace ossvk {

enum class TensorFormat : uint8_t {
  f32,           // little-endian IEEE binary32 (GGUF type 0, safetensors F32)
  f16,           // IEEE binary16 (GGUF type 1, safetensors F16)
  bf16,          // bfloat16 (GGUF type 30, safetensors BF16)
  q8_0,          // GGUF type 8: 34-byte blocks, fp16 d + int8 q[32]; v = d*q
  q5_0,          // GGUF type 6: 22-byte blocks, fp16 d, qh u32, qs[16]; v = d*(q-16), split order
  q4_0,          // GGUF type 2: 18-byte blocks, fp16 d, qs[16]; v = d*(q-8), split order
  mxfp4,         // GGUF type 39: 17-byte blocks, E8M0 e, qs[16]; split nibble order
  mxfp4_linear,  // OpenAI/HF *_blocks [m][k/32][16] + *_scales [m][k/32] (also MLX mxfp4, whose
                 // uint32 words are the same bytes): byte j holds elements 2j (low), 2j+1 (high)
  mlx_affine8,   // MLX affine b-bit (mlx_affine<b>): each row one little-endian, LSB-first bit
                 // stream in uint32 words, element i at bits [b*i, b*i + b) (for b = 3, 5, 6 a
                 // code may straddle two words); per-group scale and bias in bf16, fp16 or f32;
                 // v = scale*q + bias
  mlx_affine4,
  q4_1,    // GGUF type 3: 20-byte blocks, fp16 d, fp16 m, qs[16]; v = d*q + m, split order
  q5_1,    // GGUF type 7: 24-byte blocks, fp16 d, fp16 m, qh u32, qs[16]; v = d*q + m
  iq4_nl,  // GGUF type 20: 18-byte blocks, fp16 d, qs[16]; v = d*kIq4nlValues[q], split order
  q4_k,    // GGUF type 12: 144-byte blocks of 256, fp16 d, dmin, 12 bytes of 6-bit sub-block
           // scales and mins, qs[128]; v = d*sc*q - dmin*m per sub-block of 32
  q5_k,    // GGUF type 13: 176-byte blocks of 256, as q4_k plus qh[32] (fifth bits)
  q6_k,    // GGUF type 14: 210-byte blocks of 256, ql[128], qh[64], int8 scales[16] (one per
           // 16 elements), fp16 d; v = d*sc*(q-32)
  iq4_xs,  // GGUF type 23: 136-byte blocks of 256, fp16 d, 6-bit scales (scales_h u16,
           // scales_l[4]), qs[128]; v = d*(ls-32)*kIq4nlValues[q] per block of 32
  q3_k,    // GGUF type 11: 110-byte blocks of 256, hmask[32], qs[64], 12 bytes of 6-bit
           // scales (one per 16), fp16 d; v = d*(sc-32)*(q - 4 + 4*hbit)
  q2_k,    // GGUF type 10: 84-byte blocks of 256, scales[16] (4-bit scale | 4-bit min per
           // 16), qs[64], fp16 d, dmin; v = d*sc*q - dmin*m
  mlx_affine2,
  mlx_affine3,
  mlx_affine5,
  mlx_affine6,
};
inline constexpr int kTensorFormatCount = 23;

// The code width of an MLX affine format (2, 3, 4, 5, 6 or 8), or 0 for any other format.
uint32_t mlx_affine_bits(TensorFormat format);
// The MLX affine format of `bits`; false for a width MLX does not write.
bool mlx_affine_format(uint32_t bits, TensorFormat* format);

// The dtype of MLX affine scales and biases (that of the model they were quantized from).
enum class ScaleDtype : uint8_t { bf16, f16, f32 };
inline uint32_t scale_dtype_bytes(ScaleDtype t) {
  return t == ScaleDtype::f32 ? 4 : 2;
}

// IQ4_NL's 16 levels, indexed by the 4-bit code (ggml's kvalues_iq4nl).
inline constexpr int8_t kIq4nlValues[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                            1,    13,   25,  38,  53,  69,  89,  113};

struct TensorFormatInfo {
  const char* name;
  uint32_t gguf_type;       // ggml type id, or kNoGgufType
  uint32_t block_elements;  // 32, or 256 for the K-quants' super-blocks (1 for 16/32-bit)
  uint32_t block_bytes;     // bytes of `data` per block (scales included when in-band)
  bool separate_scales;     // scales (and for affine, biases) come as their own arrays
  bool affine;              // scale and bias per group of group_size elements
};

inline constexpr uint32_t kNoGgufType = 0xFFFFFFFF;
// The kernels' block: every format's blocks are a whole number of these.
inline constexpr uint32_t kBlockElements = 32;

const TensorFormatInfo& tensor_format_info(TensorFormat format);

// The layout of a GGUF tensor of ggml type id `gguf_type`; false for types ossvk does not read.
bool tensor_format_from_gguf(uint32_t gguf_type, TensorFormat* format);
// The GGUF types ossvk reads, for error messages: "F32, F16, BF16, ...".
std::string gguf_types_read();

// One 2-D weight matrix, m rows (outputs) of k elements (inputs), in its file layout.
struct TensorData {
  TensorFormat format = TensorFormat::f32;
  uint64_t m = 0;
  uint64_t k = 0;
  std::span<const uint8_t> data;
  std::span<const uint8_t> scales;  // mxfp4_linear: E8M0 bytes [m][k/32]; affine: [m][k/group]
  std::span<const uint8_t> biases;  // affine: [m][k/group], same dtype as scales
  uint32_t group_size = 32;         // affine: 32, 64 or 128
  ScaleDtype scale_dtype = ScaleDtype::bf16;  // affine: of scales and biases

  uint64_t expected_data_bytes() const {
    const TensorFormatInfo& f = tensor_format_info(format);
    return m * (k / f.block_elements) * f.block_bytes;
  }
  uint64_t expected_scale_bytes() const;  // 0 when scales are in-band
};

}  // namespace ossvk
