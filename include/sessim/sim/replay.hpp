#pragma once
/// replay: the discrete-event run. Frames arrive in trace order; before each arrival every
/// device expires the sessions whose deadline is at or before that time (conntrack: a packet at
/// exactly last_refresh + timeout finds its session gone). Each frame then crosses the devices
/// of its path in order until one does not forward it. Results go to a replay_sink as they
/// happen: per-frame verdicts, injected RSTs, and each connection when it ends.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sessim/core/packet.hpp"
#include "sessim/device/session_device.hpp"
#include "sessim/report/connection_log.hpp"
#include "sessim/report/summary.hpp"
#include "sessim/sim/event_queue.hpp"

namespace sessim {

/// Receives what a replay produces, as it happens.
class replay_sink {
 public:
  virtual ~replay_sink() = default;
  /// A device's verdict on a frame (non-IP frames: verdict forward, reason = skip reason).
  virtual void on_verdict(const packet_view& /*p*/, std::string_view /*device*/, verdict /*v*/,
                          std::string_view /*reason*/) {}
  /// The frame got through every device on its path.
  virtual void on_delivered(const packet_view& /*p*/) {}
  /// A device sent a RST (expiry) at time t.
  virtual void on_injected(sim_time /*t*/, std::string_view /*device*/, const injected_rst& /*r*/,
                           bool /*v6*/) {}
  /// A connection ended (or the trace did); called once per connection.
  virtual void on_connection(const connection& /*c*/) {}
};

/// One device in the topology.
struct device_spec {
  std::string name;
  device_config config;
};

/// Replay settings.
struct replay_options {
  connection_log_options log;
};

/** A replay of one trace through devices in series (the single path of the core model; the
 *  topology layer adds paths by direction, prefix and hash). */
class replay {
 public:
  replay(std::vector<device_spec> devices, replay_options opt) : opt_(opt) {
    std::vector<std::string> names;
    std::vector<device_config> cfgs;
    for (auto& d : devices) {
      names.push_back(d.name);
      cfgs.push_back(d.config);
      devices_.push_back(std::make_unique<session_device>(d.name, std::move(d.config)));
    }
    names_ = names;
    log_ = std::make_unique<connection_log>(std::move(names), std::move(cfgs), opt.log,
                                            [this](const connection& c) { emit(c); });
  }

  /// Runs every frame of `src` (src.next(packet_view&, skip_reason&) → bool) into `sink`.
  template <class Source>
  run_summary run(Source& src, replay_sink& sink) {
    sink_ = &sink;
    summary_ = run_summary{};
    packet_view p;
    skip_reason why = skip_reason::none;
    bool first = true;
    sim_time trace_start = 0, last_flush = 0;
    while (src.next(p, why)) {
      ++summary_.frames;
      if (first) {
        trace_start = last_flush = p.ts;
        summary_.first_ts = p.ts;
        first = false;
      }
      summary_.last_ts = p.ts;
      if (p.truncated) ++summary_.truncated;
      advance(p.ts);
      drain(p.ts);
      if (p.ts - last_flush >= seconds(1)) {
        log_->flush_idle(p.ts);
        last_flush = p.ts;
      }
      if (why != skip_reason::none) {
        ++summary_.skipped[static_cast<std::size_t>(why)];
        // A malformed IP/L4 header or a fragment whose datagram can never be reassembled is
        // dropped by the first device's IP layer; other frames are not seen by the devices.
        const bool dropped = why == skip_reason::bad_ip || why == skip_reason::bad_l4 ||
                             why == skip_reason::ip_fragment;
        if (dropped) {
          if (!names_.empty()) sink.on_verdict(p, names_[0], verdict::drop, skip_reason_name(why));
          ++summary_.frames_dropped;
          continue;
        }
        for (const auto& n : names_) sink.on_verdict(p, n, verdict::forward, skip_reason_name(why));
        sink.on_delivered(p);
        continue;
      }
      ++summary_.parsed;
      int dir = 0;
      connection& c = log_->on_packet(p, trace_start, dir);
      bool delivered = true;
      for (std::size_t i = 0; i < devices_.size(); ++i) {
        decision d;
        if (!p.l4_header) {
          d.v = c.dev[i].last;
          d.why = reason::fragment;
        } else {
          const bool warm = c.warm && !c.dev[i].had_session;
          d = devices_[i]->process(p, p.ts, warm, [&](const session_end& e) { on_end(i, e); });
        }
        log_->on_decision(c, i, p, dir, d);
        sink.on_verdict(p, names_[i], d.v, reason_name(d.why));
        if (d.v != verdict::forward) {
          delivered = false;
          ++summary_.frames_dropped;
          break;
        }
      }
      if (delivered) sink.on_delivered(p);
    }
    drain(summary_.last_ts);
    log_->finish_all();
    summary_.connections = log_->connections();
    for (auto& d : devices_) {
      device_summary ds;
      ds.name = d->name();
      ds.preset = d->config().preset;
      ds.stats = d->stats();
      ds.peak_sessions = d->peak_sessions();
      ds.sessions_at_end = d->sessions();
      if (ds.peak_sessions > summary_.peak_sessions) summary_.peak_sessions = ds.peak_sessions;
      summary_.rsts_injected += ds.stats.rst_injected;
      summary_.devices.push_back(std::move(ds));
    }
    sink_ = nullptr;
    return summary_;
  }

  /// The devices, in path order.
  const std::vector<std::unique_ptr<session_device>>& devices() const { return devices_; }

 private:
  void advance(sim_time now) {
    for (std::size_t i = 0; i < devices_.size(); ++i)
      devices_[i]->expire_until(now, [&](const session_end& e) { on_end(i, e); });
  }

  /// Something a device does at a future time: for now, a RST it injects.
  struct sim_event {
    std::size_t device;
    injected_rst rst;
    bool v6;
  };

  void on_end(std::size_t i, const session_end& e) {
    if (e.rst) {
      events_.schedule(e.at, sim_event{i, e.rst_to_client, e.orig.src.v6});
      events_.schedule(e.at, sim_event{i, e.rst_to_server, e.orig.src.v6});
    }
    log_->on_session_end(i, e);
  }

  /// Runs every scheduled event up to and including `now`, in (time, insertion) order.
  void drain(sim_time now) {
    while (events_.next_time(now + 1) <= now) {
      auto [t, ev] = events_.pop();
      sink_->on_injected(t, names_[ev.device], ev.rst, ev.v6);
    }
  }

  void emit(const connection& c) {
    if (c.broken) {
      ++summary_.broken;
      ++summary_.broken_by_cause[static_cast<std::size_t>(c.brk.cause)];
    }
    sink_->on_connection(c);
  }

  replay_options opt_;
  std::vector<std::unique_ptr<session_device>> devices_;
  std::vector<std::string> names_;
  std::unique_ptr<connection_log> log_;
  replay_sink* sink_ = nullptr;
  event_queue<sim_event> events_;
  run_summary summary_;
};

}  // namespace sessim
