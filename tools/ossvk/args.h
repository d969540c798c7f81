// A small option parser for the ossvk subcommands: --name value pairs and flags, every value
// checked, every unknown option an error that names it.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace ossvk_cli {

class Args {
 public:
  // `with_value`: options that take a value; `flags`: options that do not.
  Args(int argc, char** argv, std::set<std::string> with_value, std::set<std::string> flags);
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  bool has(const std::string& name) const { return values_.count(name) != 0; }
  std::string str(const std::string& name, const std::string& fallback = "") const;
  // Every value of an option that may repeat, in order (str() gives the last).
  std::vector<std::string> all(const std::string& name) const;
  // Numbers: a malformed or out-of-range value sets error() and returns the fallback.
  uint64_t uint(const std::string& name, uint64_t fallback, uint64_t max = UINT32_MAX);
  double real(const std::string& name, double fallback);
  // A size: an integer with an optional unit, B, KiB, MiB, GiB or TiB (K, M, G, T alone mean
  // the same powers of 1024): "24GiB", "512M", "4096".
  uint64_t bytes(const std::string& name, uint64_t fallback);
  std::vector<uint32_t> ids(const std::string& name);  // "1,2,3"

 private:
  std::map<std::string, std::string> values_;
  std::map<std::string, std::vector<std::string>> every_;
  std::string error_;
};

}  // namespace ossvk_cli
