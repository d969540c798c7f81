#include "host/live_objects.h"

#include <mutex>

namespace ossvk::host {
namespace {

std::mutex& counts_mutex() {
  static std::mutex m;
  return m;
}

ObjectCounts& counts() {
  static ObjectCounts c;
  return c;
}

}  // namespace

ObjectCounts live_objects() {
  std::lock_guard lock(counts_mutex());
  return counts();
}

void count_object(VkObjectType type, int delta) {
  std::lock_guard lock(counts_mutex());
  auto& c = counts();
  if ((c[type] += delta) == 0) c.erase(type);
}

}  // namespace ossvk::host
