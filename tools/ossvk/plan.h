// `ossvk plan`: where a model's weights would go, without uploading, and the one-line summary
// every command that uploads prints first.
#pragma once
#include <string>
#include <vector>

#include "ossvk.h"

namespace ossvk_cli {

// "plan: DEVICE: weights X MiB + K/V cache Y MiB (C positions) of Z MiB; experts of layers
// 0-N in system memory (W MiB)".
std::string plan_line(const ossvk_placement& p);
// The placement on each of the model's devices; empty where the model has none (api.last_error
// says why).
std::vector<ossvk_placement> placements(const ossvk_api& api, const ossvk_model* model);
int run_plan(const ossvk_api& api, int argc, char** argv);

}  // namespace ossvk_cli
