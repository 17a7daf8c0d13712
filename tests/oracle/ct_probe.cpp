// ct_probe: replays a capture through one `linux`-preset session_device (cold start, through the
// replay, so IP fragments are reassembled as `sessim run` does) and prints,
// per frame, what ct-oracle prints for the kernel: verdict, ct state (NEW / ESTABLISHED /
// RELATED / INVALID), TCP state and remaining timeout after the packet, status bits, and the
// sessions that ended at that frame (expired / reopened / killed). compare.py --states uses it
// to find state and timer differences that do not (yet) change a verdict.
//
// Not part of the build (debug tool; it opens the device's private table). Build it with
//   tests/oracle/build_probe.sh [BUILD_DIR]     (default build-oracle; needs libsessim_trace.a)
// Usage: ct_probe TRACE [KEY=VALUE ...]         (keys as `sessim keys`)
#include <cstdio>
#include <map>
#include <string>
#include <vector>

// Everything session_device.hpp includes comes first, so that only session_device itself is
// compiled with its private members opened.
#include "sessim/core/packet.hpp"
#include "sessim/core/session_table.hpp"
#include "sessim/core/verdict.hpp"
#include "sessim/device/tracking_key.hpp"
#include "sessim/policy/device_config.hpp"
#include "sessim/tcp/conntrack_tcp.hpp"
#define private public
#include "sessim/device/session_device.hpp"
#undef private
#include "sessim/policy/presets/linux.hpp"
#include "sessim/sim/replay.hpp"
#include "sessim/trace/trace_reader.hpp"

using namespace sessim;

static const char* slot_name(timeout_slot s) {
  switch (s) {
    case timeout_slot::tcp_syn_sent: return "syn_sent";
    case timeout_slot::tcp_syn_recv: return "syn_recv";
    case timeout_slot::tcp_established: return "established";
    case timeout_slot::tcp_fin_wait: return "fin_wait";
    case timeout_slot::tcp_close_wait: return "close_wait";
    case timeout_slot::tcp_last_ack: return "last_ack";
    case timeout_slot::tcp_time_wait: return "time_wait";
    case timeout_slot::tcp_close: return "close";
    case timeout_slot::tcp_syn_sent2: return "syn_sent2";
    case timeout_slot::tcp_max_retrans: return "max_retrans";
    case timeout_slot::tcp_unacknowledged: return "unacknowledged";
    case timeout_slot::udp_unreplied: return "udp";
    case timeout_slot::udp_stream: return "udp_stream";
    case timeout_slot::icmp: return "icmp";
    case timeout_slot::generic: return "generic";
    case timeout_slot::gre_unreplied: return "gre";
    case timeout_slot::gre_stream: return "gre_stream";
    default: return "?";
  }
}

static const char* end_name(session_end_kind k) {
  switch (k) {
    case session_end_kind::expired: return "EXPIRED";
    case session_end_kind::evicted: return "EVICTED";
    case session_end_kind::killed: return "KILLED";
    case session_end_kind::reopened: return "REOPENED";
  }
  return "?";
}

/// Prints one row per frame the device decides on (through the replay, so IP fragments are held
/// and reassembled exactly as `sessim run` does; dropped orphan fragments print nothing).
struct probe : replay_observer {
  sim_time t0 = 0;
  bool started = false;
  // Sessions that ended, by original tuple, until a frame of that flow shows them (the kernel
  // destroys an expired entry when a packet's lookup finds it, so it reports the DESTROY on the
  // flow's next frame; sessim expires it at its deadline).
  std::map<flow_key, std::string> ends;

