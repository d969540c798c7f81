// `ossvk serve`: an OpenAI-compatible HTTP server (cpp-httplib) over the generation engine.
// Returns the process's exit code.
#pragma once
#include "ossvk.h"

namespace ossvk_cli {

int run_serve(const ossvk_api& api, int argc, char** argv);

}  // namespace ossvk_cli
