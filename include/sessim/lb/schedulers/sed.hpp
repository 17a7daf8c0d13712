#pragma once
/// sed: shortest expected delay (ip_vs_sed.c): the usable server with the smallest
/// (active + 1) / weight, compared as loh*dw > doh*lw; ties go to the first in list order.
#include "sessim/lb/scheduler.hpp"

namespace sessim::lb {

/// sed/nq overhead: active connections + 1 (inactive ones do not count).
inline std::uint64_t expected_delay_overhead(const dest_state& d) { return std::uint64_t{d.active} + 1; }

/// Shortest expected delay.
class sed_scheduler final : public scheduler {
 public:
  std::string_view name() const override { return "sed"; }
  std::size_t pick(std::span<const dest_state> d, const ip_addr&, std::uint16_t) override {
    return least_loaded(d, expected_delay_overhead, true);
  }
};

}  // namespace sessim::lb
