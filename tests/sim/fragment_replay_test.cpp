// IP fragments in the replay, as nf_defrag + conntrack see them: every fragment is held until
// its datagram is complete; the datagram is judged once, at the completing fragment's time, with
// its whole L4 length; every fragment gets that verdict; incomplete datagrams are dropped after
// the reassembly timeout (ip.frag_timeout, 30 s; ip.frag6_timeout, 60 s).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include "oracle/synth_captures.hpp"
#include "sessim/policy/presets/all.hpp"
#include "sessim/sim/replay.hpp"
#include "sessim/trace/trace_reader.hpp"

using namespace sessim;
namespace os = oracle_synth;
using bytes = os::bytes;

namespace {

struct row {
  std::uint64_t frame;
  std::string verdict, reason;
};

struct rows_sink : replay_sink {
  std::vector<row> rows;
  std::vector<std::uint64_t> held;
  void on_verdict(const packet_view& p, std::string_view, verdict v, std::string_view why) override {
    rows.push_back({p.frame, std::string(verdict_name(v)), std::string(why)});
  }
  void on_held(const packet_view& p) override { held.push_back(p.frame); }
  /// "verdict reason" of a frame ("" when it has no row; "twice" when it has two).
  std::string of(std::uint64_t f) const {
    std::string out;
    for (const auto& r : rows)
      if (r.frame == f) out = out.empty() ? r.verdict + " " + r.reason : "twice";
    return out;
  }
  std::vector<std::uint64_t> order() const {
    std::vector<std::uint64_t> v;
    for (const auto& r : rows) v.push_back(r.frame);
    return v;
  }
};

/// Writes capture `k` to a temporary file.
std::filesystem::path write_capture(const os::capture& k) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("sessim-frag-" + std::to_string(::getpid()) + ".pcap");
  const auto b = k.pcap();
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), static_cast<long>(b.size()));
  return path;
}

/// Replays capture `k` through one `linux` device with settings `sets`.
rows_sink replay_capture(const os::capture& k, std::vector<std::pair<const char*, const char*>> sets,
                         run_summary* summary = nullptr) {
  const auto path = write_capture(k);
  device_config cfg = find_preset("linux").make();
  for (auto& [key, v] : sets) apply_setting(cfg, key, v);
  rows_sink sink;
  {
    trace_reader reader(path.string());
    replay r({device_spec{"fw", cfg}}, replay_options{});
    run_summary s = r.run(reader, sink);
    if (summary) *summary = s;
  }
  std::filesystem::remove(path);
  return sink;
}

const std::uint32_t C = os::ip4("192.0.2.10"), S = os::ip4("198.51.100.20");

}  // namespace

TEST(fragment_replay, held_until_complete_and_reported_first_fragment_first) {
  os::capture k;
  k.add(0, os::udp(C, S, 54001, 53, os::fill(20, 'q')));                       // 1
  auto f = os::fragments(os::udp(S, C, 53, 54001, os::fill(1400, 'a')), 0x1001, {512, 1024});
  k.add(os::ms(10), f[1]);                                                      // 2 (middle)
  k.add(os::ms(20), f[0]);                                                      // 3 (first)
  k.add(os::ms(30), f[2]);                                                      // 4 (last: complete)
  run_summary s;
  rows_sink r = replay_capture(k, {}, &s);
  EXPECT_EQ(r.of(1), "forward new");
  EXPECT_EQ(r.of(3), "forward established");
  EXPECT_EQ(r.of(2), "forward fragment");
  EXPECT_EQ(r.of(4), "forward fragment");
  EXPECT_EQ(r.order(), (std::vector<std::uint64_t>{1, 3, 2, 4}));
  EXPECT_EQ(r.held, (std::vector<std::uint64_t>{2, 3, 4}));
  EXPECT_EQ(s.parsed, 4u);
  EXPECT_EQ(s.frames_dropped, 0u);
}

