#pragma once
/// The preset registry: one include and one line per preset.
#include <span>
#include <string_view>

#include "sessim/core/error.hpp"
#include "sessim/policy/presets/linux.hpp"
#include "sessim/policy/presets/pf.hpp"
#include "sessim/policy/presets/ipvs.hpp"
#include "sessim/policy/presets/cisco_asa.hpp"
#include "sessim/policy/presets/panos.hpp"
#include "sessim/policy/presets/fortigate.hpp"
#include "sessim/policy/presets/srx.hpp"
#include "sessim/policy/presets/cilium.hpp"
#include "sessim/policy/presets/aws_sg.hpp"
#include "sessim/policy/presets/aws_nlb.hpp"
#include "sessim/policy/presets/azure_lb.hpp"
#include "sessim/policy/presets/f5.hpp"

namespace sessim {

/// Every preset, in display order.
inline std::span<const preset_info> all_presets() {
  static const preset_info list[] = {
      presets::linux_preset,
      presets::pf_preset,
      presets::ipvs_preset,
      presets::cisco_asa_preset,
      presets::panos_preset,
      presets::fortigate_preset,
      presets::srx_preset,
      presets::cilium_preset,
      presets::aws_sg_preset,
      presets::aws_nlb_preset,
      presets::azure_lb_preset,
      presets::f5_preset,
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
