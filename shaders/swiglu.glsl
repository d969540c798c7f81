// gpt-oss's clamped SwiGLU of gate and up values (docs/model.md, "MoE"): the gate clamped from
// above, up from both sides, then gate * sigmoid(alpha * gate) * (up + 1). Needs the includer's
// kAlpha and kLimit.
vec4 swiglu(vec4 gate, vec4 up) {
  const vec4 g = min(gate, vec4(kLimit));
  const vec4 u = clamp(up, vec4(-kLimit), vec4(kLimit));
  return g / (1.0 + exp(-kAlpha * g)) * (u + 1.0);
}
