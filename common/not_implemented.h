// mp::NotImplemented: what a kata starter throws where the learner's work is.
//
// Every function a learner writes starts life as
//
//   void Thread::start() {
//     // TODO(kata): ...
//     throw mp::NotImplemented("Thread::start", "run the target on a new std::thread");
//   }
//
// so a test that reaches it fails at once, naming the function and what it
// should do, instead of hanging or crashing. It derives from std::logic_error
// and not from mp::Error on purpose: a test that expects, say,
// mp::RuntimeError must not pass because a starter threw this.

#ifndef MPKATA_COMMON_NOT_IMPLEMENTED_H_
#define MPKATA_COMMON_NOT_IMPLEMENTED_H_

#include <stdexcept>
#include <string>

namespace mp {

class NotImplemented : public std::logic_error {
 public:
  NotImplemented(const std::string& function, const std::string& what_to_do)
      : std::logic_error("TODO: " + function + " is not written yet: " + what_to_do +
                         " (see the kata's README.md and HINTS.md)") {}
};

}  // namespace mp

#endif  // MPKATA_COMMON_NOT_IMPLEMENTED_H_
