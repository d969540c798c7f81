# cmake -DNAME=n -DIN=file.spv -DOUT=file.cpp -P embed_spirv.cmake
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" nchars)
math(EXPR rem "${nchars} % 8")
if(NOT rem EQUAL 0 OR nchars EQUAL 0)
  message(FATAL_ERROR "${IN} is not a whole number of 32-bit words")
endif()
# SPIR-V words are little-endian: byte order b0 b1 b2 b3 -> 0xb3b2b1b0.
string(REGEX REPLACE "(..)(..)(..)(..)" "0x\\4\\3\\2\\1u," words "${hex}")
string(REGEX REPLACE "(0x........u,0x........u,0x........u,0x........u,0x........u,0x........u,)" "\\1\n  " words "${words}")
math(EXPR count "${nchars} / 8")
file(WRITE ${OUT} "// Generated from ${NAME}.comp by cmake/embed_spirv.cmake.\n#include <cstddef>\n#include <cstdint>\n\nnamespace ossvk::spirv {\nextern const uint32_t k_${NAME}[] = {\n  ${words}\n};\nextern const size_t k_${NAME}_words = ${count};\n}  // namespace ossvk::spirv\n")
