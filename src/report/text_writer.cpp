// Text report for a terminal: the broken connections, one block each, then the summary.
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "report/writers.hpp"

namespace sessim::report {

namespace {

std::string human(sim_time t) {
  double s = to_seconds(t);
  if (s < 120) return fmt::format("{:.3f} s", s);
  if (s < 7200) return fmt::format("{:.1f} min", s / 60);
  if (s < 172800) return fmt::format("{:.1f} h", s / 3600);
  return fmt::format("{:.1f} d", s / 86400);
}

class text_writer final : public writer {
 public:
  text_writer(std::ostream& out, const run_info& info, bool all) : out_(out), info_(info), all_(all) {}

  void on_connection(const connection& c) override {
    if (c.broken) broken_.push_back(c);
    else if (all_) ok_.push_back(c);
  }

  void end(const run_summary& s) override {
    fmt::print(out_, "{} {}: {}\n", info_.tool, info_.version, info_.trace);
    for (std::size_t i = 0; i < info_.devices.size(); ++i) {
      const auto& d = info_.devices[i];
      std::string ov;
      for (auto& [k, v] : overrides(d.config, info_.preset_defaults[i])) ov += fmt::format(" {}={}", k, v);
      fmt::print(out_, "device {}: preset {}{}{}\n", d.name, d.config.preset, ov.empty() ? "" : ",", ov);
    }
    if (info_.cold_start) out_ << "cold start: connections open at capture start are new to the devices\n";
    std::sort(broken_.begin(), broken_.end(), [](auto& a, auto& b) { return a.id < b.id; });
    if (!broken_.empty()) fmt::print(out_, "\nBROKEN CONNECTIONS ({})\n", broken_.size());
    for (const auto& c : broken_) block(c);
    if (all_ && !ok_.empty()) {
      std::sort(ok_.begin(), ok_.end(), [](auto& a, auto& b) { return a.id < b.id; });
      fmt::print(out_, "\nCONNECTIONS THAT SURVIVED ({})\n", ok_.size());
      for (const auto& c : ok_) line(c);
    }
    summary(s);
    out_.flush();
  }

 private:
  void line(const connection& c) {
    fmt::print(out_, "#{:<5} {:<5} {} -> {}  frames {}..{}  {}..{} s  {} {}{}\n", c.id, proto_name(c.proto()),
               c.client(), c.server(), c.first_frame, c.last_frame, rel(info_, c.first_ts), rel(info_, c.last_ts),
               c.conn_state(), c.history.str(),
               c.redirected && !c.broken ? fmt::format("  (redirected {} frame(s), +{:.1f} us)", c.redirected,
                                                       to_seconds(c.added_latency) * 1e6)
                                         : std::string());
  }

