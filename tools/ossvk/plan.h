// `ossvk plan`: where a model's weights would go, without uploading, and the one-line summary
// every command that uploads prints first.
#pragma once
#include <string>

#include "ossvk.h"

namespace ossvk_cli {

// "plan: DEVICE: weights X MiB + K/V cache Y MiB (C positions) of Z MiB; experts of layers
// 0-N in system memory (W MiB)".
std::string plan_line(const ossvk_placement& p);
int run_plan(const ossvk_api& api, int argc, char** argv);

}  // namespace ossvk_cli
