#pragma once
/// sh: source hashing (ip_vs_sh.c): a 256-bucket table filled round robin over the usable
/// servers, each taking `weight` consecutive buckets; a connection's bucket is
/// hash_32(source address, 8). An unusable server's buckets give no server (no fallback).
#include <array>

#include "sessim/lb/scheduler.hpp"

namespace sessim::lb {

/// Source hashing.
class sh_scheduler final : public scheduler {
 public:
  static constexpr unsigned tab_bits = 8;
  static constexpr std::size_t tab_size = 1u << tab_bits;
  std::string_view name() const override { return "sh"; }
  void rebuild(std::span<const dest_state> d) override {
    std::vector<std::size_t> live;
    for (std::size_t i = 0; i < d.size(); ++i)
      if (!d[i].unusable()) live.push_back(i);
    std::size_t p = 0;
    std::uint32_t count = 0;
    for (std::size_t b = 0; b < tab_size; ++b) {
      if (live.empty()) { tab_[b] = no_dest; continue; }
      tab_[b] = live[p];
      if (++count >= d[live[p]].weight) { p = (p + 1) % live.size(); count = 0; }
    }
    built_ = true;
  }
  std::size_t pick(std::span<const dest_state> d, const ip_addr& client, std::uint16_t) override {
    if (!built_) rebuild(d);
    const std::size_t i = tab_[hash_32(addr_fold(client), tab_bits)];
    return i == no_dest || d[i].unusable() ? no_dest : i;
  }
  std::vector<std::size_t> table() const override { return {tab_.begin(), tab_.end()}; }

 private:
  std::array<std::size_t, tab_size> tab_{};
  bool built_ = false;
};

}  // namespace sessim::lb
