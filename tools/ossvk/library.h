// Finds and loads libossvk.so and fetches its function table through ossvk_get_api().
#pragma once
#include <string>

#include "ossvk.h"

namespace ossvk_cli {

// Looks in $OSSVK_LIBRARY, then ../lib/ beside this executable, then the loader's path.
// Returns null and fills `error` on failure.
const ossvk_api* load_library(std::string& error);

// The directory holding this executable.
std::string executable_dir();

}  // namespace ossvk_cli
