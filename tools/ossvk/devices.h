// `ossvk devices [--json]`: every Vulkan device, its limits and features, and whether ossvk can
// use it.
#pragma once
#include "ossvk.h"

namespace ossvk_cli {
int run_devices(const ossvk_api& api, int argc, char** argv);
}
