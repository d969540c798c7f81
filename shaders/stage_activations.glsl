// The GPUs' layout of the decode kernels' activations (backend/kernels/matmul.h, gpu_layout). A
// lane takes whole 32-element blocks, whose activations are 128 contiguous bytes, so its eight
// vec4 loads straight from memory touch a cache line per lane. Staged, the workgroup loads a run
// of blocks coalesced into shared memory, part-major with an odd stride so that neither the
// stores nor the reads collide in banks, and each lane reads its block back. The kernel defines
// kStageBlocks (the most blocks a run holds; 0: no staging) and STAGE_LOAD(i), its vec4 i.
const uint kStageStride = kStageBlocks + 1u;
shared vec4 x_stage[kStageBlocks > 0u ? 8u * kStageStride : 1u];

// Stages `blocks` (<= kStageBlocks) blocks from vec4 `first` on. Called by the whole workgroup:
// its first barrier waits for the previous run's readers, its second for this run's stores.
void stage_blocks(uint first, uint blocks) {
  barrier();
  for (uint g = gl_LocalInvocationIndex; g < blocks * 8u; g += gl_WorkGroupSize.x)
    x_stage[(g & 7u) * kStageStride + (g >> 3)] = STAGE_LOAD(first + g);
  barrier();
}

// The activations of staged block `block` (0-based within the run).
void staged_block(uint block, out vec4 x[8]) {
  [[unroll]] for (uint i = 0; i < 8u; ++i) x[i] = x_stage[i * kStageStride + block];
}
