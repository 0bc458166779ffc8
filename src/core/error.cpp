// Error types: message formatting for InvalidArgument.
#include "nanodecoh/error.hpp"

#include <utility>

namespace nanodecoh {

InvalidArgument::InvalidArgument(std::string parameter, std::string value, std::string allowed)
    : Error(parameter + " = " + value + ": expected " + allowed),
      parameter_(std::move(parameter)),
      value_(std::move(value)),
      allowed_(std::move(allowed)) {}

}  // namespace nanodecoh
