// Error types of nanodecoh. Library code never calls exit(): it throws one of
// these, and the CLI turns any of them into one line on stderr and exit code 2.
#pragma once

#include <stdexcept>
#include <string>

namespace nanodecoh {

/// Base of every error nanodecoh throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A parameter outside its allowed range. The message names the parameter,
/// the value and what is allowed: "radius = -1e-07: expected a finite value > 0".
class InvalidArgument : public Error {
 public:
  InvalidArgument(std::string parameter, std::string value, std::string allowed);
  const std::string& parameter() const noexcept { return parameter_; }
  const std::string& value() const noexcept { return value_; }
  const std::string& allowed() const noexcept { return allowed_; }

 private:
  std::string parameter_;
  std::string value_;
  std::string allowed_;
};

/// A feature whose backend was not compiled into this build (e.g. CUDA).
class NotCompiled : public Error {
 public:
  using Error::Error;
};

/// A failed CUDA runtime or cuFFT call; the message names the call and the code.
class CudaError : public Error {
 public:
  using Error::Error;
};

/// An allocation that would not fit in host or device memory.
class OutOfMemory : public Error {
 public:
  using Error::Error;
};

/// A computation whose estimated time exceeds the user's --max-time (refused before its bulk).
class TimeLimit : public Error {
 public:
  using Error::Error;
};

/// A file that cannot be read, written or parsed.
class IoError : public Error {
 public:
  using Error::Error;
};

/// Numerical failure: NaN or inf in a result, or a quadrature that did not converge.
class NumericalError : public Error {
 public:
  using Error::Error;
};

/// A long computation stopped on request (SIGINT/SIGTERM in the CLI) before it finished;
/// nothing was written. The CLI exits with code 130.
class Interrupted : public Error {
 public:
  using Error::Error;
};

}  // namespace nanodecoh
