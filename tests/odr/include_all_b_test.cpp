// Second translation unit including every public header (see include_all_a_test.cpp).
#include "sessim/sessim.hpp"

namespace {
[[maybe_unused]] const auto& presets = sessim::all_presets();
}
