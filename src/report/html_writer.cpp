// The self-contained HTML report: summary, broken connections, one inline-SVG timeline each.
#include "report/html_writer.hpp"

#include <algorithm>
#include <deque>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "report/svg_plot.hpp"
#include "sessim/device/tracking_key.hpp"

namespace sessim::report {

namespace {

/// One packet of a connection as the devices saw it.
struct pkt_event {
  sim_time t = 0;
  std::uint64_t frame = 0;
  std::uint32_t seq = 0, payload = 0;
  std::uint8_t flags = 0;
  bool tcp = false;
  bool from_first = true;  ///< sent by the endpoint that sent the connection's first packet
  bool synthetic = false;
  bool dropped = false, rejected = false;
  std::uint8_t drop_dev = 0;
  std::string_view reason;  ///< the dropping device's reason (static strings)
};

/// One stretch of time a device held the connection's session.
struct life {
  sim_time start = 0, end = 0;   ///< end: the deadline, or when a packet removed it
  bool by_packet = false;        ///< a packet ended it (RST, kill) rather than expiry
  bool before = false;           ///< it existed before the first packet shown (sync, or events cut)
  std::string_view how;          ///< reason of the packet that created or first showed it
};

/// A RST a device injected.
struct rst_event {
  sim_time t = 0;
  std::uint8_t dev = 0;
  flow_key key;  ///< src → dst of the RST
};

/// What is kept of one open connection.
struct conn_trace {
  flow_key first;  ///< directional key of the first packet
  std::deque<pkt_event> ev;
  std::uint64_t ev_cut = 0;  ///< older events dropped to stay within max_events
  std::vector<std::vector<life>> lives;
  std::vector<rst_event> rsts;
};

/// A broken connection in the report.
struct row {
  std::uint64_t id = 0;
  std::string proto, client, server, history, state;
  std::uint64_t first_frame = 0, last_frame = 0;
  sim_time first_ts = 0, last_ts = 0;
  break_info brk;
  std::uint64_t after = 0;
  std::string svg;  ///< empty when over max_timelines
};

struct key_hash {
  std::size_t operator()(const flow_key& k) const noexcept { return hash_bidir(k); }
};
struct key_eq {
  bool operator()(const flow_key& a, const flow_key& b) const noexcept { return a.same_flow(b); }
};

std::string human(sim_time t) {
  const double s = to_seconds(t);
  if (s < 1) return fmt::format("{:.1f} ms", s * 1000);
  if (s < 120) return fmt::format("{:.2f} s", s);
  if (s < 7200) return fmt::format("{:.1f} min", s / 60);
  if (s < 172800) return fmt::format("{:.1f} h", s / 3600);
  return fmt::format("{:.1f} d", s / 86400);
}

std::string flag_str(std::uint8_t f) {
  std::string s;
  auto add = [&](std::uint8_t bit, const char* n) {
    if (f & bit) s += s.empty() ? n : std::string("+") + n;
  };
  add(tcp_flags::syn, "SYN");
  add(tcp_flags::fin, "FIN");
  add(tcp_flags::rst, "RST");
  add(tcp_flags::psh, "PSH");
  add(tcp_flags::ack, "ACK");
  add(tcp_flags::urg, "URG");
  return s.empty() ? "none" : s;
}

std::string f1(double v) { return fmt::format("{:.1f}", v); }

constexpr std::string_view css = R"(body{font-family:"DejaVu Sans",Arial,Helvetica,sans-serif;margin:24px 32px;color:#222;max-width:1100px}
h1{font-size:24px;margin-bottom:4px}h2{font-size:19px;margin-top:32px;border-bottom:1px solid #ccc;padding-bottom:4px}
h3{font-size:15px;margin:24px 0 4px 0;font-family:"DejaVu Sans Mono",monospace}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.n{text-align:right}.meta{color:#555;font-size:13px}.cause{font-weight:bold;color:#B22222}
.detail{font-size:13px;margin:2px 0 6px 0}svg.timeline{display:block;margin:4px 0 8px 0;border:1px solid #ddd;background:#fff}
.note{color:#777;font-size:12px})";

}  // namespace

struct html_writer::impl {
  std::ostream& out;
  const run_info& info;
  const replay& r;
  html_options opt;
  std::vector<std::string> names;
  std::unordered_map<flow_key, conn_trace, key_hash, key_eq> conns;
  std::vector<row> rows;
  std::vector<std::pair<std::string, std::string>> sections;
  std::size_t drawn = 0;

  impl(std::ostream& o, const run_info& i, const replay& rp, html_options op) : out(o), info(i), r(rp), opt(op) {
    for (const auto& d : r.devices()) names.push_back(d->name());
  }

  std::size_t device_index(std::string_view n) const {
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == n) return i;
    return names.size();
  }

  static bool is_skip(std::string_view reason) {
    for (std::size_t i = 1; i < static_cast<std::size_t>(skip_reason::count_); ++i)
      if (reason == skip_reason_name(static_cast<skip_reason>(i))) return true;
    return false;
  }

  std::string rel_s(sim_time t) const { return rel(info, t); }

  conn_trace& trace_of(const packet_view& p, const flow_key& k) {
    auto it = conns.find(k);
    if (it == conns.end()) {
      it = conns.emplace(k, conn_trace{}).first;
      it->second.first = p.key;
      it->second.lives.resize(names.size());
    }
    return it->second;
  }

  void verdict_of(const packet_view& p, std::string_view device, verdict v, std::string_view reason) {
    if (is_skip(reason)) return;
    const std::size_t di = device_index(device);
    if (di >= names.size()) return;
    const flow_key k = tracking_key(p);
    conn_trace& c = trace_of(p, k);
    const bool from_first = p.key == c.first;
    pkt_event* e = nullptr;
    for (std::size_t back = 0; back < 8 && back < c.ev.size(); ++back) {
      pkt_event& x = c.ev[c.ev.size() - 1 - back];
      if (x.t == p.ts && x.frame == p.frame && x.seq == p.seq && x.flags == p.flags && x.from_first == from_first &&
          x.synthetic == p.synthetic) {
        e = &x;
        break;
      }
    }
    if (!e) {
      if (c.ev.size() >= opt.max_events) {
        c.ev.pop_front();
        ++c.ev_cut;
      }
      pkt_event n;
      n.t = p.ts;
      n.frame = p.frame;
      n.seq = p.seq;
      n.flags = p.flags;
      n.tcp = p.is_tcp();
      n.payload = p.payload_len;
      n.from_first = from_first;
      n.synthetic = p.synthetic;
      c.ev.push_back(n);
      e = &c.ev.back();
    }
    if ((v == verdict::drop || v == verdict::reject) && !e->dropped) {
      e->dropped = true;
      e->rejected = v == verdict::reject;
      e->drop_dev = static_cast<std::uint8_t>(di);
      e->reason = reason;
    }
    // The session's lifetime on this device, read right after its verdict.
    if (!p.l4_header) return;
    session_snapshot snap;
    auto& lives = c.lives[di];
    if (r.devices()[di]->snapshot(k, snap)) {
      if (lives.empty() || lives.back().end <= p.ts) {
        life l;
        l.start = p.ts;
        l.end = snap.deadline;
        l.how = reason;
        l.before = reason == "established" || reason == "ignored";
        lives.push_back(l);
        if (lives.size() > opt.max_sessions) lives.erase(lives.begin());
      } else {
        lives.back().end = snap.deadline;
        lives.back().by_packet = false;
      }
    } else if (!lives.empty() && lives.back().end > p.ts) {
      lives.back().end = p.ts;
      lives.back().by_packet = true;
    }
    // The other devices: a session that reached them by sync (or left them) without a packet.
    for (std::size_t j = 0; j < names.size(); ++j) {
      if (j == di) continue;
      auto& other = c.lives[j];
      if (r.devices()[j]->snapshot(k, snap)) {
        if (other.empty() || other.back().end <= p.ts) {
          life l;
          l.start = p.ts;
          l.end = snap.deadline;
          l.how = "sync";
          l.before = true;
          other.push_back(l);
          if (other.size() > opt.max_sessions) other.erase(other.begin());
        } else if (snap.deadline > other.back().end) {
          other.back().end = snap.deadline;
        }
      } else if (!other.empty() && other.back().end > p.ts) {
        other.back().end = p.ts;
        other.back().by_packet = true;
      }
    }
  }

  std::string timeline(const connection& cn, const conn_trace& tr) const;
  void write(const run_summary& s);
};

html_writer::html_writer(std::ostream& out, const run_info& info, const replay& r, html_options opt)
    : impl_(std::make_unique<impl>(out, info, r, opt)) {}
html_writer::~html_writer() = default;

void html_writer::on_verdict(const packet_view& p, std::string_view device, verdict v, std::string_view reason) {
  impl_->verdict_of(p, device, v, reason);
}

void html_writer::on_injected(sim_time t, std::string_view device, const injected_rst& rst, bool) {
  auto it = impl_->conns.find(rst.key);
  if (it == impl_->conns.end()) return;
  const std::size_t di = impl_->device_index(device);
  if (it->second.rsts.size() < 64) it->second.rsts.push_back({t, static_cast<std::uint8_t>(di), rst.key});
}

void html_writer::on_sync(sim_time t, std::string_view device, const session_snapshot& snap, bool) {
  // The session's life on the receiving device starts (or is extended) at the message's arrival.
  auto it = impl_->conns.find(snap.orig);
  if (it == impl_->conns.end()) return;
  const std::size_t di = impl_->device_index(device);
  if (di >= impl_->names.size()) return;
  auto& lives = it->second.lives[di];
  session_snapshot now;
  if (impl_->r.devices()[di]->snapshot(snap.orig, now)) {
    if (lives.empty() || lives.back().end <= t) {
      life l;
      l.start = t;
      l.end = now.deadline;
      l.how = "sync";
      lives.push_back(l);
      if (lives.size() > impl_->opt.max_sessions) lives.erase(lives.begin());
    } else if (now.deadline > lives.back().end) {
      lives.back().end = now.deadline;
    }
  } else if (!lives.empty() && lives.back().end > t) {
    lives.back().end = t;
    lives.back().by_packet = true;
  }
}

void html_writer::on_connection(const connection& c) {
  auto it = impl_->conns.find(c.key);
  if (!c.broken) {
    if (it != impl_->conns.end()) impl_->conns.erase(it);
    return;
  }
  row rw;
  rw.id = c.id;
  rw.proto = std::string(proto_name(c.proto()));
  rw.client = c.client();
  rw.server = c.server();
  rw.history = c.history.str();
  rw.state = c.conn_state();
  rw.first_frame = c.first_frame;
  rw.last_frame = c.last_frame;
  rw.first_ts = c.first_ts;
  rw.last_ts = c.last_ts;
  rw.brk = c.brk;
  rw.after = c.after_break;
  if (it != impl_->conns.end() && impl_->drawn < impl_->opt.max_timelines) {
    rw.svg = impl_->timeline(c, it->second);
    ++impl_->drawn;
  }
  if (it != impl_->conns.end()) impl_->conns.erase(it);
  impl_->rows.push_back(std::move(rw));
}

void html_writer::add_section(const std::string& title, const std::string& html) {
  impl_->sections.emplace_back(title, html);
}

void html_writer::end(const run_summary& s) { impl_->write(s); }

std::string html_writer::impl::timeline(const connection& cn, const conn_trace& tr) const {
  const std::size_t nd = names.size();
  const double W = 960, L = 110, R = W - 30;
  const double top = 34, lane = 44, axis_y = top + lane;
  const double dev_y0 = axis_y + lane + 26, dev_h = 24;
  const double time_y = dev_y0 + dev_h * static_cast<double>(nd) + 8;
  const double H = time_y + 64;

  // Time range: the packets shown, the break, RSTs, and the session lives (clipped later).
  sim_time t0 = tr.ev.empty() ? cn.first_ts : tr.ev.front().t, t1 = tr.ev.empty() ? cn.last_ts : tr.ev.back().t;
  auto widen = [&](sim_time t) {
    t0 = std::min(t0, t);
    t1 = std::max(t1, t);
  };
  widen(cn.brk.time);
  for (const auto& r0 : tr.rsts) widen(r0.t);
  for (const auto& lv : tr.lives)
    for (const auto& l : lv) {
      widen(l.start);
      if (l.end <= t1 || l.by_packet) widen(l.end);
    }
  sim_time span = t1 - t0;
  if (span <= 0) span = 1'000'000'000;
  const sim_time pad = span / 40;
  const sim_time v0 = t0 - pad, v1 = t1 + pad;
  auto X = [&](sim_time t) {
    const sim_time c = std::clamp(t, v0, v1);
    return L + static_cast<double>(c - v0) / static_cast<double>(v1 - v0) * (R - L);
  };
  const bool client_first = tr.first == cn.key;
  auto is_client = [&](bool from_first) { return from_first == client_first; };

  std::string s = fmt::format(
      "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"11\" role=\"img\">\n<title>connection #{2} timeline</title>\n",
      W, f1(H), cn.id);

  // Idle gaps between consecutive packets.
  const sim_time min_gap = std::max<sim_time>(span / 20, 1'000'000'000);
  for (std::size_t i = 1; i < tr.ev.size(); ++i) {
    const sim_time a = tr.ev[i - 1].t, b = tr.ev[i].t;
    if (b - a < min_gap) continue;
    const double xa = X(a), xb = X(b);
    s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fff3cd\"><title>idle {} ({} s)</title></rect>\n",
                     f1(xa), top - 6, f1(xb - xa), f1(2 * lane + 6), human(b - a), format_seconds(b - a));
    if (xb - xa > 70)
      s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#8a6d3b\" font-size=\"12\">idle {}</text>\n",
                       f1((xa + xb) / 2), f1(axis_y - 6), human(b - a));
  }

  // Lane labels and the axis.
  s += fmt::format("<text x=\"8\" y=\"{}\" font-weight=\"bold\">client \xe2\x86\x92</text>\n", f1(top + lane / 2));
  s += fmt::format("<text x=\"8\" y=\"{}\" font-weight=\"bold\">\xe2\x86\x90 server</text>\n", f1(axis_y + lane / 2 + 8));
  s += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333\"/>\n", L, f1(axis_y), R, f1(axis_y));

  // Packets: client above the axis, server below.
  for (const auto& e : tr.ev) {
    const bool cl = is_client(e.from_first);
    const double x = X(e.t);
    const double h = e.payload > 0 || (e.flags & (tcp_flags::syn | tcp_flags::fin | tcp_flags::rst)) ? lane - 8 : lane * 0.55;
    const double y2 = cl ? axis_y - h : axis_y + h;
    const char* color = e.dropped ? "#D00000" : e.synthetic ? "#0072B2" : "#2E7D32";
    std::string what = e.tcp ? flag_str(e.flags) : std::string(proto_name(cn.proto()));
    std::string title = fmt::format("{} t={} s, {} \xe2\x86\x92 {}, {}{}: {}", e.synthetic ? "keepalive" : fmt::format("frame {}", e.frame),
                                    rel_s(e.t), cl ? "client" : "server", cl ? "server" : "client", what,
                                    e.payload ? fmt::format(" {} B", e.payload) : "",
                                    e.dropped ? fmt::format("{} on {} ({})", e.rejected ? "rejected" : "dropped",
                                                            names[e.drop_dev], e.reason)
                                              : "forwarded");
    s += fmt::format("<line class=\"pkt{}\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"{}\"{}><title>{}</title></line>\n",
                     e.dropped ? " dropped" : e.synthetic ? " keepalive" : "", f1(x), f1(axis_y), f1(x), f1(y2), color,
                     e.dropped ? 2.5 : 1.5, e.synthetic ? " stroke-dasharray=\"3 2\"" : "", xml_escape(title));
    if (e.dropped)
      s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#D00000\" font-size=\"13\" font-weight=\"bold\">\xc3\x97</text>\n",
                       f1(x), f1(cl ? y2 - 2 : y2 + 11));
  }

