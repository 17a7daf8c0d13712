#pragma once
/// Every scheduler, and make_scheduler() by name.
#include <memory>
#include <string_view>

#include "sessim/lb/schedulers/dh.hpp"
#include "sessim/lb/schedulers/lc.hpp"
#include "sessim/lb/schedulers/mh.hpp"
#include "sessim/lb/schedulers/nq.hpp"
#include "sessim/lb/schedulers/rr.hpp"
#include "sessim/lb/schedulers/sed.hpp"
#include "sessim/lb/schedulers/sh.hpp"
#include "sessim/lb/schedulers/wlc.hpp"
#include "sessim/lb/schedulers/wrr.hpp"

namespace sessim::lb {

/// Makes a scheduler by name (rr, wrr, lc, wlc, sh, dh, sed, nq, mh); nullptr when unknown.
inline std::unique_ptr<scheduler> make_scheduler(std::string_view name, std::uint64_t seed) {
  if (name == "rr") return std::make_unique<rr_scheduler>();
  if (name == "wrr") return std::make_unique<wrr_scheduler>();
  if (name == "lc") return std::make_unique<lc_scheduler>();
  if (name == "wlc") return std::make_unique<wlc_scheduler>();
  if (name == "sh") return std::make_unique<sh_scheduler>();
  if (name == "dh") return std::make_unique<dh_scheduler>();
  if (name == "sed") return std::make_unique<sed_scheduler>();
  if (name == "nq") return std::make_unique<nq_scheduler>();
  if (name == "mh") return std::make_unique<mh_scheduler>(seed);
  return nullptr;
}

}  // namespace sessim::lb
