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
    return least_loaded(d, conn_overhead, false);
  }
};

}  // namespace sessim::lb
