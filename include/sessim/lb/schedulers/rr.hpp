#pragma once
/// rr: round robin (ip_vs_rr.c): the next usable server after the last one chosen, in
/// configuration order; weight 0 and overloaded servers are skipped.
#include "sessim/lb/scheduler.hpp"

namespace sessim::lb {

/// Round robin.
class rr_scheduler final : public scheduler {
 public:
  std::string_view name() const override { return "rr"; }
  std::size_t pick(std::span<const dest_state> d, const ip_addr&, std::uint16_t) override {
    const std::size_t n = d.size();
    for (std::size_t k = 1; k <= n; ++k) {
      const std::size_t i = (last_ + k) % n;
      if (!d[i].unusable()) { last_ = i; return i; }
    }
    return no_dest;
  }

 private:
  std::size_t last_ = static_cast<std::size_t>(-1);  // before the first server (wraps to 0)
};

}  // namespace sessim::lb
