#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "zonnx/errors.h"
#include "zonnx/loader.h"
#include "zonnx/truncation_guard.h"

namespace zonnx {
namespace {

std::string errno_text(int error) { return std::error_code(error, std::generic_category()).message(); }

const char* file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a file";
}

class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() { ::close(fd_); }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

}  // namespace

std::shared_ptr<MappedFile> MappedFile::open(const std::string& path) {
  // Symlinks are followed (a linked model is fine). O_NONBLOCK keeps open()
  // from waiting for a writer when the path is a FIFO; it does not affect
  // mapping a regular file.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw ModelError(path, "cannot open: " + errno_text(errno));
  FdCloser closer(fd);

  struct stat info {};
  if (::fstat(fd, &info) != 0) throw ModelError(path, "cannot stat: " + errno_text(errno));
  if (!S_ISREG(info.st_mode)) {
    throw ModelError(path, std::string("not a regular file (") + file_kind(info.st_mode) + ")");
  }

  std::shared_ptr<MappedFile> file(new MappedFile());
  file->path_ = path;
  file->size_ = static_cast<uint64_t>(info.st_size);
  if (file->size_ == 0) return file;
  if (file->size_ > SIZE_MAX) throw ModelError(path, "file too large to map on this platform");

  void* map = ::mmap(nullptr, static_cast<size_t>(file->size_), PROT_READ, MAP_PRIVATE, fd, 0);
  if (map == MAP_FAILED) throw ModelError(path, "cannot map: " + errno_text(errno));
  file->data_ = static_cast<const uint8_t*>(map);
  file->mapped_ = true;
  // Kept for big files only (a batch may hold many small models at once); -1
  // is fine: convert then copies through the map.
  constexpr uint64_t kKeepFdFrom = uint64_t{64} << 20;
  if (file->size_ >= kKeepFdFrom) file->fd_ = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  track_mapping(map, static_cast<size_t>(file->size_), path.c_str());
  return file;
}

void MappedFile::read_into(uint64_t offset, uint64_t length, void* out) const {
  const std::string_view view = bytes(offset, length);  // bounds check
  if (fd_ < 0) {
    if (!view.empty()) std::memcpy(out, view.data(), view.size());
    return;
  }
  auto* to = static_cast<char*>(out);
  while (length > 0) {
    const ssize_t got = ::pread(fd_, to, static_cast<size_t>(length), static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw ModelError(path_, "cannot read: " + errno_text(errno));
    if (got == 0) throw ModelError(path_, "the file shrank while it was being read");
    to += got;
    offset += static_cast<uint64_t>(got);
    length -= static_cast<uint64_t>(got);
  }
}

std::shared_ptr<MappedFile> MappedFile::copy_of(std::string_view bytes, const std::string& name) {
  std::shared_ptr<MappedFile> file(new MappedFile());
  file->path_ = name;
  file->owned_.assign(bytes.data(), bytes.size());
  file->size_ = file->owned_.size();
  if (file->size_ > 0) file->data_ = reinterpret_cast<const uint8_t*>(file->owned_.data());
  return file;
}

MappedFile::~MappedFile() {
  if (fd_ >= 0) ::close(fd_);
  if (mapped_) {
    untrack_mapping(data_);
    ::munmap(const_cast<uint8_t*>(data_), static_cast<size_t>(size_));
  }
}

std::string_view MappedFile::bytes(uint64_t offset, uint64_t length) const {
  if (offset > size_ || length > size_ - offset) {
    throw std::out_of_range(path_ + ": bytes " + std::to_string(offset) + "+" + std::to_string(length) +
                            " outside the file (" + std::to_string(size_) + " bytes)");
  }
  if (length == 0) return {};
  return std::string_view(reinterpret_cast<const char*>(data_) + offset, static_cast<size_t>(length));
}

}  // namespace zonnx
