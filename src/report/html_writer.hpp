#pragma once
// The HTML report (`sessim run --html FILE`): one self-contained file (inline CSS and SVG, no
// scripts, no external resources) with the summary, the table of broken connections, and a
// timeline per broken connection: packets of both directions, idle gaps, the session's lifetime
// on every device, expiries, injected RSTs and keepalives.
#include <cstddef>
#include <memory>
#include <ostream>
#include <string>

#include "report/writers.hpp"
#include "sessim/sim/replay.hpp"

namespace sessim::report {

/// Limits that keep the HTML writer's memory bounded.
struct html_options {
  std::size_t max_events = 200;     ///< packet events kept per open connection (the last ones)
  std::size_t max_sessions = 50;    ///< session lifetimes kept per connection and device
  std::size_t max_timelines = 1000; ///< broken connections drawn (the rest are only listed)
};

/** A replay sink that follows every open connection (its last `max_events` packets and its
 *  session lifetimes on each device, read from `r`'s devices right after each verdict), drops
 *  what it collected when a connection ends unbroken, draws a timeline when it ends broken, and
 *  writes the HTML report at end(). Memory: bounded per open connection, plus one SVG per
 *  broken connection. */
class html_writer final : public writer {
 public:
  /// Writes to `out` at end(); `r` is the replay this sink is attached to.
  html_writer(std::ostream& out, const run_info& info, const replay& r, html_options opt = {});
  ~html_writer() override;

  void on_verdict(const packet_view& p, std::string_view device, verdict v, std::string_view reason) override;
  void on_injected(sim_time t, std::string_view device, const injected_rst& r, bool v6) override;
  void on_connection(const connection& c) override;
  void on_sync(sim_time t, std::string_view device, const session_snapshot& snap, bool remove) override;
  void end(const run_summary& s) override;

  /// Adds a section (title, and HTML markup the caller has escaped) after the summary.
  void add_section(const std::string& title, const std::string& html);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sessim::report
