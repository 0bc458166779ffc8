// Implementation of the typed TOML configuration (toml_config.hpp), on toml++.
#include "io/toml_config.hpp"

#include <toml++/toml.h>
#include <sstream>

#include "nanodecoh/error.hpp"
#include "nanodecoh/io/atomic_file.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::io {

Config::Config()
    : root_(std::make_shared<toml::table>()), used_(std::make_shared<std::set<std::string>>()) {
  table_ = root_.get();
}
Config::Config(const Config&) = default;
Config& Config::operator=(const Config&) = default;
Config::~Config() = default;

Config Config::empty() {
  return Config();
}

Config Config::from_string(std::string_view text, const std::string& source) {
  Config config;
  try {
    *config.root_ = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << source << ":" << e.source().begin.line << ":" << e.source().begin.column;
    throw InvalidArgument(where.str(), "malformed TOML",
                          "valid TOML (" + std::string(e.description()) + ")");
  }
  return config;
}

Config Config::from_file(const std::filesystem::path& path) {
  return from_string(read_file(path), path.string());
}

std::string Config::full_key(std::string_view key) const {
  return prefix_ + std::string(key);
}

const void* Config::find(std::string_view key) const {
  return table_->at_path(key).node();
}

void Config::mark_used(std::string_view key) const {
  used_->insert(full_key(key));
}

bool Config::has(std::string_view key) const {
  return find(key) != nullptr;
}

namespace {
const toml::node* as_node(const void* p) {
  return static_cast<const toml::node*>(p);
}
std::string describe(const toml::node& node) {
  std::ostringstream out;
  if (node.is_string())
    out << '"' << *node.value<std::string>() << '"';
  else if (node.is_table())
    out << "a table";
  else if (node.is_array())
    out << "an array";
  else
    node.visit([&](auto&& v) {
      if constexpr (toml::is_value<decltype(v)>) out << v;
    });
  return out.str();
}
}  // namespace

double Config::get_double(std::string_view key) const {
  const auto* node = as_node(find(key));
  if (!node) throw InvalidArgument(full_key(key), "missing", "a number");
  mark_used(key);
  if (auto v = node->value<double>()) {  // integers convert too
    require_finite(full_key(key), *v);
    return *v;
  }
  throw InvalidArgument(full_key(key), describe(*node), "a number");
}

double Config::get_double(std::string_view key, double fallback) const {
  return has(key) ? get_double(key) : fallback;
}

long long Config::get_int(std::string_view key) const {
  const auto* node = as_node(find(key));
  if (!node) throw InvalidArgument(full_key(key), "missing", "an integer");
  mark_used(key);
  if (node->is_integer()) return *node->value<long long>();
  throw InvalidArgument(full_key(key), describe(*node), "an integer");
}

long long Config::get_int(std::string_view key, long long fallback) const {
  return has(key) ? get_int(key) : fallback;
}

bool Config::get_bool(std::string_view key, bool fallback) const {
  const auto* node = as_node(find(key));
  if (!node) return fallback;
  mark_used(key);
  if (node->is_boolean()) return *node->value<bool>();
  throw InvalidArgument(full_key(key), describe(*node), "true or false");
}

std::string Config::get_string(std::string_view key) const {
  const auto* node = as_node(find(key));
  if (!node) throw InvalidArgument(full_key(key), "missing", "a string");
  mark_used(key);
  if (node->is_string()) return *node->value<std::string>();
  throw InvalidArgument(full_key(key), describe(*node), "a string");
}

std::string Config::get_string(std::string_view key, const std::string& fallback) const {
  return has(key) ? get_string(key) : fallback;
}

std::vector<double> Config::get_doubles(std::string_view key) const {
  const auto* node = as_node(find(key));
  if (!node) throw InvalidArgument(full_key(key), "missing", "an array of numbers");
  mark_used(key);
  const auto* array = node->as_array();
  if (!array) throw InvalidArgument(full_key(key), describe(*node), "an array of numbers");
  std::vector<double> values;
  for (std::size_t i = 0; i < array->size(); ++i) {
    auto v = (*array)[i].value<double>();
    const std::string element = full_key(key) + "[" + std::to_string(i) + "]";
    if (!v) throw InvalidArgument(element, describe((*array)[i]), "a number");
    require_finite(element, *v);
    values.push_back(*v);
  }
  return values;
}

std::vector<Config> Config::get_tables(std::string_view key) const {
  const auto* node = as_node(find(key));
  if (!node) return {};
  mark_used(key);
  const auto* array = node->as_array();
  if (!array || !array->is_array_of_tables())
    throw InvalidArgument(full_key(key), describe(*node),
                          "an array of tables ([[" + std::string(key) + "]])");
  std::vector<Config> views;
  for (std::size_t i = 0; i < array->size(); ++i) {
    Config view(*this);
    view.table_ = const_cast<toml::table*>((*array)[i].as_table());
    view.prefix_ = full_key(key) + "[" + std::to_string(i) + "].";
    views.push_back(view);
  }
  return views;
}

