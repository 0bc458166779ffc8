// Typed access to a TOML configuration file (internal; used by `ftable` and
// `evolve`). Every getter names the full key path in its error, `--set
// key=value` overrides any key, and require_all_used() rejects keys that no
// getter read, so a misspelt key is an error instead of a silent default.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace toml {
inline namespace v3 {
class table;
}
}  // namespace toml

namespace nanodecoh::io {

class Config {
 public:
  /// Parses a TOML file. Throws IoError (unreadable) or InvalidArgument (malformed, with
  /// line:column).
  static Config from_file(const std::filesystem::path& path);
  /// Parses TOML text; `source` names it in messages.
  static Config from_string(std::string_view text, const std::string& source = "config");
  /// An empty configuration (all defaults).
  static Config empty();

  /// Applies "a.b.c=value"; value is TOML ("1e-9", "true", "'text'", "[1,2]") or a bare word taken
  /// as a string. Intermediate tables are created; "channels[1].rate=5" addresses element 1 of
  /// an existing array of tables, "channels[1]={kind='gaussian', rate=5.0, length=1e-9}"
  /// replaces it with an inline table (index = size appends one). Throws InvalidArgument naming
  /// "--set".
  void apply_override(std::string_view assignment);

  bool has(std::string_view key) const;
  double get_double(std::string_view key) const;
  double get_double(std::string_view key, double fallback) const;
  long long get_int(std::string_view key) const;
  long long get_int(std::string_view key, long long fallback) const;
  bool get_bool(std::string_view key, bool fallback) const;
  std::string get_string(std::string_view key) const;
  std::string get_string(std::string_view key, const std::string& fallback) const;
  std::vector<double> get_doubles(std::string_view key) const;
  /// An array of tables ([[protocol]]), each as a Config whose keys are reported as "key[i].sub".
  std::vector<Config> get_tables(std::string_view key) const;

  /// Throws InvalidArgument for the first leaf key that no getter read (e.g. a typo).
  void require_all_used() const;
  /// The whole document as TOML text (for provenance in output files).
  std::string to_toml() const;
  /// The same without the top-level entries `keys` (e.g. {"initial", "output"}).
  std::string to_toml_without(const std::vector<std::string>& keys) const;
  /// The TOML text of the entry `key` of this table ("" when absent).
  std::string entry_toml(std::string_view key) const;
  /// Full key path of `key` in messages ("protocol[1].duration").
  std::string full_key(std::string_view key) const;

  Config(const Config&);
  Config& operator=(const Config&);
  ~Config();

 private:
  Config();
  const void* find(std::string_view key) const;  // toml::node*
  void mark_used(std::string_view key) const;
  std::shared_ptr<toml::table> root_;  // owns the document
  toml::table* table_ = nullptr;       // this view (root or a sub-table)
  std::string prefix_;                 // "protocol[1]." for sub-views
  std::shared_ptr<std::set<std::string>> used_;
};

}  // namespace nanodecoh::io
