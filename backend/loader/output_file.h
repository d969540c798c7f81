// Writing a file the user named (--out) without ever damaging another: the bytes go to a new
// temporary beside the target and are renamed over it only when all were written. Refused before
// anything is written: a target that exists and is not a regular file (a device node, FIFO or
// folder is never replaced), a link to nothing, and a target that is one of the run's input
// files (or a link to one). A link to a regular file writes the file it points to and keeps the
// link; a replaced file keeps its permissions. SIGINT, SIGTERM or SIGHUP arriving while the
// temporary exists remove it before the process ends (only where the signal would end the
// process anyway: a handler the program installed is left alone).
#pragma once
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace ossvk {

// `write` puts every byte into the stream and says whether it could. Returns "" on success, else
// a message that names `path` and why.
std::string write_output_file(const std::string& path, const std::function<bool(FILE*)>& write,
                              const std::vector<std::string>& inputs = {});

// The same refusals, checked before a long run rather than after it; "" when `path` may be
// written.
std::string check_output_file(const std::string& path, const std::vector<std::string>& inputs = {});

// The files a run reads from `model_path`: the path itself, and for a folder each entry in it.
std::vector<std::string> model_input_files(const std::string& model_path);

}  // namespace ossvk
