// Every --json output of the command line goes through one writer: a JSON library's, so names
// holding quotes, backslashes or control characters stay valid JSON (invalid UTF-8 is replaced).
#pragma once
#include <nlohmann/json.hpp>

namespace ossvk_cli {

using Json = nlohmann::ordered_json;  // keys in the order they are set

// One document on stdout, then a newline.
void print_json(const Json& j);

}  // namespace ossvk_cli
