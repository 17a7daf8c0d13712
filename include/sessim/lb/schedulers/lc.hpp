#pragma once
/// lc: least connection (ip_vs_lc.c): the usable server with the smallest overhead
/// active*256 + inactive (ip_vs_dest_conn_overhead); ties go to the first in list order.
#include "sessim/lb/scheduler.hpp"

namespace sessim::lb {

/// IPVS connection overhead of a server.
inline std::uint64_t conn_overhead(const dest_state& d) { return (std::uint64_t{d.active} << 8) + d.inactive; }

/// Least connection.
class lc_scheduler final : public scheduler {
 public:
  std::string_view name() const override { return "lc"; }
  std::size_t pick(std::span<const dest_state> d, const ip_addr&, std::uint16_t) override {
    std::size_t least = no_dest;
    std::uint64_t loh = 0;
    for (std::size_t i = 0; i < d.size(); ++i) {
      if (d[i].unusable()) continue;
      const std::uint64_t doh = conn_overhead(d[i]);
      if (least == no_dest || doh < loh) { least = i; loh = doh; }
    }
    return least;
  }
};

}  // namespace sessim::lb
