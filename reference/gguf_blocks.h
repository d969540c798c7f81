// Reference decoders for GGUF quantized blocks, straight from the file layout
// (../shared/spec/gptoss.md §3.4 and §4). Plain C++, no shared code with backend/.
#pragma once
#include <cstdint>

namespace ossvk::reference {

// IEEE binary16 bits to float, exactly (subnormals, infinities and NaN included).
float f16_to_f32(uint16_t bits);

// E2M1 code (0..15) to its value: +-{0, 0.5, 1, 1.5, 2, 3, 4, 6}.
float e2m1_to_f32(uint8_t code);

// E8M0 scale byte to 2^(s-127), built as fp32 bits; 0x00 is the denormal 2^-127, 0xFF is NaN.
float e8m0_to_f32(uint8_t s);

// GGUF block_mxfp4 (type 39), 17 bytes: e (E8M0), qs[16]; element j is the low nibble of qs[j]
// and element j+16 its high nibble.
constexpr int kMxfp4BlockBytes = 17;
void decode_mxfp4_block(const uint8_t* block, float out[32]);

// GGUF block_q8_0 (type 8), 34 bytes: d (fp16, little-endian), qs[32] (int8); value = d * qs[j].
constexpr int kQ8_0BlockBytes = 34;
void decode_q8_0_block(const uint8_t* block, float out[32]);

}  // namespace ossvk::reference
