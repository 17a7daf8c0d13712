// JSON report (docs/output.md): {"schema_version", "tool", "trace", "devices", "connections": [...],
// "summary"}; connections are streamed as they end, so memory does not grow with the trace.
#include <fmt/compile.h>
#include <fmt/format.h>
#include <fmt/ostream.h>


#include "report/writers.hpp"
#include "sessim/core/verdict.hpp"

namespace sessim::report {

namespace {

/// Appends `s` as a JSON string literal to `o` (a std::string or fmt::memory_buffer).
template <class Out>
void append_json_str(Out& o, std::string_view s) {
  bool plain = true;
  for (unsigned char ch : s) plain = plain && ch >= 0x20 && ch != '"' && ch != '\\';
  o.push_back('"');
  if (plain) {  // the usual case: nothing to escape
    o.append(s.data(), s.data() + s.size());
    o.push_back('"');
    return;
  }
  auto put = [&](std::string_view v) { o.append(v.data(), v.data() + v.size()); };
  for (unsigned char ch : s) {
    switch (ch) {
      case '"': put("\\\""); break;
      case '\\': put("\\\\"); break;
      case '\n': put("\\n"); break;
      case '\t': put("\\t"); break;
      case '\r': put("\\r"); break;
      default:
        if (ch < 0x20) put(fmt::format("\\u{:04x}", ch));
        else o.push_back(static_cast<char>(ch));
    }
  }
  o.push_back('"');
}

}  // namespace

std::string json_str(std::string_view s) {
  std::string o;
  o.reserve(s.size() + 2);
  append_json_str(o, s);
  return o;
}

std::string rel(const run_info& info, sim_time t) {
  return format_rel_time(t, info.base ? *info.base : 0);
}

std::vector<std::pair<std::string, std::string>> overrides(const device_config& c, const device_config& def) {
  std::vector<std::pair<std::string, std::string>> o;
  for (const auto& k : config_keys()) {
    std::string a = k.show(c), b = k.show(def);
    if (a != b) o.emplace_back(std::string(k.name), a);
  }
  return o;
}

namespace {

class json_writer final : public writer {
 public:
  json_writer(std::ostream& out, const run_info& info) : out_(out), info_(info) {
    fmt::print(out_, "{{\n  \"schema_version\": {},\n  \"tool\": {},\n  \"trace\": {},\n  \"cold_start\": {},\n  \"devices\": [",
               schema_version, json_str(info.tool + " " + info.version), json_str(info.trace),
               info.cold_start ? "true" : "false");
    for (std::size_t i = 0; i < info.devices.size(); ++i) {
      const auto& d = info.devices[i];
      fmt::print(out_, "{}\n    {{\"name\": {}, \"preset\": {}, \"settings\": {{", i ? "," : "", json_str(d.name),
                 json_str(d.config.preset));
      bool first = true;
      for (const auto& k : config_keys()) {
        fmt::print(out_, "{}{}: {}", first ? "" : ", ", json_str(k.name), json_str(k.show(d.config)));
        first = false;
      }
      out_ << "}}";
    }
    out_ << "\n  ],\n  \"connections\": [";
  }

