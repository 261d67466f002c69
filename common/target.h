// What Python's Thread and Process constructors share.
//
// mp::internal::BindTarget: turns "a callable and its arguments" into one
// std::function<void()>, the way Python's Thread and Process take
// `target=f, args=(...)`.
//
//   std::function<void()> run = mp::internal::BindTarget(worker, 3, "x");
//   run();   // calls worker(3, "x")
//
// The arguments are decayed and copied into the function, as std::thread
// copies them: to share a variable, pass a pointer or std::ref. A target
// that cannot be called with the arguments is a compile error that says so,
// instead of pages of template errors.

#ifndef MPKATA_COMMON_TARGET_H_
#define MPKATA_COMMON_TARGET_H_

#include <atomic>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>

namespace mp::internal {

template <typename Target, typename... Args>
std::function<void()> BindTarget(Target&& target, Args&&... args) {
  static_assert(std::is_invocable_v<std::decay_t<Target>&, std::decay_t<Args>&...>,
                "mp: the target cannot be called with these arguments "
                "(check their number and types)");
  return [target = std::forward<Target>(target),
          ... args = std::forward<Args>(args)]() mutable { std::invoke(target, args...); };
}

// NextDefaultName<Kind>(prefix)
//
// Returns "prefix-1", "prefix-2", ...: Python's default names for threads
// ("Thread-1") and processes ("Process-1"), counted separately for each
// Kind. Safe to call from many threads at once.
template <typename Kind>
std::string NextDefaultName(const char* prefix) {
  static std::atomic<int> count{0};
  return std::string(prefix) + "-" + std::to_string(++count);
}

}  // namespace mp::internal

#endif  // MPKATA_COMMON_TARGET_H_
