// JSON report (docs/output.md): {"schema_version", "tool", "trace", "devices", "connections": [...],
// "summary"}; connections are streamed as they end, so memory does not grow with the trace.
#include <fmt/compile.h>
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <iterator>

#include "report/writers.hpp"
#include "sessim/core/verdict.hpp"

namespace sessim::report {

std::string json_str(std::string_view s) {
  bool plain = true;
  for (unsigned char ch : s) plain = plain && ch >= 0x20 && ch != '"' && ch != '\\';
  if (plain) {  // the usual case: nothing to escape
    std::string o;
    o.reserve(s.size() + 2);
    o += '"';
    o += s;
    o += '"';
    return o;
  }
  std::string o = "\"";
  for (unsigned char ch : s) {
    switch (ch) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\t': o += "\\t"; break;
      case '\r': o += "\\r"; break;
      default:
        if (ch < 0x20) o += fmt::format("\\u{:04x}", ch);
        else o += static_cast<char>(ch);
    }
  }
  return o + "\"";
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
  ~json_writer() override {
    try {
      flush_buf();  // a run that stopped early leaves what it reported, as unbuffered output did
    } catch (...) {
    }
  }

  // Connections are formatted with compiled format strings into a buffer written out in
  // blocks (one per ~64 KiB), not parsed and printed one by one: a JSON report of many short
  // connections spent most of its time there.
  void on_connection(const connection& c) override {
    fmt::appender it(buf_);
    fmt::format_to(it, FMT_COMPILE("{}\n    {{\"id\": {}, \"proto\": "), n_ ? "," : "", c.id);
    append_str(proto_name(c.proto()));
    buf_.append(std::string_view(", \"client\": "));
    if (c.key.proto == 1 || c.key.proto == 58) append_str(c.client());
    else append_endpoint(c.key.src, c.key.sport);
    buf_.append(std::string_view(", \"server\": "));
    if (c.key.proto == 1 || c.key.proto == 58) append_str(c.server());
    else append_endpoint(c.key.dst, c.key.dport);
    fmt::format_to(it, FMT_COMPILE(", \"first_frame\": {}, \"last_frame\": {}, \"first_time\": "), c.first_frame,
                   c.last_frame);
    append_rel(c.first_ts);
    buf_.append(std::string_view(", \"last_time\": "));
    append_rel(c.last_ts);
    fmt::format_to(it, FMT_COMPILE(
               ", \"client_pkts\": {}, \"server_pkts\": {}, \"client_bytes\": {}, \"server_bytes\": {}, "
               "\"client_ip_bytes\": {}, \"server_ip_bytes\": {}, \"conn_state\": "),
               c.pkts[0], c.pkts[1], c.bytes[0], c.bytes[1], c.ip_bytes[0], c.ip_bytes[1]);
    append_str(c.conn_state());
    buf_.append(std::string_view(", \"history\": "));
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
    buf_.push_back('}');
    if (buf_.size() >= 64 * 1024) flush_buf();
  }

  void end(const run_summary& s) override {
    flush_buf();
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
  /// json_str(v), appended to the buffer.
  void append_str(std::string_view v) {
    bool plain = true;
    for (unsigned char ch : v) plain = plain && ch >= 0x20 && ch != '"' && ch != '\\';
    if (!plain) {
      const std::string q = json_str(v);
      buf_.append(std::string_view(q));
      return;
    }
    buf_.push_back('"');
    buf_.append(v);
    buf_.push_back('"');
  }
  /// json_str(flow_key::endpoint_str(a, port)), appended to the buffer.
  void append_endpoint(const ip_addr& a, std::uint16_t port) {
    if (a.v6) {
      append_str(flow_key::endpoint_str(a, port));
      return;
    }
    fmt::format_to(fmt::appender(buf_), FMT_COMPILE("\"{}.{}.{}.{}:{}\""), a.b[0], a.b[1], a.b[2], a.b[3], port);
  }
  /// rel(info_, t) as a JSON number, appended to the buffer (format_rel_time).
  void append_rel(sim_time t) {
    const sim_time d = t - (info_.base ? *info_.base : 0);
    const bool neg = d < 0;
    const std::uint64_t u = neg ? static_cast<std::uint64_t>(-d) : static_cast<std::uint64_t>(d);
    fmt::format_to(fmt::appender(buf_), FMT_COMPILE("{}{}.{:06d}"), neg ? "-" : "", u / ns_per_s, (u % ns_per_s) / 1000);
  }

  void flush_buf() {
    out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    buf_.clear();
  }

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
  fmt::memory_buffer buf_;  ///< formatted connections not yet written to out_
};

}  // namespace

std::unique_ptr<writer> make_json_writer(std::ostream& out, const run_info& info) {
  return std::make_unique<json_writer>(out, info);
}

}  // namespace sessim::report
