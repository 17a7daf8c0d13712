// Table-driven tests of the linux preset's TCP tracking, each run at client ISNs 0, 2^31 and
// 2^32-2 (sequence wraparound), and the behaviours recorded from the real kernel in
// shared/LINUX-CONNTRACK.md.
#include <gtest/gtest.h>

#include <vector>

#include "common/packet_builder.hpp"
#include "sessim/device/session_device.hpp"
#include "sessim/policy/presets/all.hpp"

using namespace sessim;
using test::tcp_conv;

namespace {

struct step {
  packet_view p;
  verdict want;
  reason why;
};

device_config linux_with(std::initializer_list<std::pair<const char*, const char*>> sets) {
  device_config c = find_preset("linux").make();
  for (auto& [k, v] : sets) apply_setting(c, k, v);
  return c;
}

/// Feeds packets through a device, expiring sessions before each one as the replay does.
void run_steps(session_device& d, const std::vector<step>& steps, const char* label) {
  for (const auto& s : steps) {
    d.expire_until(s.p.ts, [](const session_end&) {});
    decision r = d.process(s.p, s.p.ts, false, [](const session_end&) {});
    EXPECT_EQ(verdict_name(r.v), verdict_name(s.want)) << label << " frame " << s.p.frame;
    EXPECT_EQ(reason_name(r.why), reason_name(s.why)) << label << " frame " << s.p.frame;
  }
}

class isn_test : public ::testing::TestWithParam<std::uint32_t> {};

constexpr auto F = verdict::forward;
constexpr auto D = verdict::drop;

}  // namespace

TEST_P(isn_test, full_handshake_data_and_close) {
  const std::uint32_t isn = GetParam();
  tcp_conv c(isn, isn + 7777);
  session_device d("fw", linux_with({}));
  run_steps(d,
            {{c.syn(0), F, reason::new_session},
             {c.synack(0.01), F, reason::established},
             {c.ack(false, 0.02), F, reason::established},
             {c.data(false, 100, 0.03), F, reason::established},
             {c.data(true, 1400, 0.04), F, reason::established},
             {c.ack(false, 0.05), F, reason::established},
             {c.fin(false, 0.06), F, reason::established},
             {c.fin(true, 0.07), F, reason::established},
             {c.ack(false, 0.08), F, reason::established}},
            "handshake");
  EXPECT_EQ(d.sessions(), 1u);
  // After the last ACK the session is in TIME_WAIT (120 s): still there at 100 s, gone at 120.08 s.
  d.expire_until(seconds(100), [](const session_end&) {});
  EXPECT_EQ(d.sessions(), 1u);
  d.expire_until(seconds(120.08), [](const session_end&) {});
  EXPECT_EQ(d.sessions(), 0u);
}

TEST_P(isn_test, data_beyond_window_is_invalid_unless_liberal) {
  const std::uint32_t isn = GetParam();
  for (bool liberal : {false, true}) {
    tcp_conv c(isn, isn ^ 0x5a5a5a5a);
    session_device d("fw", linux_with({{"tcp.be_liberal", liberal ? "1" : "0"}}));
    run_steps(d, {{c.syn(0), F, reason::new_session}, {c.synack(0.01), F, reason::established},
                  {c.ack(false, 0.02), F, reason::established}}, "setup");
    packet_view far = c.data(false, 100, 0.03);
    far.seq += 10'000'000;  // far beyond the server's advertised window
    decision r = d.process(far, far.ts, false, [](const session_end&) {});
    EXPECT_EQ(r.v, liberal ? F : D) << "liberal=" << liberal;
    if (!liberal) { EXPECT_EQ(r.why, reason::seq_over_window); }
    packet_view bad_ack = c.ack(true, 0.04);
    bad_ack.ack += 5'000'000;  // acknowledges data never sent
    r = d.process(bad_ack, bad_ack.ts, false, [](const session_end&) {});
    EXPECT_EQ(r.v, liberal ? F : D);
    if (!liberal) { EXPECT_EQ(r.why, reason::ack_over_window); }
  }
}

TEST_P(isn_test, expiry_boundary_is_exact) {
  // Exactly t + T is already expired (conntrack: timeout - now <= 0); one ns earlier is alive.
  for (sim_time delta : {sim_time{-1}, sim_time{0}}) {
    tcp_conv c(GetParam());
    session_device d("fw", linux_with({{"tcp.established", "600"}, {"tcp.loose", "0"}}));
    run_steps(d, {{c.syn(0), F, reason::new_session}, {c.synack(0.5), F, reason::established},
                  {c.ack(false, 1), F, reason::established}}, "setup");
    packet_view p = c.data(false, 10, 1);
    p.ts = seconds(1) + seconds(600) + delta;
    d.expire_until(p.ts, [](const session_end&) {});
    decision r = d.process(p, p.ts, false, [](const session_end&) {});
    EXPECT_EQ(r.v, delta < 0 ? F : D) << "delta " << delta;
    if (delta == 0) { EXPECT_EQ(r.why, reason::no_session); }
  }
}

