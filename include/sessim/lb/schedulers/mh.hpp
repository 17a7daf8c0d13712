#pragma once
/// mh: Maglev hashing (ip_vs_mh.c, Eisenbud et al., NSDI 2016). A lookup table of 65537 slots
/// (the prime IPVS uses by default) is filled by letting each usable server, in turn, claim the
/// next free slot of its own permutation (offset + j*skip mod M), `turns` slots per round where
/// turns = (weight/gcd) >> shift. A connection's slot is hash(source address) mod M. Adding or
/// removing one of N servers moves about 1/N of the slots. The hash keys come from the seed
/// (the kernel draws them at boot).
#include <algorithm>
#include <bit>
#include <numeric>

#include "sessim/lb/scheduler.hpp"

namespace sessim::lb {

/// Maglev hashing.
class mh_scheduler final : public scheduler {
 public:
  static constexpr std::size_t tab_size = 65537;
  static constexpr int tab_bits = 8;  ///< IP_VS_MH_TAB_BITS: ilog2(65536) / 2

  explicit mh_scheduler(std::uint64_t seed = 1) : k1_(mix(seed ^ 0x6d68316b6579ULL)), k2_(mix(seed ^ 0x6d68326b6579ULL)) {}
  std::string_view name() const override { return "mh"; }

  void rebuild(std::span<const dest_state> d) override {
    tab_.assign(tab_size, no_dest);
    std::uint32_t g = 0, maxw = 0;
    for (const auto& x : d)
      if (!x.unusable()) { g = std::gcd(g, x.weight); maxw = std::max(maxw, x.weight); }
    built_ = true;
    if (g == 0) return;
    const int shift = std::max(0, static_cast<int>(std::bit_width(maxw / g)) - tab_bits);
    struct perm { std::size_t idx; std::uint64_t pos, skip; std::uint32_t turns; };
    std::vector<perm> ps;
    for (std::size_t i = 0; i < d.size(); ++i) {
      if (d[i].unusable()) continue;
      perm p{i, key_hash(d[i].ip, d[i].port, k1_) % tab_size, key_hash(d[i].ip, d[i].port, k2_) % (tab_size - 1) + 1,
             (d[i].weight / g) >> shift};
      if (p.turns >= 1) ps.push_back(p);
    }
    if (ps.empty()) return;
    std::vector<bool> taken(tab_size, false);
    std::size_t n = 0;
    for (;;) {
      for (auto& p : ps) {
        for (std::uint32_t t = 0; t < p.turns; ++t) {
          while (taken[p.pos]) { p.pos += p.skip; if (p.pos >= tab_size) p.pos -= tab_size; }
          taken[p.pos] = true;
          tab_[p.pos] = p.idx;
          if (++n == tab_size) return;
        }
      }
    }
  }
  std::size_t pick(std::span<const dest_state> d, const ip_addr& client, std::uint16_t) override {
    if (!built_) rebuild(d);
    const std::size_t i = tab_[slot(client)];
    return i == no_dest || d[i].unusable() ? no_dest : i;
  }
  /// The slot of a client address.
  std::size_t slot(const ip_addr& client) const { return key_hash(client, 0, k1_) % tab_size; }
  std::vector<std::size_t> table() const override { return tab_; }

 private:
  static std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  }
  static std::uint64_t key_hash(const ip_addr& a, std::uint16_t port, std::uint64_t key) {
    std::uint64_t h = key;
    for (std::size_t i = 0; i < (a.v6 ? 16u : 4u); i += 4)
      h = mix(h ^ ((std::uint64_t{a.b[i]} << 24) | (std::uint64_t{a.b[i + 1]} << 16) | (std::uint64_t{a.b[i + 2]} << 8) | a.b[i + 3]));
    return mix(h ^ port);
  }
  std::uint64_t k1_, k2_;
  std::vector<std::size_t> tab_;
  bool built_ = false;
};

}  // namespace sessim::lb
