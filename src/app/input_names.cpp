// The field-to-user-name map of input_names.hpp.
#include "app/input_names.hpp"

namespace nanodecoh::app {

InputNames InputNames::toml_table(std::string prefix) {
  InputNames names;
  names.fallback_member_ = Fallback::prefix;
  names.prefix_member_ = std::move(prefix);
  return names;
}

InputNames InputNames::flags() {
  InputNames names;
  names.fallback_member_ = Fallback::flag;
  return names;
}

InputNames& InputNames::add(std::string field, std::string user_key) {
  names_member_.emplace_back(std::move(field), std::move(user_key));
  return *this;
}

InputNames& InputNames::strip(std::string prefix) {
  stripped_member_.push_back(std::move(prefix));
  return *this;
}

std::string InputNames::user_key(std::string_view parameter) const {
  for (const std::string& prefix : stripped_member_)
    if (parameter.size() > prefix.size() && parameter.substr(0, prefix.size()) == prefix) {
      parameter.remove_prefix(prefix.size());
      break;
    }
  auto is_separator = [](char c) { return c == ' ' || c == '['; };
  const std::pair<std::string, std::string>* best = nullptr;
  for (const auto& entry : names_member_) {
    const std::string& field = entry.first;
    if (parameter.substr(0, field.size()) != field) continue;
    if (parameter.size() > field.size() && !is_separator(parameter[field.size()])) continue;
    if (!best || field.size() > best->first.size()) best = &entry;
  }
  if (best) return best->second + std::string(parameter.substr(best->first.size()));
  std::size_t head = 0;
  while (head < parameter.size() && !is_separator(parameter[head])) ++head;
  const std::string field(parameter.substr(0, head));
  const std::string rest(parameter.substr(head));
  switch (fallback_member_) {
    case Fallback::unchanged:
      return std::string(parameter);
    case Fallback::prefix:
      return prefix_member_ + field + rest;
    case Fallback::flag: {
      std::string flag = "--" + field;
      for (char& c : flag)
        if (c == '_') c = '-';
      return flag + rest;
    }
  }
  return std::string(parameter);
}

InvalidArgument InputNames::rename(const InvalidArgument& error) const {
  return InvalidArgument(user_key(error.parameter()), error.value(), error.allowed());
}

}  // namespace nanodecoh::app
