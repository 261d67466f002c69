// mp::UniqueFd: owns one file descriptor and closes it exactly once.
//
// Every descriptor mp hands out (a process's sentinel, the ends of a pipe)
// is held by a UniqueFd, so that no path, an exception included, leaks one
// or closes one twice. It is to a descriptor what std::unique_ptr is to
// heap memory: move-only, and closing when it goes out of scope.
//
//   mp::UniqueFd read_end(CheckSystemCall("open", ::open(path, O_RDONLY | O_CLOEXEC)));
//   ::read(read_end.get(), buffer, size);
//   // closed here
//
// -1 means "no descriptor". Header-only: it is small and on hot paths.

#ifndef MPKATA_COMMON_UNIQUE_FD_H_
#define MPKATA_COMMON_UNIQUE_FD_H_

#include <unistd.h>

#include <utility>

namespace mp {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  ~UniqueFd() { reset(); }

  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  // The descriptor, still owned by this object; -1 if none.
  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return valid(); }

  // Gives up ownership without closing; returns the descriptor.
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

  // Closes the descriptor held (if any) and takes `fd` instead. close() is
  // not retried on EINTR: on Linux the descriptor is released either way.
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace mp

#endif  // MPKATA_COMMON_UNIQUE_FD_H_
