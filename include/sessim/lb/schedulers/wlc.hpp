#pragma once
/// wlc: weighted least connection (ip_vs_wlc.c): the usable server with the smallest
/// overhead/weight, compared as loh*dw > doh*lw; ties go to the first in list order.
#include "sessim/lb/schedulers/lc.hpp"

namespace sessim::lb {

/// Weighted least connection.
class wlc_scheduler final : public scheduler {
 public:
  std::string_view name() const override { return "wlc"; }
  std::size_t pick(std::span<const dest_state> d, const ip_addr&, std::uint16_t) override {
    return least_loaded(d, conn_overhead, true);
  }
};

}  // namespace sessim::lb
