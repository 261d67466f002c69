// The pool's wire format: how tasks and results travel on a worker's socket.
//
// Given, not a kata exercise: the kata is about processes and threads, and
// this is bookkeeping. Read it once; pool.cc uses it on both ends.
//
// Both directions carry FRAMES: an 8-byte length, then that many bytes. A
// stream socket delivers bytes, not messages: one recv() may return half a
// frame or ten of them, so the reader keeps what it has received in a
// buffer and takes whole frames off its front (TakeFrames).
//
//   task frame:    invoker address | f's address | arguments (mp::dumps)
//   result frame:  kValue     | the result's bytes (mp::dumps)
//                  kException | mp::dumps of (type name, message)
//
// Addresses are sent as raw bytes: they mean the same code in the worker,
// which is a fork of the pool's process (see pool.h).

#ifndef MPKATA_KATAS_08_POOL_MAP_WIRE_H_
#define MPKATA_KATAS_08_POOL_MAP_WIRE_H_

#include <cxxabi.h>
#include <signal.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "common/codec.h"
#include "katas/08_pool_map/pool.h"

namespace mp::internal {

using FrameLength = std::uint64_t;

// The first byte of a result frame.
enum ResultStatus : char { kValue = 0, kException = 1 };

// Appends one frame made of `parts`, one after the other, to `out`.
inline void AppendFrame(std::string& out, std::initializer_list<std::string_view> parts) {
  FrameLength length = 0;
  for (std::string_view part : parts) length += part.size();
  out.append(reinterpret_cast<const char*>(&length), sizeof(length));
  for (std::string_view part : parts) out.append(part);
}

// Calls `on_frame(body)` for each whole frame at the front of `buffer`, in
// order, then removes them; an incomplete last frame stays for later.
template <typename OnFrame>
void TakeFrames(std::string& buffer, OnFrame on_frame) {
  std::size_t offset = 0;
  while (buffer.size() - offset >= sizeof(FrameLength)) {
    FrameLength length;
    std::memcpy(&length, buffer.data() + offset, sizeof(length));
    if (buffer.size() - offset - sizeof(length) < length) break;
    on_frame(std::string_view(buffer.data() + offset + sizeof(length), length));
    offset += sizeof(length) + length;
  }
  buffer.erase(0, offset);
}

// A task as a frame, and back.
inline void AppendTaskFrame(std::string& out, const TaskSpec& task) {
  AppendFrame(out, {{reinterpret_cast<const char*>(&task.invoker), sizeof(task.invoker)},
                    {reinterpret_cast<const char*>(&task.f), sizeof(task.f)},
                    task.arguments});
}
struct TaskView {
  Invoker invoker;
  AnyFunction f;
  std::string_view arguments;
};
inline TaskView ReadTaskFrame(std::string_view frame) {
  TaskView task{};
  std::memcpy(&task.invoker, frame.data(), sizeof(task.invoker));
  std::memcpy(&task.f, frame.data() + sizeof(task.invoker), sizeof(task.f));
  task.arguments = frame.substr(sizeof(task.invoker) + sizeof(task.f));
  return task;
}

// Result frames: a value, or an exception's type name and message.
inline void AppendValueFrame(std::string& out, std::string_view value) {
  const char status = kValue;
  AppendFrame(out, {{&status, 1}, value});
}
inline void AppendExceptionFrame(std::string& out, const std::string& type_name,
                                 const std::string& message) {
  const char status = kException;
  AppendFrame(out, {{&status, 1}, dumps(std::make_pair(type_name, message))});
}
// What an exception frame's body (after its status byte) reports.
inline TaskError ReadException(std::string_view body) {
  TaskError error{TaskError::Kind::kRaised};
  try {
    std::tie(error.type_name, error.message) = loads<std::pair<std::string, std::string>>(body);
  } catch (const CodecError& garbled) {
    error.type_name = "mp::CodecError";
    error.message = garbled.what();
  }
  return error;
}

// Sends all of `bytes` on a blocking socket; false if the peer is gone.
// MSG_NOSIGNAL: a closed peer must give an error, not kill us with SIGPIPE.
inline bool SendAll(int socket, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = ::send(socket, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

// "std::out_of_range" for typeid(std::out_of_range).name().
inline std::string Demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> readable(
      abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  return status == 0 && readable ? readable.get() : mangled;
}

// How a process ended, for a message: "was killed by signal 9 (SIGKILL)"
// or "exited with code 3", from a Python-style exit code.
inline std::string DescribeExit(int exitcode) {
  if (exitcode < 0) {
    const char* name = ::sigabbrev_np(-exitcode);
    return "was killed by signal " + std::to_string(-exitcode) +
           (name ? std::string(" (SIG") + name + ")" : "");
  }
  return "exited with code " + std::to_string(exitcode);
}

}  // namespace mp::internal

#endif  // MPKATA_KATAS_08_POOL_MAP_WIRE_H_
