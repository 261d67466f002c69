#include "common/errors.h"

#include <cerrno>
#include <system_error>

namespace mp {

OSError::OSError(const std::string& call, int error_number)
    : Error(call + ": " + std::generic_category().message(error_number)),
      code_(error_number, std::generic_category()) {}

}  // namespace mp
