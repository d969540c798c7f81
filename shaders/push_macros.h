// Lets one push-constant declaration serve both GLSL and C++. In GLSL a struct becomes the
// kernel's push_constant block named `pc` and pointers are buffer_reference types; in C++ it is a
// plain struct in ossvk::shaders with 64-bit device addresses. Put 64-bit members first so both
// layouts (std430, C++) agree, and static_assert the size next to the launcher.
#ifndef OSSVK_SHADERS_PUSH_MACROS_H
#define OSSVK_SHADERS_PUSH_MACROS_H

#ifdef __cplusplus
#include <cstdint>
#define OSSVK_PUSH(name)     \
  namespace ossvk::shaders { \
  struct name
#define OSSVK_PUSH_END \
  ;                    \
  }
#define OSSVK_PTR(type, name) uint64_t name
#else
#define OSSVK_PUSH(name) layout(push_constant, std430) uniform name
#define OSSVK_PUSH_END pc;
#define OSSVK_PTR(type, name) type name
#endif

#endif
