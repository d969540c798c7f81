# cmake -DIN=file.txt -DOUT=file.cpp -P embed_text.cmake: the file's bytes as
# ossvk::bench::kMixedText.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" nchars)
math(EXPR count "${nchars} / 2")
string(REGEX REPLACE "(..)" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x..,){24})" "\\1\n  " bytes "${bytes}")
file(WRITE ${OUT} "// Generated from ${IN} by bench/embed_text.cmake.\n#include <cstddef>\n\nnamespace ossvk::bench {\nextern const unsigned char kMixedText[] = {\n  ${bytes}\n};\nextern const size_t kMixedTextBytes = ${count};\n}  // namespace ossvk::bench\n")
