// mp's exception types.
//
// Python's multiprocessing raises built-in exceptions whose names say what
// went wrong: RuntimeError when an object is used in the wrong state,
// ValueError for a bad argument, OSError when the operating system refuses.
// mp keeps those names, so a learner who reads Python's documentation knows
// what each C++ call throws:
//
//   mp::Thread worker(task);
//   worker.join();             // throws mp::RuntimeError: not started yet
//
//   int fd = CheckSystemCall("pipe", ::pipe(fds));   // throws mp::OSError
//
// Every mp exception derives from mp::Error, so `catch (const mp::Error&)`
// catches all of them and nothing else.

#ifndef MPKATA_COMMON_ERRORS_H_
#define MPKATA_COMMON_ERRORS_H_

#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>

namespace mp {

// The base of every exception mp throws on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An object was used in a state that does not allow the call: starting a
// thread twice, joining one that never started. Python: RuntimeError.
class RuntimeError : public Error {
 public:
  using Error::Error;
};

// An argument has the right type but a value the call cannot accept.
// Python: ValueError.
class ValueError : public Error {
 public:
  using Error::Error;
};

// A system call failed. what() names the call and the reason, for example
// "fork: Resource temporarily unavailable"; code() holds the errno.
// Python: OSError.
class OSError : public Error {
 public:
  OSError(const std::string& call, int error_number);

  const std::error_code& code() const noexcept { return code_; }

 private:
  std::error_code code_;
};

// CheckSystemCall(call, result)
//
// Returns `result` when it is not -1; otherwise throws mp::OSError naming
// `call` with the current errno. For the POSIX calls that report failure as
// -1 and set errno:
//
//   const int read_end = CheckSystemCall("open", ::open(path, O_RDONLY));
template <typename Result>
Result CheckSystemCall(const char* call, Result result) {
  if (result == Result(-1)) {
    throw OSError(call, errno);
  }
  return result;
}

}  // namespace mp

#endif  // MPKATA_COMMON_ERRORS_H_