TEST(fragment_replay, incomplete_datagram_dropped_after_reassembly_timeout) {
  for (const char* timeout : {"30", "5"}) {
    os::capture k;
    k.add(0, os::udp(C, S, 54003, 53, os::fill(20, 'q')));                     // 1
    auto f = os::fragments(os::udp(S, C, 53, 54003, os::fill(1400, 'c')), 0x1003, {512, 1024});
    k.add(os::ms(10), f[0]);                                                    // 2
    k.add(os::ms(30), f[1]);                                                    // 3 (the last never comes)
    k.add(os::sec(10), os::udp(C, S, 54003, 53, os::fill(20, 'q')));           // 4
    k.add(os::sec(40), os::udp(C, S, 54004, 53, os::fill(20, 'q')));           // 5
    rows_sink r = replay_capture(k, {{"ip.frag_timeout", timeout}});
    SCOPED_TRACE(timeout);
    EXPECT_EQ(r.of(2), "drop ip-fragment-orphan");
    EXPECT_EQ(r.of(3), "drop ip-fragment-orphan");
    // dropped when the first frame after the deadline (10.01 s or 30.01 s) arrives
    const std::vector<std::uint64_t> want =
        std::string(timeout) == "5" ? std::vector<std::uint64_t>{1, 2, 3, 4, 5} : std::vector<std::uint64_t>{1, 4, 2, 3, 5};
    EXPECT_EQ(r.order(), want);
  }
}

// frag-edge F7: the data segment's first fragment comes while the entry is alive, the last after
// it expired: conntrack judges the reassembled segment at the last fragment's time.
TEST(fragment_replay, judged_at_the_completing_fragments_time) {
  for (const char* loose : {"0", "1"}) {
    os::capture k;
    os::conn c(k, 54007);
    const auto t = c.open(os::ms(600));                                         // frames 1-7
    auto f = os::fragments(os::tcp(c.c, c.s, c.cp, c.sp, "PA", c.cs, c.ss, 64240, os::fill(1000, 'g')), 0x1007, {504});
    k.add(t + os::sec(9), f[0]);                                                // 8
    k.add(t + os::sec(11), f[1]);                                               // 9
    rows_sink r = replay_capture(k, {{"tcp.established", "10"}, {"tcp.loose", loose}});
    SCOPED_TRACE(loose);
    if (std::string(loose) == "0") {
      EXPECT_EQ(r.of(8), "drop no-session");
      EXPECT_EQ(r.of(9), "drop fragment");
    } else {
      EXPECT_EQ(r.of(8), "forward pickup");
      EXPECT_EQ(r.of(9), "forward fragment");
    }
  }
}

// frag-edge F8: the tracked segment is the whole datagram (1000 bytes), so the ACK of all of it
// is in the window.
TEST(fragment_replay, tracked_with_the_whole_datagram_length) {
  os::capture k;
  os::conn c(k, 54008);
  const auto t = c.open(os::ms(700));                                           // frames 1-7
  auto f = os::fragments(os::tcp(c.c, c.s, c.cp, c.sp, "PA", c.cs, c.ss, 64240, os::fill(1000, 'h')), 0x1008, {504});
  k.add(t + os::sec(1), f[0]);                                                  // 8
  k.add(t + os::sec(1) + os::ms(1), f[1]);                                      // 9
  c.cs += 1000;
  c.s2c(t + os::sec(1) + os::ms(2), "A");                                       // 10
  rows_sink r = replay_capture(k, {});
  EXPECT_EQ(r.of(8), "forward established");
  EXPECT_EQ(r.of(9), "forward fragment");
  EXPECT_EQ(r.of(10), "forward established");
}

// udp_error() sees the reassembled datagram: the length field is checked against all of it.
TEST(fragment_replay, udp_length_field_checked_after_reassembly) {
  os::capture k;
  auto good = os::fragments(os::udp(C, S, 54005, 4500, os::fill(1400, 'e')), 0x1005, {704});
  k.add(0, good[0]);                                                            // 1
  k.add(os::ms(1), good[1]);                                                    // 2
  auto bad = os::fragments(os::udp(C, S, 54006, 4500, os::fill(1400, 'e'), 1500), 0x1006, {704});
  k.add(os::ms(10), bad[0]);                                                    // 3
  k.add(os::ms(11), bad[1]);                                                    // 4
  rows_sink r = replay_capture(k, {});
  EXPECT_EQ(r.of(1), "forward new");
  EXPECT_EQ(r.of(2), "forward fragment");
  EXPECT_EQ(r.of(3), "drop bad-l4");
  EXPECT_EQ(r.of(4), "drop bad-l4");
}

