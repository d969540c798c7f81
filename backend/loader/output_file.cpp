#include "backend/loader/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>

namespace ossvk {
namespace {

// Temporaries being written, for the signal handler: fixed storage, so the handler only reads
// memory and calls unlink, both async-signal-safe.
struct PendingFile {
  std::atomic<bool> used{false};
  char path[PATH_MAX + 32] = {};
};
std::array<PendingFile, 16> g_pending;

constexpr std::array<int, 3> kSignals = {SIGINT, SIGTERM, SIGHUP};
std::mutex g_handler_mutex;
int g_writers = 0;
std::array<bool, kSignals.size()> g_installed{};

void remove_pending_and_reraise(int sig) {
  for (PendingFile& p : g_pending)
    if (p.used.load(std::memory_order_acquire)) unlink(p.path);
  signal(sig, SIG_DFL);  // the default action, which ends the process once the handler returns
  raise(sig);
}

// Claims a slot for `tmp` and, for the first writer, takes each signal whose action is the
// default (termination); released by the destructor.
class PendingGuard {
 public:
  explicit PendingGuard(const std::string& tmp) {
    std::lock_guard lock(g_handler_mutex);
    for (PendingFile& p : g_pending) {
      if (p.used.load(std::memory_order_relaxed) || tmp.size() >= sizeof p.path) continue;
      std::memcpy(p.path, tmp.c_str(), tmp.size() + 1);
      p.used.store(true, std::memory_order_release);
      slot_ = &p;
      break;
    }
    if (g_writers++ > 0) return;
    for (size_t i = 0; i < kSignals.size(); ++i) {
      struct sigaction old {};
      sigaction(kSignals[i], nullptr, &old);
      g_installed[i] = !(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL;
      if (!g_installed[i]) continue;
      struct sigaction sa {};
      sa.sa_handler = remove_pending_and_reraise;
      sigemptyset(&sa.sa_mask);
      sigaction(kSignals[i], &sa, nullptr);
    }
  }
  ~PendingGuard() {
    std::lock_guard lock(g_handler_mutex);
    if (slot_) slot_->used.store(false, std::memory_order_release);
    if (--g_writers > 0) return;
    for (size_t i = 0; i < kSignals.size(); ++i)
      if (g_installed[i]) signal(kSignals[i], SIG_DFL);
  }
  PendingGuard(const PendingGuard&) = delete;
  PendingGuard& operator=(const PendingGuard&) = delete;

 private:
  PendingFile* slot_ = nullptr;
};

std::string why(const std::string& path, const std::string& what) {
  return path + ": " + what;
}

// Where `path` leads (a link's file) and what is there; "" when it may be written.
struct Target {
  std::string path;
  bool exists = false;
  struct stat st {};
};
std::string resolve(const std::string& path, const std::vector<std::string>& inputs, Target& t) {
  if (path.empty()) return "the output path is empty";
  // A link is followed to the file it names, so the link itself stays as the user made it.
  t.path = path;
  if (lstat(path.c_str(), &t.st) == 0 && S_ISLNK(t.st.st_mode)) {
    char* real = realpath(path.c_str(), nullptr);
    if (!real) return why(path, "a link to nothing (" + std::string(std::strerror(errno)) + ")");
    t.path = real;
    std::free(real);
  }
  t.exists = stat(t.path.c_str(), &t.st) == 0;
  if (t.exists && !S_ISREG(t.st.st_mode))
    return why(path, "exists and is not a regular file; ossvk writes only regular files");
  if (t.exists)
    for (const std::string& input : inputs) {
      struct stat in {};
      if (stat(input.c_str(), &in) == 0 && in.st_dev == t.st.st_dev && in.st_ino == t.st.st_ino)
        return why(path, "is " + (input == path ? std::string("an input") : "the input " + input) +
                             " of this run; refusing to overwrite it");
    }
  return "";
}

}  // namespace

std::string check_output_file(const std::string& path, const std::vector<std::string>& inputs) {
  Target t;
  return resolve(path, inputs, t);
}

std::string write_output_file(const std::string& path, const std::function<bool(FILE*)>& write,
                              const std::vector<std::string>& inputs) {
  Target t;
  if (std::string e = resolve(path, inputs, t); !e.empty()) return e;
  const std::string& target = t.path;
  const bool exists = t.exists;
  const struct stat& st = t.st;
  const std::string tmp = target + ".tmp." + std::to_string(getpid());
  PendingGuard pending(tmp);
  // O_EXCL: a file or link already at the temporary's name is never written through.
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) return why(path, "cannot create " + tmp + ": " + std::strerror(errno));
  FILE* f = fdopen(fd, "wb");
  if (!f) {
    const std::string e = std::strerror(errno);
    close(fd);
    unlink(tmp.c_str());
    return why(path, "cannot write: " + e);
  }
  errno = 0;
  bool ok = write(f) && std::fflush(f) == 0;
  int err = ok ? 0 : errno;
  if (ok && exists) fchmod(fileno(f), st.st_mode & 07777);
  if (std::fclose(f) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (ok && std::rename(tmp.c_str(), target.c_str()) != 0) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    unlink(tmp.c_str());
    return why(path, std::string("cannot write: ") + std::strerror(err ? err : EIO));
  }
  return "";
}

std::vector<std::string> model_input_files(const std::string& model_path) {
  std::vector<std::string> files = {model_path};
  std::error_code ec;
  if (std::filesystem::is_directory(model_path, ec))
    for (const auto& e : std::filesystem::directory_iterator(model_path, ec))
      files.push_back(e.path().string());
  return files;
}

}  // namespace ossvk