INSTANTIATE_TEST_SUITE_P(wraparound, isn_test, ::testing::Values(0u, 0x80000000u, 0xfffffffeu));

TEST(conntrack_tcp, unacknowledged_data_uses_unack_timeout) {
  // Data never ACKed, 400 s idle, established 600 → expired after 300 s (tcp.unacknowledged).
  tcp_conv c;
  session_device d("fw", linux_with({{"tcp.established", "600"}, {"tcp.loose", "0"}}));
  run_steps(d, {{c.syn(0), F, reason::new_session}, {c.synack(0.1), F, reason::established},
                {c.ack(false, 0.2), F, reason::established}, {c.data(false, 500, 1), F, reason::established},
                {c.data(false, 10, 401), D, reason::no_session}}, "unack");
}

TEST(conntrack_tcp, acked_data_uses_established_timeout) {
  tcp_conv c;
  session_device d("fw", linux_with({{"tcp.established", "600"}, {"tcp.loose", "0"}}));
  run_steps(d, {{c.syn(0), F, reason::new_session}, {c.synack(0.1), F, reason::established},
                {c.ack(false, 0.2), F, reason::established}, {c.data(false, 500, 1), F, reason::established},
                {c.ack(true, 1.1), F, reason::established}, {c.data(false, 10, 401), F, reason::established}},
            "acked");
}

TEST(conntrack_tcp, retransmission_counter_wraps_like_the_kernels_u8) {
  // ct->proto.tcp.retrans is a u8 that tcp_in_window() increments on every identical repeat: 255
  // repeats keep the entry on tcp.max_retrans (10 s here), the 256th brings the counter back to 0
  // and the entry back on the unacknowledged timeout (300 s).
  for (int repeats : {255, 256}) {
    tcp_conv c;
    session_device d("fw", linux_with({{"tcp.established", "600"}, {"tcp.max_retrans", "10"}, {"tcp.loose", "0"}}));
    run_steps(d, {{c.syn(0), F, reason::new_session}, {c.synack(0.1), F, reason::established},
                  {c.ack(false, 0.2), F, reason::established}}, "handshake");
    const packet_view seg = c.data(false, 500, 1);
    run_steps(d, {{seg, F, reason::established}}, "segment");
    for (int i = 1; i <= repeats; ++i) {
      packet_view again = seg;
      again.ts = seg.ts + i * sim_time{10'000'000};  // every 10 ms
      run_steps(d, {{again, F, reason::established}}, "repeat");
    }
    const bool alive = repeats == 256;
    run_steps(d, {{c.data(false, 10, 1 + repeats * 0.01 + 20), alive ? F : D,
                   alive ? reason::established : reason::no_session}},
              alive ? "256 repeats" : "255 repeats");
  }
}

TEST(conntrack_tcp, syn_retransmit_does_not_refresh) {
  // SYN at 0 s, again at 108 s, SYN/ACK at 132 s → dropped: the entry expired at 120 s.
  tcp_conv c;
  session_device d("fw", linux_with({{"tcp.loose", "0"}}));
  packet_view syn1 = c.syn(0);
  packet_view syn2 = syn1;
  syn2.frame = 2;
  syn2.ts = seconds(108);
  packet_view sa = c.synack(132);
  sa.frame = 3;
  run_steps(d, {{syn1, F, reason::new_session}, {syn2, F, reason::established}, {sa, D, reason::invalid_new}},
            "syn-retrans");
}

TEST(conntrack_tcp, rst_moves_to_close_and_later_packets_pass) {
  tcp_conv c;
  session_device d("fw", linux_with({}));
  run_steps(d, {{c.syn(0), F, reason::new_session}, {c.synack(0.1), F, reason::established},
                {c.ack(false, 0.2), F, reason::established}, {c.data(false, 10, 1), F, reason::established},
                {c.rst(true, 2), F, reason::established}, {c.ack(false, 3), F, reason::established}},
            "rst");
  // CLOSE lasts 10 s, refreshed by the ACK at 3 s: alive just before 13 s, gone at 13 s.
  d.expire_until(seconds(13) - 1, [](const session_end&) {});
  EXPECT_EQ(d.sessions(), 1u);
  d.expire_until(seconds(13), [](const session_end&) {});
  EXPECT_EQ(d.sessions(), 0u);
}

