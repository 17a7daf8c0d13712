#pragma once
/// dh: destination hashing (ip_vs_dh.c): a 256-bucket table filled round robin over the usable
/// servers (weights ignored); the bucket is (destination address * 2654435761) & 255. Behind a
/// single VIP every connection hashes to one bucket: dh is meant for caches keyed by target.
#include <array>

#include "sessim/lb/scheduler.hpp"

namespace sessim::lb {

/// Destination hashing (the destination is the VIP: set with set_destination).
class dh_scheduler final : public scheduler {
 public:
  static constexpr std::size_t tab_size = 256;
  std::string_view name() const override { return "dh"; }
  /// The address hashed (the packet's destination).
  void set_destination(const ip_addr& a) { dst_ = a; }
  void rebuild(std::span<const dest_state> d) override {
    std::vector<std::size_t> live;
    for (std::size_t i = 0; i < d.size(); ++i)
      if (!d[i].unusable()) live.push_back(i);
    for (std::size_t b = 0; b < tab_size; ++b) tab_[b] = live.empty() ? no_dest : live[b % live.size()];
    built_ = true;
  }
  std::size_t pick(std::span<const dest_state> d, const ip_addr&, std::uint16_t) override {
    if (!built_) rebuild(d);
    const std::size_t i = tab_[bucket(dst_)];
    return i == no_dest || d[i].unusable() ? no_dest : i;
  }
  /// The bucket of an address.
  static std::size_t bucket(const ip_addr& a) { return (addr_fold(a) * 2654435761u) & (tab_size - 1); }
  std::vector<std::size_t> table() const override { return {tab_.begin(), tab_.end()}; }

 private:
  std::array<std::size_t, tab_size> tab_{};
  ip_addr dst_;
  bool built_ = false;
};

}  // namespace sessim::lb