// ip_frag_queue: an exact duplicate fragment is dropped alone; an overlapping one discards the
// whole datagram.
TEST(fragment_replay, duplicate_and_overlapping_fragments) {
  os::capture k;
  k.add(0, os::udp(C, S, 54010, 53, os::fill(20, 'q')));                       // 1
  auto f = os::fragments(os::udp(S, C, 53, 54010, os::fill(1400, 'a')), 0x2001, {512, 1024});
  k.add(os::ms(10), f[0]);                                                      // 2
  k.add(os::ms(11), f[0]);                                                      // 3 duplicate
  k.add(os::ms(12), f[1]);                                                      // 4
  k.add(os::ms(13), f[2]);                                                      // 5 complete
  auto g = os::fragments(os::udp(S, C, 53, 54010, os::fill(1400, 'b')), 0x2002, {512, 1024});
  auto o = os::fragments(os::udp(S, C, 53, 54010, os::fill(1400, 'b')), 0x2002, {504, 1024});
  k.add(os::ms(20), g[0]);                                                      // 6
  k.add(os::ms(21), o[1]);                                                      // 7 overlaps 6 (504 < 512)
  k.add(os::ms(22), g[1]);                                                      // 8 a new queue, never complete
  rows_sink r = replay_capture(k, {});
  EXPECT_EQ(r.of(2), "forward established");
  EXPECT_EQ(r.of(3), "drop ip-fragment-orphan");
  EXPECT_EQ(r.of(4), "forward fragment");
  EXPECT_EQ(r.of(5), "forward fragment");
  EXPECT_EQ(r.of(6), "drop ip-fragment-orphan");
  EXPECT_EQ(r.of(7), "drop ip-fragment-orphan");
  EXPECT_EQ(r.of(8), "drop ip-fragment-orphan");
}

// D11: inet_frag_queue_insert() drops a fragment lying inside one run of queued fragments (runs:
// fragments that arrived in order, end to start) alone (IPFRAG_DUP); one spanning two runs is an
// overlap and discards the datagram. ip_frag_queue() discards it on a zero-length fragment and
// cuts a non-last fragment down to a multiple of 8 bytes (so one running 4 bytes into the next
// does not overlap it).
TEST(fragment_replay, fragment_runs_zero_length_and_unaligned_ends) {
  namespace fz = os::fuzz;
  os::capture k;
  k.add(0, os::udp(C, S, 54020, 53, os::fill(20, 'q')));                       // 1
  const auto a = fz::with_id(os::udp(S, C, 53, 54020, os::fill(1400, 'a')), 0x2101);
  k.add(os::ms(10), fz::fragment_of(a, 0, 512, true));                          // 2
  k.add(os::ms(11), fz::fragment_of(a, 512, 1024, true));                       // 3 (one run: 0-1024)
  k.add(os::ms(12), fz::fragment_of(a, 256, 768, true));                        // 4 inside the run: dup
  k.add(os::ms(13), fz::fragment_of(a, 1024, 1408, false));                     // 5 complete
  const auto b = fz::with_id(os::udp(S, C, 53, 54020, os::fill(1400, 'b')), 0x2102);
  k.add(os::ms(20), fz::fragment_of(b, 1024, 1408, false));                     // 6
  k.add(os::ms(21), fz::fragment_of(b, 512, 1024, true));                       // 7 (two runs)
  k.add(os::ms(22), fz::fragment_of(b, 768, 1032, true));                       // 8 spans both: discard
  k.add(os::ms(23), fz::fragment_of(b, 0, 512, true));                          // 9 a new queue
  const auto c = fz::with_id(os::udp(S, C, 53, 54020, os::fill(1400, 'c')), 0x2103);
  k.add(os::ms(30), fz::fragment_of(c, 0, 512, true));                          // 10
  k.add(os::ms(31), fz::fragment_of(c, 512, 512, true));                        // 11 zero length: discard
  k.add(os::ms(32), fz::fragment_of(c, 512, 1408, false));                      // 12 a new queue
  const auto d = fz::with_id(os::udp(S, C, 53, 54020, os::fill(1400, 'd')), 0x2104);
  k.add(os::ms(40), fz::fragment_of(d, 0, 516, true));                          // 13 cut to 512
  k.add(os::ms(41), fz::fragment_of(d, 512, 1408, false));                      // 14 complete
  rows_sink r = replay_capture(k, {});
  EXPECT_EQ(r.of(2), "forward established");
  EXPECT_EQ(r.of(3), "forward fragment");
  EXPECT_EQ(r.of(4), "drop ip-fragment-orphan");
  EXPECT_EQ(r.of(5), "forward fragment");
  for (std::uint64_t f : {6, 7, 8, 9, 10, 11, 12}) EXPECT_EQ(r.of(f), "drop ip-fragment-orphan") << f;
  EXPECT_EQ(r.of(13), "forward established");
  EXPECT_EQ(r.of(14), "forward fragment");
}

