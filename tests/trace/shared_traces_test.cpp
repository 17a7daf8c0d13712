// Every capture under SESSIM_SHARED_TRACES reads without error and its frames add up; the files
// described in MANIFEST.md decode to the exact counts recorded below.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "sessim/core/error.hpp"
#include "sessim/trace/decode.hpp"
#include "sessim/trace/trace_reader.hpp"

using namespace sessim;
namespace fs = std::filesystem;

namespace {

#ifdef SESSIM_SHARED_TRACES
const fs::path traces_dir = SESSIM_SHARED_TRACES;
#else
const fs::path traces_dir;
#endif

std::vector<fs::path> capture_files() {
  std::vector<fs::path> out;
  std::error_code ec;
  if (traces_dir.empty() || !fs::is_directory(traces_dir, ec)) return out;
  for (const auto& e : fs::recursive_directory_iterator(traces_dir, ec)) {
    if (!e.is_regular_file()) continue;
    const auto ext = e.path().extension();
    if (ext == ".pcap" || ext == ".pcapng") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// What one file decodes to.
struct expected_counts {
  std::uint64_t frames, parsed;
  std::string skips;  ///< "reason=n ..." in skip_reason order
  std::uint64_t truncated, backwards;
};

std::string skip_summary(const trace_stats& s) {
  std::string out;
  for (std::size_t i = 1; i < s.skipped.size(); ++i) {
    if (s.skipped[i] == 0) continue;
    if (!out.empty()) out += ' ';
    out += std::string(skip_reason_name(static_cast<skip_reason>(i))) + "=" + std::to_string(s.skipped[i]);
  }
  return out;
}

/// Frame totals match MANIFEST.md (capinfos); the skip breakdown was cross-checked with tcpdump.
const std::map<std::string, expected_counts> known = {
    {"arkime-irc-idle.pcap", {26, 26, "", 0, 0}},
    {"ipfixprobe-mixed-udp-icmp.pcap", {205, 157, "not-ip=48", 0, 0}},
    {"ndpi-1kxun-mixed.pcap", {1723, 1723, "", 0, 0}},
    {"ndpi-avast-tcp-keepalive.pcap", {142, 142, "", 0, 7}},
    {"ndpi-gnutella-mixed.pcap", {3905, 3882, "not-ip=22 truncated-l2=1", 1, 0}},
    {"ndpi-jabber-idle.pcap", {376, 358, "not-ip=18", 0, 0}},
    {"ndpi-kakaotalk-chat-sll.pcap", {347, 347, "", 0, 0}},
    {"ndpi-nest-log-sink.pcap", {1000, 774, "not-ip=226", 0, 0}},
    {"ndpi-port-reuse-after-56min.pcapng", {14, 14, "", 0, 0}},  // frame 10: IP length 2610 in 562 bytes, truncated
    {"ndpi-reddit-ipv6-rst.pcap", {1942, 1942, "", 0, 0}},
    {"ndpi-ssh-idle.pcap", {295, 295, "", 0, 0}},
    {"ndpi-synscan.pcap", {2011, 2011, "", 0, 0}},
    {"ndpi-webex-halfclose-rst.pcap", {1110, 1110, "", 0, 0}},
    {"ppp-4k-http-requests-client-only.pcap", {385, 385, "", 0, 0}},
    {"ppp-example2-mixed.pcap", {4709, 4699, "not-ip=10", 0, 0}},
    {"sv-decode-sll2.pcap", {5, 5, "", 0, 0}},
    {"sv-smb-async-oneside-client.pcap", {83, 83, "", 0, 0}},
    {"tcpdump-tcp-handshake-nano.pcap", {3, 3, "", 0, 0}},
    {"zeek-ftp-bigtransfer.pcap", {83, 83, "", 0, 0}},
    {"zeek-ftp-ipv6.pcap", {136, 136, "", 0, 0}},
    {"zeek-gre-sample.pcap", {40, 40, "", 0, 0}},
    {"zeek-http-on-irc-port-missing-syn.pcapng", {13, 13, "", 0, 0}},
    {"zeek-ipv4-fragmented-syn.pcap", {2, 2, "", 0, 0}},
    {"zeek-ipv6-fragmented-dns.pcap", {8, 7, "ip-fragment-orphan=1", 0, 0}},
    {"zeek-mixed-vlan-mpls.pcap", {47, 47, "", 0, 0}},
    {"zeek-ntp-misordered.pcap", {2, 2, "", 0, 0}},
    {"zeek-pcapng-multi-interface.pcapng", {6, 6, "", 0, 0}},
    {"zeek-q-in-q.pcap", {5, 4, "not-ip=1", 0, 0}},
    {"zeek-quic-chromium.pcap", {19, 19, "", 0, 0}},
    {"zeek-rotation-rawip-syns.pcap", {20, 20, "", 0, 0}},
    {"zeek-smtp-one-side-only.pcap", {19, 19, "", 0, 0}},
    {"zeek-ssh-client-side-half-duplex.pcap", {838, 838, "", 0, 0}},
    {"zeek-ssh-multi.pcap", {1797, 1797, "", 0, 0}},
    {"zeek-tcp-missing-syn.pcap", {21, 21, "", 0, 0}},
    {"zeek-tcp-retransmit-fast009-snaplen.pcap", {39, 39, "", 21, 0}},
    {"zeek-tcp-retransmit-timeout.pcapng", {3, 3, "", 0, 0}},
    {"zeek-vxlan.pcap", {10, 10, "", 0, 0}},
    {"zeek-wikipedia.pcap", {136, 126, "not-ip=10", 0, 0}},
};

/// Reads a whole file, collecting the parsed packets.
trace_stats read_all(const fs::path& p, std::vector<packet_view>* keep = nullptr) {
  trace_reader r(p.string());
  packet_view v;
  skip_reason why;
  while (r.next(v, why)) {
    if (why == skip_reason::none && keep) keep->push_back(v);
  }
  return r.stats();
}

fs::path shared(const char* name) { return traces_dir / name; }
bool have(const char* name) {
  std::error_code ec;
  return !traces_dir.empty() && fs::exists(shared(name), ec);
}

}  // namespace

TEST(shared_traces, every_file_reads_and_adds_up) {
  const auto files = capture_files();
  if (files.empty()) GTEST_SKIP() << "no shared traces at " << traces_dir;
  for (const auto& f : files) {
    SCOPED_TRACE(f.string());
    trace_stats s;
    ASSERT_NO_THROW(s = read_all(f));
    EXPECT_EQ(s.frames, s.parsed + s.skipped_total());
    EXPECT_EQ(s.skipped_for(skip_reason::none), 0u);
    std::printf("  %-45s frames=%-6llu parsed=%-6llu skipped=%-4llu %s%s truncated=%llu time-backwards=%llu\n",
                f.filename().string().c_str(), static_cast<unsigned long long>(s.frames),
                static_cast<unsigned long long>(s.parsed),
                static_cast<unsigned long long>(s.skipped_total()), skip_summary(s).c_str(),
                skip_summary(s).empty() ? "-" : "", static_cast<unsigned long long>(s.truncated),
                static_cast<unsigned long long>(s.time_backwards));
    if (auto it = known.find(f.filename().string()); it != known.end()) {
      const expected_counts& e = it->second;
      EXPECT_EQ(s.frames, e.frames);
      EXPECT_EQ(s.parsed, e.parsed);
      EXPECT_EQ(skip_summary(s), e.skips);
      EXPECT_EQ(s.truncated, e.truncated);
      EXPECT_EQ(s.time_backwards, e.backwards);
    }
  }
}

TEST(shared_traces, q_in_q_keys_carry_outer_vlan) {
  if (!have("zeek-q-in-q.pcap")) GTEST_SKIP();
  std::vector<packet_view> pk;
  read_all(shared("zeek-q-in-q.pcap"), &pk);
  ASSERT_EQ(pk.size(), 4u);
  for (const auto& p : pk) EXPECT_EQ(p.key.vlan, 13);
  EXPECT_EQ(pk[0].key.src_str(), "172.19.51.37:47808");
  EXPECT_EQ(pk[0].key.dst_str(), "172.19.51.63:47808");
}

TEST(shared_traces, mpls_and_vlan_segments) {
  if (!have("zeek-mixed-vlan-mpls.pcap")) GTEST_SKIP();
  std::vector<packet_view> pk;
  read_all(shared("zeek-mixed-vlan-mpls.pcap"), &pk);
  ASSERT_EQ(pk.size(), 47u);
  EXPECT_EQ(pk[0].key.src_str(), "10.1.2.1:11001");  // MPLS-labelled
  EXPECT_EQ(pk[0].key.vlan, 0);
  EXPECT_EQ(pk[39].key.vlan, 4093);  // 802.1Q segment
  EXPECT_EQ(pk[39].key.src_str(), "10.0.0.15:80");
}

TEST(shared_traces, fragments_get_first_fragment_key) {
  if (!have("zeek-ipv4-fragmented-syn.pcap") || !have("zeek-ipv6-fragmented-dns.pcap")) GTEST_SKIP();
  std::vector<packet_view> v4;
  read_all(shared("zeek-ipv4-fragmented-syn.pcap"), &v4);
  ASSERT_EQ(v4.size(), 2u);
  EXPECT_EQ(v4[0].key, v4[1].key);
  EXPECT_EQ(v4[0].key.dport, 80);
  EXPECT_TRUE(v4[0].l4_header);
  EXPECT_EQ(v4[0].flags, tcp_flags::syn);
  EXPECT_FALSE(v4[1].l4_header);
  EXPECT_EQ(v4[1].payload_len, 0u);  // the rest of the TCP options

  std::vector<packet_view> v6;
  read_all(shared("zeek-ipv6-fragmented-dns.pcap"), &v6);
  ASSERT_EQ(v6.size(), 7u);
  // The retried response: three fragments of one datagram, all keyed 53 -> 51851.
  for (std::size_t i = 4; i < 7; ++i) {
    EXPECT_TRUE(v6[i].fragment);
    EXPECT_EQ(v6[i].key.sport, 53);
    EXPECT_EQ(v6[i].key.dport, 51851);
    EXPECT_EQ(v6[i].key.proto, 17);
  }
}

TEST(shared_traces, nanosecond_and_mixed_resolution_timestamps) {
  if (!have("tcpdump-tcp-handshake-nano.pcap") || !have("zeek-pcapng-multi-interface.pcapng"))
    GTEST_SKIP();
  std::vector<packet_view> pk;
  read_all(shared("tcpdump-tcp-handshake-nano.pcap"), &pk);
  ASSERT_EQ(pk.size(), 3u);
  EXPECT_EQ(pk[0].ts, 1418145369924505488);
  EXPECT_EQ(pk[2].ts, 1418145370052115157);
  pk.clear();
  read_all(shared("zeek-pcapng-multi-interface.pcapng"), &pk);
  ASSERT_EQ(pk.size(), 6u);
  EXPECT_EQ(pk[0].ts, 1767663089500330493);  // nanosecond interface
  EXPECT_EQ(pk[2].ts, 1767663437111897000);  // microsecond interface
}

TEST(shared_traces, cooked_and_raw_link_types) {
  if (!have("sv-decode-sll2.pcap") || !have("zeek-rotation-rawip-syns.pcap")) GTEST_SKIP();
  EXPECT_EQ(trace_reader(shared("sv-decode-sll2.pcap").string()).linktype(), linktype::linux_sll2);
  EXPECT_EQ(trace_reader(shared("zeek-rotation-rawip-syns.pcap").string()).linktype(), linktype::raw_dlt);
  std::vector<packet_view> pk;
  read_all(shared("zeek-rotation-rawip-syns.pcap"), &pk);
  ASSERT_EQ(pk.size(), 20u);
  for (const auto& p : pk) EXPECT_EQ(p.flags, tcp_flags::syn);
}