  // Injected RSTs: a triangle in the lane of the endpoint that receives it.
  for (const auto& r0 : tr.rsts) {
    const bool to_client = r0.key.dst == cn.key.src && r0.key.dport == cn.key.sport;
    const double x = X(r0.t), y = to_client ? top - 2 : axis_y + lane + 2;
    s += fmt::format("<path d=\"M{},{} l-6,{} l12,0 Z\" fill=\"#7B1FA2\"><title>RST from {} to the {} at t={} s</title></path>\n",
                     f1(x), f1(y), to_client ? 10 : -10, r0.dev < nd ? names[r0.dev] : "?", to_client ? "client" : "server",
                     rel_s(r0.t));
  }

  // Session lifetimes per device.
  for (std::size_t d = 0; d < nd; ++d) {
    const double y = dev_y0 + dev_h * static_cast<double>(d);
    s += fmt::format("<text x=\"8\" y=\"{}\">session on {}</text>\n", f1(y + 15), xml_escape(names[d]));
    s += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#ddd\"/>\n", L, f1(y + 11), R, f1(y + 11));
    for (const auto& l : tr.lives[d]) {
      const bool clipped = l.end > v1;
      const double xa = X(l.start), xb = X(l.end);
      s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"14\" fill=\"#4F81BD\" fill-opacity=\"{}\"><title>session on {}: "
                       "{} t={} s ({}) to {}</title></rect>\n",
                       f1(xa), f1(y + 4), f1(std::max(xb - xa, 1.5)), l.before ? "0.45" : "0.85", xml_escape(names[d]),
                       l.before ? "held at" : "from", rel_s(l.start),
                       l.how == "sync" ? std::string_view(l.before ? "seen without a packet on this device: installed by sync"
                                                                   : "installed by sync (arrival of the message)")
                                       : l.how,
                       clipped ? fmt::format("t={} s (after the window)", rel_s(l.end))
                       : l.by_packet ? fmt::format("t={} s (gone: ended by a packet, removed or lost)", rel_s(l.end))
                                     : fmt::format("t={} s (expired)", rel_s(l.end)));
      if (!clipped && !l.by_packet && l.end <= t1) {
        s += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#D00000\" stroke-width=\"2\"/>"
                         "<text x=\"{3}\" y=\"{4}\" fill=\"#D00000\">expired</text>\n",
                         f1(xb), f1(y + 1), f1(y + 21), f1(xb + 3), f1(y + 15));
      }
    }
  }

  // The break.
  {
    const double x = X(cn.brk.time);
    s += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#B22222\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>"
                     "<text x=\"{3}\" y=\"{4}\" fill=\"#B22222\" font-weight=\"bold\" text-anchor=\"{5}\">break: {6}</text>\n",
                     f1(x), top - 10, f1(time_y), f1(x > R - 150 ? x - 4 : x + 4), top - 14 + 0, x > R - 150 ? "end" : "start",
                     cause_name(cn.brk.cause));
  }

  // Time axis (seconds since the trace start).
  s += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333\"/>\n", L, f1(time_y), R, f1(time_y));
  const sim_time base = info.base ? *info.base : 0;
  const double a = to_seconds(v0 - base), b = to_seconds(v1 - base);
  for (double v : nice_ticks(a, b, 8)) {
    const double x = L + (v - a) / (b - a) * (R - L);
    if (x < L - 0.5 || x > R + 0.5) continue;
    s += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#333\"/><text x=\"{0}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>\n",
                     f1(x), f1(time_y), f1(time_y + 5), f1(time_y + 17), tick_label(v));
  }
  s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">time since the trace start (s)</text>\n", f1((L + R) / 2),
                   f1(time_y + 32));

  // Legend.
  const double ly = time_y + 50;
  s += fmt::format(
      "<g font-size=\"11\"><line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#2E7D32\" stroke-width=\"1.5\"/><text x=\"{3}\" y=\"{1}\">forwarded</text>"
      "<line x1=\"{4}\" y1=\"{1}\" x2=\"{4}\" y2=\"{2}\" stroke=\"#D00000\" stroke-width=\"2.5\"/><text x=\"{5}\" y=\"{1}\">dropped</text>"
      "<line x1=\"{6}\" y1=\"{1}\" x2=\"{6}\" y2=\"{2}\" stroke=\"#0072B2\" stroke-dasharray=\"3 2\" stroke-width=\"1.5\"/><text x=\"{7}\" y=\"{1}\">keepalive</text>"
      "<path d=\"M{8},{11} l10,0 l-5,9 Z\" fill=\"#7B1FA2\"/><text x=\"{9}\" y=\"{1}\">injected RST</text>"
      "<rect x=\"{10}\" y=\"{11}\" width=\"18\" height=\"10\" fill=\"#4F81BD\" fill-opacity=\"0.85\"/><text x=\"{12}\" y=\"{1}\">session held</text>"
      "<rect x=\"{13}\" y=\"{11}\" width=\"18\" height=\"10\" fill=\"#fff3cd\" stroke=\"#e0d090\"/><text x=\"{14}\" y=\"{1}\">idle gap</text></g>\n",
      L, f1(ly), f1(ly - 10), L + 6, L + 90, L + 96, L + 170, L + 176, L + 254, L + 270, L + 370, f1(ly - 9), L + 392, L + 485, L + 507);
  if (tr.ev_cut)
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#777\">{} earlier packet(s) not shown</text>\n", R, f1(ly),
                     tr.ev_cut);
  s += "</svg>\n";
  return s;
}