// D12: conntrack looks at the L4 header after nf_defrag, so a first fragment that ends inside the
// TCP header (or inside its options, or the SCTP common header) is no error: the decoder keeps
// the fragments' bytes and decodes the reassembled header at the completing fragment.
TEST(fragment_replay, header_split_across_fragments) {
  namespace fz = os::fuzz;
  os::capture k;
  const bytes mss_ws = {2, 4, 5, 0xb4, 1, 3, 3, 7};
  const auto syn = fz::with_id(fz::tcp_o(C, S, 54030, 80, fz::S, 1000, 0, 64240, mss_ws, 0, 'x'), 0x3001);
  k.add(0, fz::fragment_of(syn, 16, 28, false));                                // 1
  k.add(os::ms(1), fz::fragment_of(syn, 8, 16, true));                          // 2
  k.add(os::ms(2), fz::fragment_of(syn, 0, 8, true));                           // 3 completes
  k.add(os::ms(3), os::tcp(S, C, 80, 54030, "SA", 5000, 1001, 65160));          // 4
  k.add(os::ms(4), os::tcp(C, S, 54030, 80, "A", 1001, 5001, 502));             // 5
  const auto data = fz::with_id(os::tcp(C, S, 54030, 80, "PA", 1001, 5001, 502, os::fill(100, 'd')), 0x3002);
  k.add(os::ms(5), fz::fragment_of(data, 0, 16, true));                         // 6
  k.add(os::ms(6), fz::fragment_of(data, 16, 120, false));                      // 7 completes
  k.add(os::ms(7), os::tcp(S, C, 80, 54030, "A", 5001, 1101, 65160));           // 8
  const auto init = fz::with_id(os::sctp(C, S, 53050, 3868, 0, os::init_chunk(1, 0x1234, 1)), 0x3003);
  k.add(os::ms(10), fz::fragment_of(init, 16, 32, false));                      // 9
  k.add(os::ms(11), fz::fragment_of(init, 0, 16, true));                        // 10 completes (half a chunk)
  rows_sink r = replay_capture(k, {});
  EXPECT_EQ(r.of(3), "forward new");
  EXPECT_EQ(r.of(1), "forward fragment");
  EXPECT_EQ(r.of(4), "forward established");
  EXPECT_EQ(r.of(6), "forward established");
  EXPECT_EQ(r.of(8), "forward established");
  EXPECT_EQ(r.of(10), "forward new");
  EXPECT_EQ(r.of(9), "forward fragment");
  // the decoder's view of the completing fragments: the reassembled headers
  const auto path = write_capture(k);
  trace_reader reader(path.string());
  packet_view p;
  skip_reason why;
  std::vector<packet_view> v;
  while (reader.next(p, why)) v.push_back(p);
  std::filesystem::remove(path);
  ASSERT_EQ(v.size(), 10u);
  EXPECT_EQ(v[2].reassembled, 1);
  EXPECT_EQ(v[2].flags, fz::S);
  EXPECT_EQ(v[2].key.sport, 54030);
  ASSERT_EQ(v[2].opt_len, 8);
  EXPECT_EQ(v[2].opts[7], 7);  // window scale 7, from the third fragment
  EXPECT_EQ(v[6].reassembled, 1);
  EXPECT_EQ(v[6].seq, 1001u);
  EXPECT_EQ(v[9].reassembled, 1);
  EXPECT_EQ(v[9].sctp_init_tag, 0x1234u);
  EXPECT_FALSE(v[9].sctp_bad);  // not the first fragment's cut chunk
  EXPECT_EQ(v[9].sctp_nchunks, 1);
}

TEST(fragment_replay, frag_timeout_keys) {
  device_config c = find_preset("linux").make();
  EXPECT_EQ(c.frag_timeout, seconds(30));
  EXPECT_EQ(c.frag6_timeout, seconds(60));
  apply_setting(c, "ip.frag_timeout", "2");
  apply_setting(c, "ip.frag6_timeout", "500ms");
  EXPECT_EQ(c.frag_timeout, seconds(2));
  EXPECT_EQ(c.frag6_timeout, seconds(0.5));
  EXPECT_THROW(apply_setting(c, "ip.frag_timeout", "0"), config_error);
}

