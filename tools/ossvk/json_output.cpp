#include "ossvk/json_output.h"

#include <cstdio>

namespace ossvk_cli {

void print_json(const Json& j) {
  const std::string text = j.dump(-1, ' ', false, Json::error_handler_t::replace);
  std::printf("%s\n", text.c_str());
}

}  // namespace ossvk_cli