TEST(conntrack_tcp, close_wait_uses_its_own_timeout) {
  // Server FIN, client ACK → CLOSE_WAIT (60 s): a 26 s gap survives established=20.
  tcp_conv c;
  session_device d("fw", linux_with({{"tcp.established", "20"}, {"tcp.loose", "0"}}));
  run_steps(d, {{c.syn(0), F, reason::new_session}, {c.synack(0.1), F, reason::established},
                {c.ack(false, 0.2), F, reason::established}, {c.fin(true, 1), F, reason::established},
                {c.ack(false, 1.1), F, reason::established}, {c.data(false, 5, 27.1), F, reason::established}},
            "close-wait");
}

TEST(conntrack_tcp, syn_on_time_wait_reopens) {
  tcp_conv c(1000, 5000, 40001, 80);
  session_device d("fw", linux_with({{"tcp.loose", "0"}}));
  run_steps(d, {{c.syn(0), F, reason::new_session}, {c.synack(0.1), F, reason::established},
                {c.ack(false, 0.2), F, reason::established}, {c.fin(false, 1), F, reason::established},
                {c.fin(true, 1.1), F, reason::established}, {c.ack(false, 1.2), F, reason::established}},
            "first");
  c.cseq = 900000;  // new ISN
  c.sseq = 123456;
  int ended = 0;
  packet_view syn = c.syn(30);
  decision r = d.process(syn, syn.ts, false, [&](const session_end& e) {
    EXPECT_EQ(e.kind, session_end_kind::reopened);
    ++ended;
  });
  EXPECT_EQ(r.v, F);
  EXPECT_EQ(r.why, reason::new_session);
  EXPECT_EQ(ended, 1);
  run_steps(d, {{c.synack(30.1), F, reason::established}, {c.ack(false, 30.2), F, reason::established}}, "second");
}

TEST(conntrack_tcp, pickup_rules_with_loose) {
  // Plain ACK creates an entry (client becomes whoever sent it); FIN, RST, SYN/ACK do not.
  for (std::uint8_t flags : {std::uint8_t(tcp_flags::fin | tcp_flags::ack), std::uint8_t(tcp_flags::rst),
                             std::uint8_t(tcp_flags::rst | tcp_flags::ack),
                             std::uint8_t(tcp_flags::syn | tcp_flags::ack)}) {
    tcp_conv c;
    session_device d("fw", linux_with({}));
    decision r = d.process(c.pkt(false, flags, 0, 0), 0, false, [](const session_end&) {});
    EXPECT_EQ(r.v, D) << int(flags);
    EXPECT_EQ(r.why, reason::invalid_new) << int(flags);
  }
  tcp_conv c;
  session_device d("fw", linux_with({{"tcp.established", "1000"}}));
  run_steps(d, {{c.data(true, 100, 0), F, reason::pickup}}, "pickup");
  // Without a reply the picked-up entry expires after min(established, unacknowledged) = 300 s.
  d.expire_until(seconds(300), [](const session_end&) {});
  EXPECT_EQ(d.sessions(), 0u);
}

TEST(conntrack_tcp, pickup_is_assured_after_reply_and_one_more_packet) {
  tcp_conv c;
  session_device d("fw", linux_with({{"tcp.established", "1000"}}));
  run_steps(d, {{c.data(false, 100, 0), F, reason::pickup}, {c.ack(true, 1), F, reason::established}}, "one reply");
  d.expire_until(seconds(301), [](const session_end&) {});
  EXPECT_EQ(d.sessions(), 0u) << "exactly one reply: still the 300 s cap";

  tcp_conv c2;
  session_device d2("fw", linux_with({{"tcp.established", "1000"}}));
  run_steps(d2, {{c2.data(false, 100, 0), F, reason::pickup}, {c2.ack(true, 1), F, reason::established},
                 {c2.data(false, 10, 2), F, reason::established}, {c2.ack(true, 3), F, reason::established}},
            "assured");
  d2.expire_until(seconds(900), [](const session_end&) {});
  EXPECT_EQ(d2.sessions(), 1u) << "reply and one more packet: full established timeout";
}

TEST(conntrack_tcp, loose_zero_drops_every_midstream_packet) {
  tcp_conv c;
  session_device d("fw", linux_with({{"tcp.loose", "0"}}));
  run_steps(d, {{c.data(false, 100, 0), D, reason::no_session}, {c.ack(true, 1), D, reason::no_session},
                {c.fin(true, 2), D, reason::invalid_new}}, "loose0");
  EXPECT_EQ(d.sessions(), 0u);
}