// ip4_frag_match / frag_v4_compare_key: the protocol is part of a datagram's key. A UDP and an
// ICMP datagram with the same IP id between the same hosts are two queues (synth:frag-timeout T7).
TEST(fragment_replay, same_id_other_protocol_is_another_datagram) {
  os::capture k;
  auto u = os::fragments(os::udp(C, S, 55007, 7000, os::fill(1000, 'g')), 0x4007, {504});
  auto i = os::fragments(os::icmp(C, S, 8, 0, os::idseq(0x4007, 1), os::fill(1000, 'h')), 0x4007, {504});
  k.add(0, u[0]);                                                          // 1
  k.add(os::ms(1), i[0]);                                                  // 2
  k.add(os::ms(2), u[1]);                                                  // 3
  k.add(os::ms(3), i[1]);                                                  // 4
  k.add(os::ms(10), os::icmp(S, C, 0, 0, os::idseq(0x4007, 1), os::fill(8, 'h')));  // 5
  rows_sink r = replay_capture(k, {});
  EXPECT_EQ(r.of(1), "forward new");
  EXPECT_EQ(r.of(2), "forward new");
  EXPECT_EQ(r.of(3), "forward fragment");
  EXPECT_EQ(r.of(4), "forward fragment");
  EXPECT_EQ(r.of(5), "forward established");
}

// ipfrag_time runs from a queue's first fragment and later fragments do not extend it; after it
// a fragment of the same datagram starts a new queue. The decoder forgets the expired bytes too,
// so a first fragment too short for its L4 header that comes again after the timeout is decoded
// from the new queue (synth:frag-timeout T5, T6, T8).
TEST(fragment_replay, reassembly_timer_from_the_first_fragment_and_new_queue_after_it) {
  os::capture k;  // frames are numbered in time order
  auto a = os::fragments(os::udp(C, S, 55005, 7000, os::fill(1000, 'e')), 0x4005, {336, 672});
  k.add(0, a[0]);                                                          // 1
  k.add(os::sec(20), a[1]);                                                // 4
  k.add(os::sec(40), a[2]);                                                // 5 (queue expired at 30 s)
  auto b = os::fragments(os::udp(C, S, 55006, 7000, os::fill(1000, 'f')), 0x4006, {504});
  k.add(os::sec(1), b[0]);                                                 // 2
  k.add(os::sec(41), b[1]);                                                // 6 (expired at 31 s: new queue)
  k.add(os::sec(45), b[0]);                                                // 8 (completes the new queue)
  auto c = os::fragments(os::sctp(C, S, 55008, 3868, 0, os::init_chunk(1, 0x51510008, 1)), 0x4008, {8});
  k.add(os::sec(2), c[0]);                                                 // 3 (8 bytes: no SCTP header)
  k.add(os::sec(42), c[1]);                                                // 7 (expired at 32 s)
  k.add(os::sec(46), c[0]);                                                // 9 (completes the new queue)
  k.add(os::sec(46) + os::ms(1), os::sctp(S, C, 3868, 55008, 0x51510008, os::init_chunk(2, 0x61610008, 1)));  // 10
  rows_sink r = replay_capture(k, {});
  for (std::uint64_t f : {1, 2, 3, 4, 5}) EXPECT_EQ(r.of(f), "drop ip-fragment-orphan") << f;
  EXPECT_EQ(r.of(6), "forward fragment");
  EXPECT_EQ(r.of(7), "forward fragment");
  EXPECT_EQ(r.of(8), "forward new");
  EXPECT_EQ(r.of(9), "forward new");
  EXPECT_EQ(r.of(10), "forward established");  // the INIT was decoded from the new queue (D17)
}

// replay::run() gives the decoder the device's ip.frag_timeout (here 10 s, not the default 30 s):
// a first fragment too short for its SCTP header that comes again after 10 s is decoded from the
// new queue, so the INIT is tracked and its INIT ACK accepted (a library user need not align them).
TEST(fragment_replay, decoder_follows_the_devices_reassembly_timeout) {
  os::capture k;
  auto c = os::fragments(os::sctp(C, S, 55009, 3868, 0, os::init_chunk(1, 0x51510009, 1)), 0x4009, {8});
  k.add(0, c[0]);                                                          // 1 (8 bytes: no SCTP header)
  k.add(os::sec(12), c[1]);                                                // 2 (expired at 10 s: new queue)
  k.add(os::sec(13), c[0]);                                                // 3 (completes the new queue)
  k.add(os::sec(13) + os::ms(1), os::sctp(S, C, 3868, 55009, 0x51510009, os::init_chunk(2, 0x61610009, 1)));  // 4
  rows_sink r = replay_capture(k, {{"ip.frag_timeout", "10"}});
  EXPECT_EQ(r.of(1), "drop ip-fragment-orphan");
  EXPECT_EQ(r.of(2), "forward fragment");
  EXPECT_EQ(r.of(3), "forward new");
  EXPECT_EQ(r.of(4), "forward established");
}
