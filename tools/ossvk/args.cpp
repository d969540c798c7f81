#include "ossvk/args.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace ossvk_cli {

Args::Args(int argc, char** argv, std::set<std::string> with_value, std::set<std::string> flags) {
  for (int i = 0; i < argc && error_.empty(); ++i) {
    const std::string a = argv[i];
    if (flags.count(a)) {
      values_.insert_or_assign(a, std::string(1, '1'));
    } else if (with_value.count(a)) {
      if (i + 1 >= argc)
        error_ = a + " needs a value";
      else
        every_[a].push_back(values_[a] = argv[++i]);
    } else {
      error_ = "unknown option '" + a + "'";
    }
  }
}

std::string Args::str(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

std::vector<std::string> Args::all(const std::string& name) const {
  auto it = every_.find(name);
  return it == every_.end() ? std::vector<std::string>{} : it->second;
}

uint64_t Args::uint(const std::string& name, uint64_t fallback, uint64_t max) {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(it->second.c_str(), &end, 10);
  if (it->second.empty() || *end || errno || it->second[0] == '-' || v > max) {
    if (error_.empty())
      error_ = name + " '" + it->second + "': expected an integer from 0 to " + std::to_string(max);
    return fallback;
  }
  return v;
}

uint64_t Args::bytes(const std::string& name, uint64_t fallback) {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  const std::string& v = it->second;
  size_t digits = 0;
  while (digits < v.size() && std::isdigit(static_cast<unsigned char>(v[digits]))) ++digits;
  std::string unit = v.substr(digits);
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.size() == 3 && unit.substr(1) == "IB") unit.resize(1);
  int shift = -1;
  for (const auto& [name, s] :
       {std::pair{"", 0}, {"B", 0}, {"K", 10}, {"M", 20}, {"G", 30}, {"T", 40}})
    if (unit == name) shift = s;
  errno = 0;
  const unsigned long long n = digits ? std::strtoull(v.substr(0, digits).c_str(), nullptr, 10) : 0;
  if (!digits || shift < 0 || errno || n > (UINT64_MAX >> shift)) {
    if (error_.empty())
      error_ = name + " '" + v + "': expected a size such as 24GiB, 512MiB or 4096 (bytes)";
    return fallback;
  }
  return uint64_t{n} << shift;
}

double Args::real(const std::string& name, double fallback) {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  if (it->second.empty() || *end || !std::isfinite(v)) {
    if (error_.empty()) error_ = name + " '" + it->second + "': expected a number";
    return fallback;
  }
  return v;
}

std::vector<uint32_t> Args::ids(const std::string& name) {
  std::vector<uint32_t> out;
  const std::string s = str(name);
  size_t start = 0;
  while (start <= s.size() && !s.empty()) {
    size_t comma = s.find(',', start);
    const std::string item = s.substr(start, comma == std::string::npos ? comma : comma - start);
    char* end = nullptr;
    errno = 0;
    const unsigned long v = std::strtoul(item.c_str(), &end, 10);
    if (item.empty() || *end || errno || item[0] == '-' || v > UINT32_MAX) {
      if (error_.empty()) error_ = name + ": '" + item + "' is not a token id";
      return {};
    }
    out.push_back(static_cast<uint32_t>(v));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (out.empty() && error_.empty()) error_ = name + " needs at least one token id";
  return out;
}

}  // namespace ossvk_cli