  // A row is built in the block buffer with compiled formats, its strings appended in place: a
  // JSON report of many short connections spent most of its time formatting them.
  void on_connection(const connection& c) override {
    fmt::memory_buffer& buf = out_buf_.buf();
    fmt::appender it(buf);
    fmt::format_to(it, FMT_COMPILE("{}\n    {{\"id\": {}, \"proto\": "), n_ ? "," : "", c.id);
    append_str(proto_name(c.proto()));
    buf.append(std::string_view(", \"client\": "));
    append_str(c.client());
    buf.append(std::string_view(", \"server\": "));
    append_str(c.server());
    fmt::format_to(it, FMT_COMPILE(", \"first_frame\": {}, \"last_frame\": {}, \"first_time\": "), c.first_frame,
                   c.last_frame);
    buf.append(rel(info_, c.first_ts));
    buf.append(std::string_view(", \"last_time\": "));
    buf.append(rel(info_, c.last_ts));
    fmt::format_to(it, FMT_COMPILE(
               ", \"client_pkts\": {}, \"server_pkts\": {}, \"client_bytes\": {}, \"server_bytes\": {}, "
               "\"client_ip_bytes\": {}, \"server_ip_bytes\": {}, \"conn_state\": "),
               c.pkts[0], c.pkts[1], c.bytes[0], c.bytes[1], c.ip_bytes[0], c.ip_bytes[1]);
    append_str(c.conn_state());
    buf.append(std::string_view(", \"history\": "));
    append_str(c.history.str());
    fmt::format_to(it, FMT_COMPILE(
               ", \"warm_start\": {}, \"frames_dropped\": {}, \"redirected\": {}, \"redirect_bytes\": {}, "
               "\"added_latency_us\": {:.3f}, \"broken\": {}"),
               c.warm ? "true" : "false", c.dropped, c.redirected, c.redirect_bytes,
               to_seconds(c.added_latency) * 1e6, c.broken ? "true" : "false");
    ++n_;
    if (!c.backend.empty()) fmt::format_to(it, FMT_COMPILE(", \"backend\": {}"), json_str(c.backend));
    if (c.broken) {
      const auto& b = c.brk;
      auto secs = [](sim_time t) { return t < 0 ? std::string("null") : format_seconds(t); };
      fmt::format_to(it, FMT_COMPILE(
                 ", \"break\": {{\"frame\": {}, \"time\": {}, \"device\": {}, \"cause\": {}, \"reason\": {}, "
                 "\"from\": {}, \"experience\": {}, \"experience_time\": {}, \"frames_after\": {}, "
                 "\"idle_gap\": {}, \"race_margin_us\": {}, \"sync_lost\": {}, \"fix\": {{\"key\": {}, \"current\": {}, "
                 "\"timeout_above\": {}, \"keepalive_below\": {}, \"sync_latency_below\": {}, \"hint\": {}}}}}"),
                 b.frame ? std::to_string(b.frame) : "null", rel(info_, b.time), json_str(b.device),
                 json_str(cause_name(b.cause)), json_str(reason_name(b.why)),
                 json_str(b.frame ? (b.dir == 0 ? "client" : "server") : "device"), json_str(experience_name(b.exp)),
                 rel(info_, b.exp_time), c.after_break, secs(b.idle_gap),
                 b.race_margin < 0 ? std::string("null") : fmt::format(FMT_COMPILE("{:.3f}"), to_seconds(b.race_margin) * 1e6),
                 b.sync_lost ? "true" : "false", b.fix_key.empty() ? "null" : json_str(b.fix_key),
                 b.fix_key == "table.capacity" ? std::to_string(b.current) : secs(b.current), secs(b.timeout_above),
                 secs(b.keepalive_below), secs(b.sync_latency_below), json_str(b.hint));
    }
    buf.push_back('}');
    out_buf_.row_done();
  }

  void end(const run_summary& s) override {
    out_buf_.flush();
    out_ << (n_ ? "\n  ],\n" : "],\n");
    fmt::print(out_,
               "  \"summary\": {{\n    \"frames\": {},\n    \"parsed\": {},\n    \"unparsed\": {},\n"
               "    \"not_ip\": {},\n    \"skipped_by_reason\": {{",
               s.frames, s.parsed, s.unparsed(), s.skipped[static_cast<std::size_t>(skip_reason::not_ip)]);
    bool first = true;
    for (std::size_t i = 1; i < s.skipped.size(); ++i) {
      if (!s.skipped[i]) continue;
      fmt::print(out_, "{}{}: {}", first ? "" : ", ", json_str(skip_reason_name(static_cast<skip_reason>(i))), s.skipped[i]);
      first = false;
    }
    fmt::print(out_,
               "}},\n    \"truncated_frames\": {},\n    \"time_backwards\": {},\n    \"trace_start\": {},\n"
               "    \"duration\": {},\n    \"connections\": {},\n    \"broken\": {},\n    \"broken_by_cause\": {{",
               s.truncated, s.time_backwards, format_seconds(s.first_ts), format_seconds(s.last_ts - s.first_ts),
               s.connections, s.broken);
    first = true;
    for (std::size_t i = 1; i < s.broken_by_cause.size(); ++i) {
      if (!s.broken_by_cause[i]) continue;
      fmt::print(out_, "{}{}: {}", first ? "" : ", ", json_str(cause_name(static_cast<break_cause>(i))), s.broken_by_cause[i]);
      first = false;
    }
    fmt::print(out_, "}},\n    \"frames_dropped\": {},\n    \"rsts_injected\": {},\n    \"peak_sessions\": {},\n    \"devices\": [",
               s.frames_dropped, s.rsts_injected, s.peak_sessions);
    for (std::size_t i = 0; i < s.devices.size(); ++i) {
      const auto& d = s.devices[i];
      fmt::print(out_,
                 "{}\n      {{\"name\": {}, \"packets\": {}, \"forwarded\": {}, \"dropped\": {}, \"rejected\": {}, "
                 "\"sessions_created\": {}, \"expired\": {}, \"evicted\": {}, \"killed\": {}, \"rsts_injected\": {}, "
                 "\"peak_sessions\": {}, \"sessions_at_end\": {}, \"sync_sent\": {}, \"sync_received\": {}, "
                 "\"sync_lost\": {}, \"sync_resent\": {}, \"races\": {}, \"deferred\": {}, \"redirected_pkts\": {}, "
                 "\"redirected_bytes\": {}, \"down_events\": {}, \"sessions_lost_down\": {}}}",
                 i ? "," : "", json_str(d.name), d.stats.packets, d.stats.forwarded, d.stats.dropped, d.stats.rejected,
                 d.stats.created, d.stats.expired, d.stats.evicted, d.stats.killed, d.stats.rst_injected,
                 d.peak_sessions, d.sessions_at_end, d.sync.sync_sent, d.sync.sync_received, d.sync.sync_lost,
                 d.sync.sync_retransmitted, d.sync.races, d.sync.deferred, d.sync.redirected_pkts,
                 d.sync.redirected_bytes, d.sync.down_events, d.sync.sessions_lost_down);
    }
    out_ << "\n    ]";
    if (s.lb) lb_json(*s.lb);
    out_ << "\n  }\n}\n";
    out_.flush();
  }

