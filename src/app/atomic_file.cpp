#include "zonnx/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ext/stdio_filebuf.h>
#include <filesystem>
#include <stdexcept>

#include "zonnx/truncation_guard.h"

namespace zonnx {
namespace fs = std::filesystem;

namespace {
[[noreturn]] void fail(const std::string& path, const std::string& what, int err) {
  throw std::runtime_error(path + ": " + what + ": " + std::strerror(err));
}
}  // namespace

void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write,
                           Durability durability) {
  const bool synced = durability == Durability::Synced;
  fs::path target(path);
  fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::string templ = (dir / ("." + target.filename().string() + ".zonnx-XXXXXX")).string();
  int fd = mkstemp(templ.data());
  if (fd < 0) fail(path, "cannot create a temporary file next to it", errno);
  // Removed by the truncation guard too, if an input shrinks under its mapping mid-write.
  track_temp_output(templ.c_str());
  // Keep the mode of a file we replace; new files get the usual 0666 & ~umask.
  struct stat st {};
  mode_t mode;
  if (stat(path.c_str(), &st) == 0) {
    mode = st.st_mode & 07777;
  } else {
    mode_t mask = umask(0);
    umask(mask);
    mode = 0666 & ~mask;
  }
  bool ok = false;
  try {
    {
      __gnu_cxx::stdio_filebuf<char> buf(fd, std::ios::out | std::ios::binary);
      std::ostream out(&buf);
      write(out);
      out.flush();
      if (!out) fail(path, "write failed", errno ? errno : EIO);
      if (fchmod(fd, mode) != 0) fail(path, "cannot set permissions", errno);
      if (synced && fsync(fd) != 0) fail(path, "fsync failed", errno);
      // Without the fsync, close is where a deferred write error can still show.
      errno = 0;
      if (!buf.close()) fail(path, "write failed on close", errno ? errno : EIO);
    }
    if (std::rename(templ.c_str(), path.c_str()) != 0) fail(path, "cannot rename the temporary file", errno);
    ok = true;
    untrack_temp_output(templ.c_str());
    if (!synced) return;
    int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
      fsync(dfd);
      close(dfd);
    }
  } catch (...) {
    if (!ok) {
      unlink(templ.c_str());
      untrack_temp_output(templ.c_str());
    }
    throw;
  }
}

}  // namespace zonnx
