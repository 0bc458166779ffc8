// The application's map from the names the library gives its parameters (the
// fields of a specification struct: "radius", "rate", "semi_axis_a") to the
// names the user typed: a command-line flag ("--radius") or a TOML key
// ("channels[1].rate", "body.radius"). The library validates spec fields and
// never learns about flags or keys; the application catches its
// InvalidArgument and rethrows it under the user's name (translate()).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nanodecoh/error.hpp"

namespace nanodecoh::app {

class InputNames {
 public:
  /// Names that are not mapped pass through unchanged.
  InputNames() = default;
  /// Fields not mapped explicitly are reported as `prefix + field` (a TOML table:
  /// "channels[1]." makes "rate" read "channels[1].rate").
  static InputNames toml_table(std::string prefix);
  /// Fields not mapped explicitly are reported as flags: "chi_real" reads "--chi-real".
  static InputNames flags();

  /// The library's `field` was given by the user as `user_key`.
  InputNames& add(std::string field, std::string user_key);
  /// Library parameters that begin with `prefix` (e.g. "channels.") are looked up without it.
  InputNames& strip(std::string prefix);

  /// The user's name for a library parameter. The longest mapped field that `parameter` equals,
  /// or that it begins with followed by ' ' or '[', is replaced by its user key and the rest
  /// kept ("spectrum_file weight" -> "--spectrum-file weight"); otherwise the fallback applies
  /// to the part before the first ' ' or '['.
  std::string user_key(std::string_view parameter) const;

  /// `error` with its parameter renamed by user_key().
  InvalidArgument rename(const InvalidArgument& error) const;

  /// Runs `build()`; an InvalidArgument it throws is rethrown under the user's name.
  template <typename Build>
  decltype(auto) translate(Build&& build) const {
    try {
      return std::forward<Build>(build)();
    } catch (const InvalidArgument& error) {
      throw rename(error);
    }
  }

 private:
  enum class Fallback { unchanged, prefix, flag };
  Fallback fallback_member_ = Fallback::unchanged;
  std::string prefix_member_;
  std::vector<std::pair<std::string, std::string>> names_member_;  // field -> user key
  std::vector<std::string> stripped_member_;
};

}  // namespace nanodecoh::app