  /// Load balancers: spread per real server, health events, churn, L7 and tunnel notes.
  void lb_text(const lb::lb_report& r) {
    for (const auto& v : r.servers) {
      fmt::print(out_, "  virtual server {} on {}: scheduler {}, forwarding {}, {} connection(s)", v.name, v.device,
                 v.scheduler, v.forwarding, v.connections);
      if (v.unscheduled) fmt::print(out_, ", {} with no real server", v.unscheduled);
      if (v.to_sorry) fmt::print(out_, ", {} to the sorry server", v.to_sorry);
      out_ << "\n";
      for (const auto& x : v.reals)
        fmt::print(out_, "    real {:<21} weight {:<3} {:>5} conns {:>6} pkts {:>9} bytes  peak {} concurrent (IPVS {} active, {} inactive){}\n",
                   x.name, x.weight, x.connections, x.packets, x.bytes, x.peak_concurrent, x.peak_active, x.peak_inactive,
                   x.sorry ? "  (sorry server)" : "");
      for (const auto& h : v.health) {
        fmt::print(out_, "    health: {} {} at t={} s; ", h.server, h.up ? "up" : "down", rel(info_, h.at));
        if (h.detected)
          fmt::print(out_, "check marked it {} at t={} s (detection took {})", h.up ? "up" : "down", rel(info_, h.detected_at), human(h.delay));
        else
          out_ << "never noticed by the check";
        if (!h.up) fmt::print(out_, "; {} new connection(s) sent to it meanwhile, {} open one(s) broke", h.new_to_dead, h.live_broken);
        if (h.interval_below > 0) fmt::print(out_, "; health.interval < {} would have avoided the new ones", human(h.interval_below));
        out_ << "\n";
      }
      for (const auto& c : v.churn)
        fmt::print(out_, "    churn: {} at t={} s: {:.1f}% {} remapped ({} open connection(s), {} on that server)\n", c.what,
                   rel(info_, c.at), c.share * 100, c.hashed ? "of the hash table" : "of open connections", c.live, c.live_on_server);
      if (v.l7_matched || v.l7_default || v.l7_cut || v.l7_malformed) {
        fmt::print(out_, "    L7: {} matched a rule, {} default pool, {} malformed", v.l7_matched, v.l7_default, v.l7_malformed);
        if (v.l7_cut) {
          std::string fr;
          for (auto f : v.l7_cut_frames) fr += fmt::format("{}{}", fr.empty() ? "" : ", ", f);
          fmt::print(out_, "; {} request(s) cut by the capture's snap length fell back to the default pool (frames {})", v.l7_cut, fr);
        }
        out_ << "\n";
      }
      if (v.nat_bypass_connections) {
        std::string fr;
        for (auto f : v.nat_bypass_frames) fr += fmt::format("{}{}", fr.empty() ? "" : ", ", f);
        fmt::print(out_, "    nat: {} reply packet(s) of {} connection(s) bypassed {} (asymmetric-nat; first at frames {})\n",
                   v.nat_bypass_packets, v.nat_bypass_connections, v.device, fr);
      }
      if (v.tun_overhead) {
        fmt::print(out_, "    tunnel {}: +{} B per packet ({} B in all); {} packet(s) above MTU {} after encapsulation (largest {} B)",
                   v.tun_type, v.tun_overhead, v.tun_bytes, v.tun_over_mtu, v.mtu, v.tun_largest);
        if (v.tun_over_mtu) {
          std::string fr;
          for (auto f : v.tun_df_frames) fr += fmt::format("{}{}", fr.empty() ? "" : ", ", f);
          fmt::print(out_, " in {} connection(s): {} with DF dropped, ICMP frag-needed (mtu {}) sent to the client{}{}; {} without DF fragmented",
                     v.tun_mtu_connections, v.tun_df_dropped, v.tun_icmp_mtu, fr.empty() ? "" : " (frames ", fr.empty() ? "" : fr + ")",
                     v.tun_fragmented);
        }
        out_ << "\n";
        if (v.tun_df_dropped)
          fmt::print(out_, "    fix: clamp the clients' MSS to {} (mtu - tunnel - 40), raise the tunnel path MTU to {} B, or use dr; "
                           "if ICMP is filtered on the way back these connections stall (PMTU blackhole)\n",
                     v.tun_icmp_mtu > 40 ? v.tun_icmp_mtu - 40 : 0, v.tun_largest);
      }
    }
  }

  void block(const connection& c) {
    const auto& b = c.brk;
    out_ << "\n";
    line(c);
    if (!c.backend.empty()) fmt::print(out_, "       real server {}\n", c.backend);
    if (b.frame)
      fmt::print(out_, "       broke at frame {} (t={} s, {} -> {}) on {}: {}", b.frame, rel(info_, b.time),
                 b.dir == 0 ? "client" : "server", b.dir == 0 ? "server" : "client", b.device, cause_name(b.cause));
    else
      fmt::print(out_, "       broke at t={} s on {}: {}", rel(info_, b.time), b.device, cause_name(b.cause));
    switch (b.cause) {
      case break_cause::idle_timeout:
        fmt::print(out_, " (session gone after {} idle; {} = {})\n", human(b.idle_gap), b.fix_key, human(b.current));
        break;
      case break_cause::rst_on_expiry:
        fmt::print(out_, " (session expired after {} idle; {} = {}; RST sent to both ends)\n", human(b.idle_gap),
                   b.fix_key, human(b.current));
        break;
      case break_cause::sync_race:
        if (b.sync_lost)
          fmt::print(out_, " (reason {}; the session's sync message was lost)\n", reason_name(b.why));
        else
          fmt::print(out_, " (reason {}; this packet beat the sync by {} us)\n", reason_name(b.why),
                     fmt::format("{:.3f}", to_seconds(b.race_margin) * 1e6));
        break;
      default:
        fmt::print(out_, " (reason {})\n", reason_name(b.why));
    }
    if (b.exp == experience::reset)
      fmt::print(out_, "       endpoints: reset at t={} s\n", rel(info_, b.exp_time));
    else
      fmt::print(out_, "       endpoints: blackhole from t={} s ({} packet silently dropped; it learns only by its own timeout)\n",
                 rel(info_, b.exp_time), b.dir == 0 ? "client's" : "server's");
    if (c.after_break) fmt::print(out_, "       {} more frame(s) of this connection after the break\n", c.after_break);
    if (c.redirected)
      fmt::print(out_, "       {} frame(s) redirected to the owner (+{} us in total)\n", c.redirected,
                 fmt::format("{:.1f}", to_seconds(c.added_latency) * 1e6));
    if (!b.hint.empty()) fmt::print(out_, "       fix: {}\n", b.hint);
  }

