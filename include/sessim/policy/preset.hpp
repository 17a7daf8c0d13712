#pragma once
/// preset_info: a named set of device defaults copied from a real product, with its source.
#include <string_view>

#include "sessim/policy/device_config.hpp"

namespace sessim {

/// One preset: its name, the product it models, where the values come from, and a factory.
struct preset_info {
  std::string_view name;     ///< `--preset` name
  std::string_view product;  ///< product and mode modelled
  std::string_view source;   ///< citation (documentation or source file) for the values
  device_config (*make)();   ///< builds the default config
};

}  // namespace sessim
