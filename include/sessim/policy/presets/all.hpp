#pragma once
/// The preset registry: one include and one line per preset.
#include <span>
#include <string_view>

#include "sessim/core/error.hpp"
#include "sessim/policy/presets/linux.hpp"

namespace sessim {

/// Every preset, in display order.
inline std::span<const preset_info> all_presets() {
  static const preset_info list[] = {
      presets::linux_preset,
  };
  return list;
}

/// Finds a preset by name; throws config_error listing the known names.
inline const preset_info& find_preset(std::string_view name) {
  std::string known;
  for (const auto& p : all_presets()) {
    if (p.name == name) return p;
    known += (known.empty() ? "" : ", ") + std::string(p.name);
  }
  throw config_error(fmt::format("unknown preset '{}' (known: {})", name, known));
}

}  // namespace sessim
