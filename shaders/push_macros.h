// Lets one declaration of a kernel's interface serve both GLSL and C++.
//
// Push constants: in GLSL a struct becomes the kernel's push_constant block named `pc` and
// pointers are buffer_reference types; in C++ it is a plain struct in ossvk::shaders with 64-bit
// device addresses. Put 64-bit members first so both layouts (std430, C++) agree, and
// static_assert the size next to the launcher.
//
// Structs a kernel reads from device memory (OSSVK_BUFFER): in GLSL a buffer_reference type of
// that name, in C++ a plain struct in ossvk::shaders laid out alike, which the host uploads.
//
// Specialization constants: a kernel's header lists them once, as
//   #define NAME_SPEC(X) X(id, type, glslName, cpp_name, default) ...
// with type local_size (the workgroup's x size), uint, float or bool. OSSVK_SPEC_STRUCT(Name,
// NAME_SPEC) makes the C++ struct ossvk::shaders::Name, one member per constant, whose words()
// are the pipeline's constants in id order (a static_assert checks the ids run 0, 1, 2, ...);
// the shader declares them with OSSVK_SPEC_CONSTANTS(NAME_SPEC).
#ifndef OSSVK_SHADERS_PUSH_MACROS_H
#define OSSVK_SHADERS_PUSH_MACROS_H

#ifdef __cplusplus
#include <bit>
#include <cstdint>
#include <initializer_list>
#include <vector>
#define OSSVK_PUSH(name)     \
  namespace ossvk::shaders { \
  struct name
#define OSSVK_PUSH_END \
  ;                    \
  }
#define OSSVK_PTR(type, name) uint64_t name
#define OSSVK_BUFFER(name)   \
  namespace ossvk::shaders { \
  struct name
#define OSSVK_BUFFER_END \
  ;                      \
  }

namespace ossvk::shaders {
constexpr uint32_t spec_word(uint32_t v) {
  return v;
}
constexpr uint32_t spec_word(float v) {
  return std::bit_cast<uint32_t>(v);
}
constexpr uint32_t spec_word(bool v) {
  return v ? 1u : 0u;
}
constexpr bool spec_ids_in_order(std::initializer_list<int> ids) {
  int next = 0;
  for (int id : ids)
    if (id != next++) return false;
  return true;
}
}  // namespace ossvk::shaders
#define OSSVK_SPEC_TYPE_local_size uint32_t
#define OSSVK_SPEC_TYPE_uint uint32_t
#define OSSVK_SPEC_TYPE_float float
#define OSSVK_SPEC_TYPE_bool bool
#define OSSVK_SPEC_MEMBER(id, type, glsl, cpp, def) OSSVK_SPEC_TYPE_##type cpp = def;
#define OSSVK_SPEC_WORD(id, type, glsl, cpp, def) spec_word(cpp),
#define OSSVK_SPEC_ID(id, type, glsl, cpp, def) id,
#define OSSVK_SPEC_STRUCT(name, list)                                         \
  namespace ossvk::shaders {                                                  \
  struct name {                                                               \
    list(OSSVK_SPEC_MEMBER) std::vector<uint32_t> words() const {             \
      return {list(OSSVK_SPEC_WORD)};                                         \
    }                                                                         \
  };                                                                          \
  static_assert(spec_ids_in_order({list(OSSVK_SPEC_ID)}),                     \
                #name ": specialization constant ids must run 0, 1, 2, ..."); \
  }
#define OSSVK_SPEC_CONSTANTS(list)
#else
#define OSSVK_PUSH(name) layout(push_constant, std430) uniform name
#define OSSVK_PUSH_END pc;
#define OSSVK_PTR(type, name) type name
#define OSSVK_BUFFER(name) layout(buffer_reference, std430, buffer_reference_align = 8) buffer name
#define OSSVK_BUFFER_END ;
#define OSSVK_SPEC_DECL_local_size(id, glsl, def) layout(local_size_x_id = id) in;
#define OSSVK_SPEC_DECL_uint(id, glsl, def) layout(constant_id = id) const uint glsl = def;
#define OSSVK_SPEC_DECL_float(id, glsl, def) layout(constant_id = id) const float glsl = def;
#define OSSVK_SPEC_DECL_bool(id, glsl, def) layout(constant_id = id) const bool glsl = def;
#define OSSVK_SPEC_DECL(id, type, glsl, cpp, def) OSSVK_SPEC_DECL_##type(id, glsl, def)
#define OSSVK_SPEC_STRUCT(name, list)
#define OSSVK_SPEC_CONSTANTS(list) list(OSSVK_SPEC_DECL)
#endif

#endif