  void summary(const run_summary& s) {
    fmt::print(out_, "\nSUMMARY\n");
    fmt::print(out_, "  frames        {} ({} IP, {} not IP, {} unparsed)", s.frames, s.parsed,
               s.skipped[static_cast<std::size_t>(skip_reason::not_ip)], s.unparsed());
    std::string why;
    for (std::size_t i = 1; i < s.skipped.size(); ++i)
      if (s.skipped[i] && static_cast<skip_reason>(i) != skip_reason::not_ip)
        why += fmt::format("{}{} {}", why.empty() ? "" : ", ", skip_reason_name(static_cast<skip_reason>(i)), s.skipped[i]);
    if (!why.empty()) fmt::print(out_, " [{}]", why);
    out_ << "\n";
    if (s.truncated) fmt::print(out_, "  truncated     {} frame(s) shorter than their IP packet (headers decoded)\n", s.truncated);
    if (s.time_backwards) fmt::print(out_, "  time          {} frame(s) stamped earlier than the previous one (clamped)\n", s.time_backwards);
    fmt::print(out_, "  duration      {}\n", human(s.last_ts - s.first_ts));
    fmt::print(out_, "  connections   {}\n", s.connections);
    std::string causes;
    for (std::size_t i = 1; i < s.broken_by_cause.size(); ++i)
      if (s.broken_by_cause[i])
        causes += fmt::format("{}{} {}", causes.empty() ? "" : ", ", cause_name(static_cast<break_cause>(i)), s.broken_by_cause[i]);
    fmt::print(out_, "  broken        {}{}{}{}\n", s.broken, causes.empty() ? "" : " (", causes, causes.empty() ? "" : ")");
    fmt::print(out_, "  dropped       {} frame(s)\n", s.frames_dropped);
    if (s.lb) lb_text(*s.lb);
    if (s.rsts_injected) fmt::print(out_, "  injected      {} RST(s)\n", s.rsts_injected);
    for (const auto& d : s.devices) {
      fmt::print(out_, "  device {:<6} peak {} sessions, created {}, expired {}, evicted {}, forwarded {}, dropped {}, rejected {}\n",
                 d.name, d.peak_sessions, d.stats.created, d.stats.expired, d.stats.evicted, d.stats.forwarded,
                 d.stats.dropped, d.stats.rejected);
      const auto& y = d.sync;
      if (y.sync_sent || y.sync_received)
        fmt::print(out_, "         {:<6} sync: sent {}, received {}, lost {}, re-sent {}, races {}{}\n", "", y.sync_sent,
                   y.sync_received, y.sync_lost, y.sync_retransmitted, y.races,
                   y.deferred ? fmt::format(", deferred {}", y.deferred) : std::string());
      if (y.redirected_pkts)
        fmt::print(out_, "         {:<6} redirected to the owner: {} frame(s), {} bytes on the inter-device link\n", "",
                   y.redirected_pkts, y.redirected_bytes);
      if (y.down_events)
        fmt::print(out_, "         {:<6} went down {} time(s), losing {} session(s)\n", "", y.down_events, y.sessions_lost_down);
    }
  }

  std::ostream& out_;
  const run_info& info_;
  bool all_;
  std::vector<connection> broken_, ok_;
};

}  // namespace

std::unique_ptr<writer> make_text_writer(std::ostream& out, const run_info& info, bool all) {
  return std::make_unique<text_writer>(out, info, all);
}

}  // namespace sessim::report
