#pragma once
/// wrr: weighted round robin (ip_vs_wrr.c). State: the current position `cl` (n = the list
/// head) and the current weight `cw`, starting at mw = max weight - (gcd - 1). Each time the walk
/// passes the head, cw drops by the weights' GCD (back to mw at 0); a server is chosen when it is
/// not overloaded and its weight is at least cw. Over a full cycle each server is chosen
/// weight/gcd times.
#include <algorithm>
#include <numeric>

#include "sessim/lb/scheduler.hpp"

namespace sessim::lb {

/// Weighted round robin.
class wrr_scheduler final : public scheduler {
 public:
  std::string_view name() const override { return "wrr"; }
  /// ip_vs_wrr_dest_changed (and init on the first call).
  void rebuild(std::span<const dest_state> d) override {
    std::uint32_t maxw = 0, g = 0;
    for (const auto& x : d) {
      const std::uint32_t w = x.available ? x.weight : 0;  // a removed server does not count
      maxw = std::max(maxw, w);
      if (w) g = std::gcd(g, w);
    }
    di_ = g ? g : 1;
    mw_ = maxw ? maxw - (di_ - 1) : 0;
    cl_ = d.size();
    if (!built_ || cw_ > mw_ || cw_ == 0) cw_ = mw_;
    else if (di_ > 1) cw_ = (cw_ / di_) * di_ + 1;
    built_ = true;
  }
  std::size_t pick(std::span<const dest_state> d, const ip_addr&, std::uint16_t) override {
    const std::size_t n = d.size();
    if (!built_ || cl_ > n) rebuild(d);
    if (n == 0) return no_dest;
    const std::size_t p = cl_;
    for (;;) {
      if (cl_ == n) {
        cl_ = 0;
        cw_ = cw_ > di_ ? cw_ - di_ : 0;
        if (cw_ == 0) {
          cw_ = mw_;
          if (cw_ == 0) { cl_ = n; return no_dest; }
        }
      } else {
        ++cl_;
      }
      if (cl_ != n && !d[cl_].unusable() && d[cl_].weight >= cw_) return cl_;
      if (cl_ == p && cw_ == di_) return no_dest;  // all overloaded
    }
  }

 private:
  std::size_t cl_ = 0;
  std::uint32_t cw_ = 0, mw_ = 0, di_ = 1;
  bool built_ = false;
};

}  // namespace sessim::lb
