// Reference element decoders, straight from the file layouts (docs/formats.md).
// Plain C++, no shared code with backend/.
#pragma once
#include <cstdint>

#include "reference/tensor_format.h"

namespace ossvk::reference {

// IEEE binary16 bits to float, exactly (subnormals, infinities and NaN included).
float f16_to_f32(uint16_t bits);
// bfloat16 bits to float (the top half of a binary32).
float bf16_to_f32(uint16_t bits);

// E2M1 code (0..15) to its value: +-{0, 0.5, 1, 1.5, 2, 3, 4, 6}.
float e2m1_to_f32(uint8_t code);

// E8M0 scale byte to 2^(s-127), built as fp32 bits; 0x00 is the denormal 2^-127, 0xFF is NaN.
float e8m0_to_f32(uint8_t s);

// GGUF block_mxfp4 (type 39), 17 bytes: e (E8M0), qs[16]; element j is the low nibble of qs[j]
// and element j+16 its high nibble.
void decode_mxfp4_block(const uint8_t* block, float out[32]);

// GGUF block_q8_0 (type 8), 34 bytes: d (fp16, little-endian), qs[32] (int8); value = d * qs[j].
void decode_q8_0_block(const uint8_t* block, float out[32]);

// GGUF block_q5_0 (type 6), 22 bytes: d (fp16), qh (u32 LE), qs[16]. Element j: low nibble of
// qs[j] | bit j of qh << 4; element j+16: high nibble | bit j+16 of qh << 4; value = d * (q - 16).
void decode_q5_0_block(const uint8_t* block, float out[32]);

// GGUF block_q4_0 (type 2), 18 bytes: d (fp16), qs[16]; element j low nibble, j+16 high nibble;
// value = d * (q - 8).
void decode_q4_0_block(const uint8_t* block, float out[32]);

// GGUF block_q4_1 (type 3), 20 bytes: d, m (fp16), qs[16]; element j low nibble, j+16 high
// nibble; value = d * q + m. `magnitude` (optional): |d * q| + |m| per element.
void decode_q4_1_block(const uint8_t* block, float out[32], float* magnitude = nullptr);

// GGUF block_q5_1 (type 7), 24 bytes: d, m (fp16), qh (u32 LE), qs[16]; codes as Q5_0's;
// value = d * q + m. `magnitude` as for Q4_1.
void decode_q5_1_block(const uint8_t* block, float out[32], float* magnitude = nullptr);

// GGUF block_iq4_nl (type 20), 18 bytes: d (fp16), qs[16]; nibbles as Q4_0's index
// kIq4nlValues; value = d * kIq4nlValues[q].
void decode_iq4_nl_block(const uint8_t* block, float out[32]);

// GGUF block_q4_K (type 12), 144 bytes for 256 elements: d, dmin (fp16), scales[12], qs[128].
// Sub-block s (32 elements) has a 6-bit scale sc and min m: for s < 4 the low 6 bits of
// scales[s] and scales[s + 4]; for s >= 4 the low and high nibbles of scales[s + 4] with the top
// two bits of scales[s - 4] and scales[s] above them. Its codes are the low (even s) or high (odd
// s) nibbles of qs[32 * (s / 2) ..]; value = d * sc * q - dmin * m. `magnitude` (optional):
// |d * sc * q| + |dmin * m|.
void decode_q4_k_block(const uint8_t* block, float out[256], float* magnitude = nullptr);

// GGUF block_q5_K (type 13), 176 bytes: d, dmin, scales[12] as Q4_K, qh[32], qs[128]; element l
// of sub-block s takes bit s of qh[l] as its fifth bit.
void decode_q5_k_block(const uint8_t* block, float out[256], float* magnitude = nullptr);

// GGUF block_q6_K (type 14), 210 bytes: ql[128], qh[64], scales[16] (int8), d (fp16). In each
// half n (128 elements), element 32t + l (t < 4) has low bits from ql[64n + 32 (t & 1) + l]
// (low nibble for t < 2, high for t >= 2), bits 4-5 from qh[32n + l] >> 2t, and scale
// scales[8n + 2t + l / 16]; value = d * sc * (q - 32).
void decode_q6_k_block(const uint8_t* block, float out[256]);

// GGUF block_iq4_xs (type 23), 136 bytes for 256 elements: d (fp16), scales_h (u16 LE),
// scales_l[4], qs[128]. Block ib (32 elements) has the 6-bit scale ls = nibble ib of scales_l
// (low nibble of byte ib/2 for even ib) | bits 2ib..2ib+1 of scales_h << 4, and IQ4_NL's codes in
// qs[16 ib ..]; value = d * (ls - 32) * kIq4nlValues[q].
void decode_iq4_xs_block(const uint8_t* block, float out[256]);

// GGUF block_q3_K (type 11), 110 bytes for 256: hmask[32], qs[64], scales[12], d (fp16). Block
// s = 4n + j (n the half of 128, j < 4) of 32 elements: element l has the 2-bit code
// (qs[32n + l] >> 2j) & 3, minus 4 unless bit 4n + j of hmask[l] is set, and the 6-bit scale k =
// 8n + 2j + l / 16: low nibble of scales[k] (k < 8) or high nibble of scales[k - 8], with bits
// 2(k / 4).. of scales[8 + k % 4] on top, minus 32. value = d * sc * q.
void decode_q3_k_block(const uint8_t* block, float out[256]);

// GGUF block_q2_K (type 10), 84 bytes for 256: scales[16], qs[64], d, dmin (fp16). Element l of
// block s = 4n + j has the code (qs[32n + l] >> 2j) & 3 and the byte k = scales[8n + 2j + l / 16]
// (low nibble a scale, high a min); value = d * (k & 15) * q - dmin * (k >> 4). `magnitude`
// (optional): |d * (k & 15) * q| + |dmin * (k >> 4)|.
void decode_q2_k_block(const uint8_t* block, float out[256], float* magnitude = nullptr);

// OpenAI/HF MXFP4: 16 bytes, byte j holds element 2j (low nibble) and 2j+1 (high), and the scale.
void decode_mxfp4_linear_block(const uint8_t* bytes, uint8_t scale, float out[32]);

}  // namespace ossvk::reference
