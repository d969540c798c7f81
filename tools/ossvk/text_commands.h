// The ossvk subcommands that speak text: tokenize, detokenize and chat (Harmony). Each returns
// the process exit code and prints errors to stderr.
#pragma once
#include "ossvk.h"

namespace ossvk_cli {

int run_tokenize(const ossvk_api& api, int argc, char** argv);
int run_detokenize(const ossvk_api& api, int argc, char** argv);
int run_chat(const ossvk_api& api, int argc, char** argv);

}  // namespace ossvk_cli
