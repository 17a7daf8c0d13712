// Fix hints of no-session and invalid breaks: the setting named is one that would have accepted
// the failing packet, and none is named when no setting would (conntrack accepts none of those).
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "common/packet_builder.hpp"
#include "sessim/policy/presets/all.hpp"
#include "sessim/sim/replay.hpp"

using namespace sessim;
using test::tcp_conv;

namespace {

struct collect : replay_sink {
  std::vector<connection> conns;
  void on_connection(const connection& c) override { conns.push_back(c); }
};

/// The one broken connection of a cold-start replay through one linux device with `sets`.
break_info broken_one(std::vector<packet_view> pkts, std::initializer_list<std::pair<const char*, const char*>> sets) {
  topology t;
  t.devices = {device_spec{"fw", find_preset("linux").make()}};
  for (auto& [k, v] : sets) apply_setting(t.devices[0].config, k, v);
  test::vector_source src{std::move(pkts)};
  replay_options o;
  o.log.cold_start = true;
  replay r(std::move(t), o);
  collect out;
  r.run(src, out);
  std::vector<break_info> b;
  for (const auto& c : out.conns)
    if (c.broken) b.push_back(c.brk);
  EXPECT_EQ(b.size(), 1u);
  return b.empty() ? break_info{} : b.front();
}

bool has(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST(fix_hint, fin_without_session_names_no_setting_even_with_pickup) {
  tcp_conv c;
  break_info b = broken_one({c.fin(false, 1), c.ack(true, 1.01), c.ack(false, 1.02)}, {{"tcp.loose", "1"}});
  EXPECT_EQ(b.frame, 1u);
  EXPECT_EQ(b.cause, break_cause::no_session);
  EXPECT_EQ(b.why, reason::invalid_new);
  EXPECT_EQ(b.fix_key, "");
  EXPECT_TRUE(has(b.hint, "no policy creates a session from this packet")) << b.hint;
}

TEST(fix_hint, ack_without_session_names_pickup_when_it_would_help) {
  tcp_conv c;
  break_info b = broken_one({c.data(false, 10, 1), c.ack(true, 1.01)}, {{"tcp.loose", "0"}});
  EXPECT_EQ(b.why, reason::no_session);
  EXPECT_EQ(b.fix_key, "policy.no_session");
  EXPECT_TRUE(has(b.hint, "policy.no_session=pickup")) << b.hint;
}

TEST(fix_hint, ack_refused_by_the_syn_only_filter_names_it) {
  tcp_conv c;
  break_info b = broken_one({c.data(false, 10, 1), c.ack(true, 1.01)}, {{"tcp.loose", "1"}, {"policy.syn_only", "1"}});
  EXPECT_EQ(b.why, reason::no_session);
  EXPECT_EQ(b.fix_key, "policy.syn_only");
  EXPECT_TRUE(has(b.hint, "policy.syn_only=0")) << b.hint;
}

// The server's SYN/ACK took another path (the asymmetric set-up: tcp.strict_states=0 and
// tcp.be_liberal=1 accept the client's ACK in SYN_SENT): the device holds the session but has seen no reply, and
// policy.syn_only with scope unreplied (a `ct state new` rule) drops the client's next packet. The
// hint names the scope, not the capture start (the device had the session all along).
TEST(fix_hint, client_packet_refused_in_an_unreplied_session_names_the_syn_only_scope) {
  tcp_conv c;
  break_info b = broken_one({c.syn(1), c.ack(false, 1.02), c.data(false, 10, 1.03)},
                            {{"policy.syn_only", "1"}, {"tcp.strict_states", "0"}, {"tcp.be_liberal", "1"}});
  EXPECT_EQ(b.frame, 2u);
  EXPECT_EQ(b.cause, break_cause::no_session);
  EXPECT_EQ(b.why, reason::no_session);
  EXPECT_EQ(b.fix_key, "policy.syn_only_scope");
  EXPECT_TRUE(has(b.hint, "policy.syn_only_scope=create")) << b.hint;
  // With scope create (pf's flags S/SA) the same packets pass.
  topology t;
  t.devices = {device_spec{"fw", find_preset("linux").make()}};
  apply_setting(t.devices[0].config, "policy.syn_only", "1");
  apply_setting(t.devices[0].config, "tcp.strict_states", "0");
  apply_setting(t.devices[0].config, "tcp.be_liberal", "1");
  apply_setting(t.devices[0].config, "policy.syn_only_scope", "create");
  test::vector_source src{{c.syn(1), c.ack(false, 1.02), c.data(false, 10, 1.03)}};
  replay_options o;
  o.log.cold_start = true;
  replay r(std::move(t), o);
  collect out;
  r.run(src, out);
  ASSERT_EQ(out.conns.size(), 1u);
  EXPECT_FALSE(out.conns[0].broken);
}

TEST(fix_hint, icmp_reply_without_request_names_no_setting) {
  break_info b = broken_one({test::icmp_echo(true, 1)}, {{"tcp.loose", "1"}});
  EXPECT_EQ(b.why, reason::icmp_no_request);
  EXPECT_EQ(b.fix_key, "");
  EXPECT_TRUE(has(b.hint, "ICMP reply without a live request")) << b.hint;
}

TEST(fix_hint, impossible_flags_name_no_setting) {
  tcp_conv c;
  std::vector<packet_view> v = {c.syn(1), c.synack(1.01), c.ack(false, 1.02),
                                c.pkt(false, tcp_flags::syn | tcp_flags::fin, 0, 1.03)};
  break_info b = broken_one(std::move(v), {});
  EXPECT_EQ(b.frame, 4u);
  EXPECT_EQ(b.cause, break_cause::invalid);
  EXPECT_EQ(b.why, reason::invalid_flags);
  EXPECT_EQ(b.fix_key, "");
  EXPECT_TRUE(has(b.hint, "impossible TCP flag combination")) << b.hint;
}

TEST(fix_hint, data_beyond_the_window_names_be_liberal) {
  tcp_conv c;
  std::vector<packet_view> v = {c.syn(1), c.synack(1.01), c.ack(false, 1.02), c.data(false, 100, 1.03)};
  v.back().seq += 10'000'000;
  break_info b = broken_one(std::move(v), {});
  EXPECT_EQ(b.frame, 4u);
  EXPECT_EQ(b.why, reason::seq_over_window);
  EXPECT_EQ(b.fix_key, "tcp.be_liberal");
}