 private:
  void append_str(std::string_view v) { append_json_str(out_buf_.buf(), v); }

  /// "load_balancers": per virtual server, real servers, health events, churn (docs/output.md).
  void lb_json(const lb::lb_report& r) {
    auto secs = [&](sim_time t) { return rel(info_, t); };
    out_ << ",\n    \"load_balancers\": [";
    for (std::size_t v = 0; v < r.servers.size(); ++v) {
      const auto& s = r.servers[v];
      fmt::print(out_,
                 "{}\n      {{\"name\": {}, \"device\": {}, \"scheduler\": {}, \"forwarding\": {}, \"connections\": {}, "
                 "\"unscheduled\": {}, \"to_sorry\": {}, \"l7_matched\": {}, \"l7_default\": {}, \"l7_cut\": {}, "
                 "\"l7_malformed\": {}, \"tun_type\": {}, \"tun_overhead\": {}, \"tun_bytes\": {}, \"tun_over_mtu\": {}, "
                 "\"tun_df_dropped\": {}, \"tun_fragmented\": {}, \"tun_icmp_mtu\": {}, \"mtu\": {}, "
                 "\"nat_bypass_packets\": {}, \"nat_bypass_connections\": {}, \"reals\": [",
                 v ? "," : "", json_str(s.name), json_str(s.device), json_str(s.scheduler), json_str(s.forwarding),
                 s.connections, s.unscheduled, s.to_sorry, s.l7_matched, s.l7_default, s.l7_cut, s.l7_malformed,
                 s.tun_type.empty() ? "null" : json_str(s.tun_type), s.tun_overhead, s.tun_bytes, s.tun_over_mtu,
                 s.tun_df_dropped, s.tun_fragmented, s.tun_icmp_mtu, s.mtu, s.nat_bypass_packets, s.nat_bypass_connections);
      for (std::size_t i = 0; i < s.reals.size(); ++i) {
        const auto& x = s.reals[i];
        fmt::print(out_, "{}{{\"server\": {}, \"weight\": {}, \"sorry\": {}, \"connections\": {}, \"packets\": {}, "
                         "\"bytes\": {}, \"peak_concurrent\": {}, \"peak_active\": {}, \"peak_inactive\": {}}}",
                   i ? ", " : "", json_str(x.name), x.weight, x.sorry ? "true" : "false", x.connections, x.packets,
                   x.bytes, x.peak_concurrent, x.peak_active, x.peak_inactive);
      }
      out_ << "], \"health_events\": [";
      for (std::size_t i = 0; i < s.health.size(); ++i) {
        const auto& h = s.health[i];
        fmt::print(out_, "{}{{\"server\": {}, \"up\": {}, \"time\": {}, \"detected\": {}, \"delay\": {}, "
                         "\"new_to_dead\": {}, \"live_broken\": {}, \"interval_below\": {}}}",
                   i ? ", " : "", json_str(h.server), h.up ? "true" : "false", secs(h.at),
                   h.detected ? secs(h.detected_at) : "null", h.detected ? format_seconds(h.delay) : "null",
                   h.new_to_dead, h.live_broken, h.interval_below < 0 ? "null" : format_seconds(h.interval_below));
      }
      out_ << "], \"churn\": [";
      for (std::size_t i = 0; i < s.churn.size(); ++i) {
        const auto& c = s.churn[i];
        fmt::print(out_, "{}{{\"time\": {}, \"what\": {}, \"hashed\": {}, \"share\": {:.4f}, \"live\": {}, \"live_on_server\": {}}}",
                   i ? ", " : "", secs(c.at), json_str(c.what), c.hashed ? "true" : "false", c.share, c.live, c.live_on_server);
      }
      out_ << "]}";
    }
    out_ << "\n    ]";
  }

  std::ostream& out_;
  const run_info& info_;
  std::uint64_t n_ = 0;
  block_output out_buf_{out_};  ///< connection rows not yet written to out_
};

}  // namespace

std::unique_ptr<writer> make_json_writer(std::ostream& out, const run_info& info) {
  return std::make_unique<json_writer>(out, info);
}

}  // namespace sessim::report