void html_writer::impl::write(const run_summary& s) {
  std::sort(rows.begin(), rows.end(), [](const row& a, const row& b) { return a.id < b.id; });
  fmt::print(out,
             "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>sessim report: {0}</title>\n"
             "<style>\n{1}\n</style>\n</head>\n<body>\n<h1>sessim report</h1>\n<p class=\"meta\">{2} {3} &middot; trace {0}</p>\n",
             xml_escape(info.trace), css, xml_escape(info.tool), xml_escape(info.version));
  out << "<ul class=\"meta\">\n";
  for (std::size_t i = 0; i < info.devices.size(); ++i) {
    const auto& d = info.devices[i];
    std::string ov;
    if (i < info.preset_defaults.size())
      for (auto& [k, v] : overrides(d.config, info.preset_defaults[i])) ov += fmt::format(" {}={}", k, v);
    fmt::print(out, "<li>device <b>{}</b>: preset {}{}</li>\n", xml_escape(d.name), xml_escape(d.config.preset),
               ov.empty() ? "" : "," + xml_escape(ov));
  }
  if (info.cold_start) out << "<li>cold start: connections open at capture start are new to the devices</li>\n";
  out << "</ul>\n";

  // Summary.
  out << "<h2>Summary</h2>\n<table class=\"summary\">\n";
  auto kv = [&](std::string_view k, const std::string& v) {
    fmt::print(out, "<tr><th>{}</th><td>{}</td></tr>\n", k, v);
  };
  kv("frames", fmt::format("{} ({} IP, {} not IP, {} unparsed)", s.frames, s.parsed,
                           s.skipped[static_cast<std::size_t>(skip_reason::not_ip)], s.unparsed()));
  kv("duration", fmt::format("{} ({} s)", human(s.last_ts - s.first_ts), format_seconds(s.last_ts - s.first_ts)));
  kv("connections", std::to_string(s.connections));
  std::string causes;
  for (std::size_t i = 1; i < s.broken_by_cause.size(); ++i)
    if (s.broken_by_cause[i])
      causes += fmt::format("{}{} {}", causes.empty() ? "" : ", ", cause_name(static_cast<break_cause>(i)), s.broken_by_cause[i]);
  kv("broken", fmt::format("{}{}", s.broken, causes.empty() ? "" : " (" + causes + ")"));
  kv("dropped frames", std::to_string(s.frames_dropped));
  kv("injected RSTs", std::to_string(s.rsts_injected));
  for (const auto& d : s.devices)
    kv("device " + xml_escape(d.name),
       fmt::format("peak {} sessions, created {}, expired {}, evicted {}, forwarded {}, dropped {}, rejected {}", d.peak_sessions,
                   d.stats.created, d.stats.expired, d.stats.evicted, d.stats.forwarded, d.stats.dropped, d.stats.rejected));
  out << "</table>\n";

  for (const auto& [title, html] : sections) fmt::print(out, "<h2>{}</h2>\n{}", xml_escape(title), html);

  // Broken connections.
  fmt::print(out, "<h2>Broken connections ({})</h2>\n", rows.size());
  if (rows.empty()) {
    out << "<p>None: every connection in the trace got through.</p>\n";
  } else {
    out << "<table class=\"broken\">\n<tr><th>#</th><th>proto</th><th>client</th><th>server</th><th>frames</th>"
           "<th>broke at</th><th>device</th><th>cause</th><th>endpoints</th><th>fix</th></tr>\n";
    for (const auto& w : rows) {
      const auto& b = w.brk;
      fmt::print(out,
                 "<tr><td class=\"n\"><a href=\"#c{0}\">{0}</a></td><td>{1}</td><td>{2}</td><td>{3}</td><td class=\"n\">{4}..{5}</td>"
                 "<td>{6}</td><td>{7}</td><td class=\"cause\">{8}</td><td>{9} at t={10} s</td><td>{11}</td></tr>\n",
                 w.id, w.proto, xml_escape(w.client), xml_escape(w.server), w.first_frame, w.last_frame,
                 b.frame ? fmt::format("frame {}, t={} s", b.frame, rel_s(b.time)) : fmt::format("t={} s", rel_s(b.time)),
                 xml_escape(b.device), cause_name(b.cause), experience_name(b.exp), rel_s(b.exp_time), xml_escape(b.hint));
    }
    out << "</table>\n";
    out << "<h2>Timelines</h2>\n<p class=\"note\">Client packets above the axis, server packets below; green: forwarded, red "
           "&times;: dropped, dashed blue: keepalive (what-if); bars: the session on each device from its creation to its "
           "deadline (pale: it was already there — installed by sync, or older packets are not shown); red tick: expiry; purple: RSTs the device injected; "
           "yellow: idle gaps. Hover for details.</p>\n";
    for (const auto& w : rows) {
      const auto& b = w.brk;
      fmt::print(out, "<section id=\"c{}\">\n<h3>#{} {} {} &rarr; {} &middot; frames {}..{} &middot; {}..{} s &middot; {} {}</h3>\n",
                 w.id, w.id, w.proto, xml_escape(w.client), xml_escape(w.server), w.first_frame, w.last_frame,
                 rel_s(w.first_ts), rel_s(w.last_ts), xml_escape(w.state), xml_escape(w.history));
      std::string where = b.frame ? fmt::format("frame {} (t={} s, {} &rarr; {})", b.frame, rel_s(b.time),
                                                b.dir == 0 ? "client" : "server", b.dir == 0 ? "server" : "client")
                                  : fmt::format("t={} s", rel_s(b.time));
      std::string why;
      if ((b.cause == break_cause::idle_timeout || b.cause == break_cause::rst_on_expiry) && b.idle_gap >= 0)
        why = fmt::format(" after {} idle ({} = {} s)", human(b.idle_gap), xml_escape(b.fix_key), format_seconds(b.current));
      else
        why = fmt::format(" (reason {})", reason_name(b.why));
      fmt::print(out, "<p class=\"detail\">broke at {} on <b>{}</b>: <span class=\"cause\">{}</span>{}; endpoints: {} at t={} s",
                 where, xml_escape(b.device), cause_name(b.cause), why, experience_name(b.exp), rel_s(b.exp_time));
      if (w.after) fmt::print(out, "; {} more frame(s) after the break", w.after);
      out << "</p>\n";
      if (!b.hint.empty()) fmt::print(out, "<p class=\"detail\">fix: {}</p>\n", xml_escape(b.hint));
      if (w.svg.empty()) out << "<p class=\"note\">(timeline not drawn: over the limit of timelines per report)</p>\n";
      else out << w.svg;
      out << "</section>\n";
    }
  }
  out << "<p class=\"note\">Written by sessim. Times are seconds since the first frame of the trace.</p>\n</body>\n</html>\n";
  out.flush();
}

}  // namespace sessim::report
