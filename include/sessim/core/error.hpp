#pragma once
/// The sessim::error hierarchy: bad input and I/O failures, each carrying where it happened.
#include <cstdint>
#include <stdexcept>
#include <string>

namespace sessim {

/// Base of every error sessim throws for bad input or failed I/O. what() is one line.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  /// Process exit code the CLI uses for this kind of error.
  virtual int exit_code() const noexcept { return 2; }
};

/// Bad command-line usage or option value (exit 2).
class usage_error : public error {
 public:
  using error::error;
};

/// A configuration problem: unknown key, bad value, bad scenario (exit 3).
class config_error : public error {
 public:
  using error::error;
  int exit_code() const noexcept override { return 3; }
};

/// A trace that cannot be opened or read (exit 4). The message names the file and frame.
class trace_error : public error {
 public:
  using error::error;
  int exit_code() const noexcept override { return 4; }
};

/// Output could not be written (exit 5).
class output_error : public error {
 public:
  using error::error;
  int exit_code() const noexcept override { return 5; }
};

}  // namespace sessim