TEST(conntrack_tcp, invalid_flag_combinations) {
  tcp_conv c;
  session_device d("fw", linux_with({}));
  for (std::uint8_t flags : {std::uint8_t(0), std::uint8_t(tcp_flags::syn | tcp_flags::fin),
                             std::uint8_t(tcp_flags::fin), std::uint8_t(tcp_flags::syn | tcp_flags::rst)}) {
    decision r = d.process(c.pkt(false, flags, 0, 0), 0, false, [](const session_end&) {});
    EXPECT_EQ(r.v, D);
    EXPECT_EQ(r.why, reason::invalid_flags);
  }
  EXPECT_TRUE(tcp::valid_flag_combination(tcp_flags::ack | tcp_flags::psh | tcp_flags::ece | tcp_flags::cwr));
}

TEST(conntrack_tcp, syn_on_established_is_ignored_and_forwarded) {
  tcp_conv c;
  session_device d("fw", linux_with({}));
  run_steps(d, {{c.syn(0), F, reason::new_session}, {c.synack(0.1), F, reason::established},
                {c.ack(false, 0.2), F, reason::established}}, "setup");
  packet_view syn = c.pkt(false, tcp_flags::syn, 0, 1);
  syn.seq = 0xdeadbeef;
  run_steps(d, {{syn, F, reason::ignored}}, "syn in ES");
}

TEST(conntrack_tcp, rst_before_any_reply_kills_the_entry) {
  tcp_conv c;
  session_device d("fw", linux_with({}));
  run_steps(d, {{c.syn(0), F, reason::new_session}}, "syn");
  packet_view r = c.pkt(false, tcp_flags::rst, 0, 0.5);
  run_steps(d, {{r, F, reason::established}}, "rst");
  EXPECT_EQ(d.sessions(), 0u);
}

// D8 (docs/kernel-fidelity.md): nf_conntrack_tcp_established() is ESTABLISHED *and* ASSURED. A
// picked-up entry that has seen its first reply but no packet after it is not ASSURED, so an
// inexact in-window RST moves it to CLOSE (kernel: UPDATE/CLOSE), not "keep ESTABLISHED for a
// challenge ACK". The next ACK stays in CLOSE (10 s): a FIN 13 s later finds no entry.
TEST(conntrack_tcp, inexact_rst_closes_an_entry_that_is_not_assured) {
  tcp_conv c(700000, 900000);
  session_device d("fw", linux_with({}));
  packet_view rst = c.pkt(false, tcp_flags::rst, 0, 0.002);
  rst.seq += 100;  // in window, not the exact next sequence number
  run_steps(d, {{c.ack(false, 0), F, reason::pickup}, {c.ack(true, 0.001), F, reason::established},
                {rst, F, reason::established}, {c.ack(false, 1), F, reason::established},
                {c.fin(false, 14), D, reason::invalid_new}}, "pickup + inexact rst");
  // control: ASSURED (full handshake) keeps ESTABLISHED; the ACK after it restores the long timeout
  tcp_conv e;
  session_device d2("fw", linux_with({}));
  run_steps(d2, {{e.syn(0), F, reason::new_session}, {e.synack(0.001), F, reason::established},
                 {e.ack(false, 0.002), F, reason::established}, {e.data(false, 10, 0.003), F, reason::established},
                 {e.ack(true, 0.004), F, reason::established}}, "handshake");
  packet_view rst2 = e.pkt(false, tcp_flags::rst, 0, 0.005);
  rst2.seq += 100;
  run_steps(d2, {{rst2, F, reason::established}, {e.ack(false, 1), F, reason::established},
                 {e.fin(false, 14), F, reason::established}}, "assured + inexact rst");
}

// D9: a RST whose ack field equals last_end after a SYN we let through is accepted without the
// window check only when it comes from the other side (kernel 6.18, observed). On a fresh entry
// last_end is 0, so a client RST without ACK (ack field 0) far out of window was accepted before.
TEST(conntrack_tcp, rst_answering_a_syn_must_come_from_the_other_side) {
  for (bool from_server : {false, true}) {
    tcp_conv c(3000000000u, 100000);
    session_device d("fw", linux_with({}));
    packet_view sa = c.synack(0.001);
    sa.ack -= 200000;  // under the lower bound: ignored, but the entry has seen a reply
    packet_view r = c.pkt(from_server, tcp_flags::rst, 0, 0.002);
    r.seq += 1u << 30;  // far out of window
    r.ack = 0;          // == last_end of the fresh entry
    run_steps(d, {{c.syn(0), F, reason::new_session}, {sa, F, reason::ignored}}, "setup");
    run_steps(d, {{r, from_server ? F : D, from_server ? reason::established : reason::seq_over_window}},
              from_server ? "server rst" : "client rst");
  }
}