  std::string take_end(const flow_key& k) {
    std::string out;
    for (const flow_key& x : {k, k.reversed()}) {
      auto it = ends.find(x);
      if (it == ends.end()) continue;
      out += (out.empty() ? "" : " ") + it->second;
      ends.erase(it);
    }
    return out;
  }
  void on_session_end(std::size_t, const session_end& e) override {
    std::string s = end_name(e.kind);
    if (e.orig.proto == 6) s += std::string("/") + tcp::ct_state_name(e.tcp_state);
    ends[e.orig] = s;
  }
  /// The device's key (linux: the ICMP code is part of a query's key, icmp.code_in_key; GRE
  /// version 1 is keyed by its call id, gre.track).
  static flow_key key_of(session_device& dev, const packet_view& q) {
    flow_key x = tracking_key(q);
    if (dev.cfg_.gre_tracking && q.key.proto == 47) session_device::fold_gre_v1(x, q.gre);
    const icmp_kind kind = classify_icmp(q);
    if (dev.cfg_.icmp_code_in_key) {
      fold_icmp_code(x, kind, q.icmp_code);
      if (kind == icmp_kind::request || kind == icmp_kind::reply) {
        int dd = 0;
        dev.icmp_query_session(x, kind, dev.table_.find(x, dd), dd);
      }
    }
    return x;
  }
  void on_decision(std::size_t, const packet_view& p, const connection&, const decision& d, sim_time t,
                   session_device& dev) override {
    if (!started) {
      started = true;
      t0 = p.ts;
    }
    const unsigned long long frame = p.frame;
    if (!p.l4_header) {
      std::printf("%llu,%.6f,%s,fragment,-,-,-,-,-,-,\n", frame, to_seconds(p.ts - t0),
                  d.v == verdict::forward ? "forward" : "drop");
      return;
    }
    const flow_key k = key_of(dev, p);
    std::string ended = take_end(k);
    std::string ctstate, ctdir = "-", tstate = "-", slot = "-", tmo = "-", st = "-";
    int dir1 = 0;
    session* s = d.v == verdict::forward ? dev.table_.find(k, dir1) : nullptr;
    if (d.v != verdict::forward) {
      ctstate = "INVALID";
    } else if (d.why == reason::related) {
      ctstate = "RELATED";
    } else if (d.why == reason::untracked) {
      ctstate = "UNTRACKED";
    } else {
      const bool reply = d.dir == 1;
      ctdir = reply ? "reply" : "orig";
      // an original-direction packet never sets SEEN_REPLY: the status after it is the one before
      const bool seen_reply = s && (s->status & tcp::status::seen_reply);
      ctstate = reply || (!d.created && seen_reply) ? "ESTABLISHED" : "NEW";
      if (s) {
        if (s->key.proto == 6) tstate = tcp::ct_state_name(s->l4.tcp.st());
        slot = slot_name(s->slot);
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.6f", to_seconds(s->deadline - t));
        tmo = buf;
        st.clear();
        if (s->status & tcp::status::seen_reply) st += "R";
        if (s->status & tcp::status::assured) st += "A";
        if (st.empty()) st = "U";
      } else {
        tstate = "GONE";
      }
    }
    if (std::string more = take_end(k); !more.empty()) ended += (ended.empty() ? "" : " ") + more;
    std::printf("%llu,%.6f,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", frame, to_seconds(p.ts - t0),
                d.v == verdict::forward ? "forward" : "drop", std::string(reason_name(d.why)).c_str(),
                ctstate.c_str(), ctdir.c_str(), tstate.c_str(), slot.c_str(), tmo.c_str(), st.c_str(),
                ended.c_str());
  }
};

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: ct_probe TRACE [KEY=VALUE ...]\n");
    return 2;
  }
  device_config cfg = presets::make_linux();
  for (int i = 2; i < argc; ++i) {
    std::string kv = argv[i];
    auto eq = kv.find('=');
    if (eq == std::string::npos) {
      std::fprintf(stderr, "bad setting %s\n", argv[i]);
      return 2;
    }
    apply_setting(cfg, kv.substr(0, eq), kv.substr(eq + 1));
  }
  std::printf("frame,time,verdict,reason,ctstate,ctdir,tcpstate,slot,timeout,status,ended\n");
  probe pr;
  replay_options ropt;
  ropt.log.cold_start = true;
  ropt.observer = &pr;
  trace_reader reader(argv[1]);
  replay r({device_spec{"fw", cfg}}, ropt);
  replay_sink none;
  r.run(reader, none);
  return 0;
}
