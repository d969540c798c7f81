// The ossvk subcommands that run models: info, logits, generate, bench (models), make-model and
// selftest. Each returns the process exit code and prints errors to stderr.
#pragma once
#include "ossvk.h"

namespace ossvk_cli {

int run_info(const ossvk_api& api, int argc, char** argv);
int run_logits(const ossvk_api& api, int argc, char** argv);
int run_generate(const ossvk_api& api, int argc, char** argv);
int run_bench_model(const ossvk_api& api, int argc, char** argv);
int run_make_model(const ossvk_api& api, int argc, char** argv);
int run_selftest(const ossvk_api& api, int argc, char** argv);

}  // namespace ossvk_cli