namespace {
void collect_leaves(const toml::table& table, const std::string& prefix,
                    std::vector<std::string>& out) {
  for (auto&& [k, v] : table) {
    const std::string path = prefix + std::string(k.str());
    if (const auto* sub = v.as_table())
      collect_leaves(*sub, path + ".", out);
    else if (const auto* array = v.as_array(); array && array->is_array_of_tables()) {
      out.push_back(path);  // the array itself
      for (std::size_t i = 0; i < array->size(); ++i)
        collect_leaves(*(*array)[i].as_table(), path + "[" + std::to_string(i) + "].", out);
    } else
      out.push_back(path);
  }
}
}  // namespace

void Config::require_all_used() const {
  std::vector<std::string> leaves;
  collect_leaves(*table_, prefix_, leaves);
  for (const auto& leaf : leaves)
    if (!used_->count(leaf))
      throw InvalidArgument(leaf, "set", "no such key (see docs/configuration.md)");
}

void Config::apply_override(std::string_view assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string_view::npos || eq == 0)
    throw InvalidArgument("--set", std::string(assignment), "key=value, e.g. grid.points=256");
  const std::string key(assignment.substr(0, eq));
  const std::string value(assignment.substr(eq + 1));
  toml::table parsed;
  try {
    parsed = toml::parse("v = " + value);
  } catch (const toml::parse_error&) {
    parsed = toml::table{{"v", value}};  // a bare word is a string
  }
  // Walk/create the parent tables; "name[i]" steps into element i of an array of tables.
  toml::table* table = table_;
  std::string_view rest = key;
  auto bad_path = [&](const std::string& allowed) {
    return InvalidArgument("--set", std::string(assignment), allowed);
  };
  for (auto dot = rest.find('.'); dot != std::string_view::npos; dot = rest.find('.')) {
    std::string part(rest.substr(0, dot));
    rest.remove_prefix(dot + 1);
    const auto bracket = part.find('[');
    if (bracket != std::string::npos) {
      std::size_t index = 0;
      try {
        if (part.back() != ']') throw std::invalid_argument("no ]");
        index = std::stoul(part.substr(bracket + 1, part.size() - bracket - 2));
      } catch (const std::exception&) {
        throw bad_path("name[index].key with a non-negative integer index");
      }
      part.resize(bracket);
      auto* array = table->get_as<toml::array>(part);
      if (!array || !array->is_array_of_tables())
        throw bad_path("an existing array of tables [[" + part + "]] before [index]");
      if (index >= array->size())
        throw bad_path("an index below " + std::to_string(array->size()) + " for [[" + part + "]]");
      table = (*array)[index].as_table();
      continue;
    }
    auto* child = table->get(part);
    if (!child) child = &table->insert_or_assign(part, toml::table{}).first->second;
    if (!child->is_table()) throw bad_path("a key path through tables");
    table = child->as_table();
  }
  toml::node& new_value = *parsed.get("v");
  if (const auto bracket = rest.find('['); bracket != std::string_view::npos) {
    // "name[i]={...}" replaces element i of an array of tables ("name[n]" with n its size
    // appends one); the value must be an inline table.
    const std::string part(rest.substr(0, bracket));
    std::size_t index = 0;
    try {
      if (rest.back() != ']') throw std::invalid_argument("no ]");
      index = std::stoul(std::string(rest.substr(bracket + 1, rest.size() - bracket - 2)));
    } catch (const std::exception&) {
      throw bad_path("name[index]={...} with a non-negative integer index");
    }
    auto* array = table->get_as<toml::array>(part);
    if (!array || !array->is_array_of_tables())
      throw bad_path("an existing array of tables [[" + part + "]] before [index]");
    if (index > array->size())
      throw bad_path("an index up to " + std::to_string(array->size()) + " for [[" + part + "]]");
    if (!new_value.is_table())
      throw bad_path("an inline table for an element of [[" + part + "]], e.g. " + part + "[" +
                     std::to_string(index) + "]={kind=\"gaussian\", rate=5.0}");
    if (index == array->size())
      array->push_back(std::move(*new_value.as_table()));
    else
      array->replace(array->cbegin() + static_cast<std::ptrdiff_t>(index),
                     std::move(*new_value.as_table()));
    return;
  }
  table->insert_or_assign(std::string(rest), std::move(new_value));
}

std::string Config::to_toml() const {
  std::ostringstream out;
  out << *table_;
  return out.str();
}

std::string Config::to_toml_without(const std::vector<std::string>& keys) const {
  toml::table copy = *table_;
  for (const std::string& key : keys) copy.erase(key);
  std::ostringstream out;
  out << copy;
  return out.str();
}

std::string Config::entry_toml(std::string_view key) const {
  const toml::node* node = table_->get(key);
  if (node == nullptr) return {};
  std::ostringstream out;
  node->visit([&out](const auto& value) { out << value; });
  return out.str();
}

}  // namespace nanodecoh::io
