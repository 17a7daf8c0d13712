// ICMP errors as nf_conntrack_inet_error() judges them: the quoted packet's tuple is inverted and
// looked up (so a quoted echo *reply* finds its echo request's entry), and the error must be
// addressed to the quoted packet's source ("outer daddr != inner" otherwise). IPv4 and IPv6.
#include <gtest/gtest.h>

#include <cstdint>

#include "sessim/device/session_device.hpp"
#include "sessim/device/tracking_key.hpp"
#include "sessim/policy/presets/all.hpp"

using namespace sessim;

namespace {

struct hosts {
  bool v6 = false;
  ip_addr c, s, c2, router;
};

hosts v4_hosts() {
  return {false, ip_addr::v4(0xc000020a), ip_addr::v4(0xc6336414), ip_addr::v4(0xc000020b),
          ip_addr::v4(0xc63364fe)};
}
hosts v6_hosts() {
  auto a = [](std::uint8_t last) {
    std::uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last};
    return ip_addr::v6addr(b);
  };
  return {true, a(10), a(20), a(11), a(254)};
}

std::uint8_t icmp_proto(const hosts& h) { return h.v6 ? 58 : 1; }

/// An ICMP query message (echo, timestamp, ...) of type `type` with identifier `id`.
packet_view query(const hosts& h, const ip_addr& src, const ip_addr& dst, std::uint8_t type, std::uint16_t id,
                  double t) {
  packet_view p;
  p.ts = seconds(t);
  p.key.src = src;
  p.key.dst = dst;
  p.key.proto = icmp_proto(h);
  p.key.sport = p.key.dport = id;
  p.icmp_type = type;
  p.l4_len = 24;
  p.ip_len = (h.v6 ? 40 : 20) + p.l4_len;
  return p;
}

packet_view udp(const ip_addr& src, const ip_addr& dst, std::uint16_t sp, std::uint16_t dp, double t) {
  packet_view p;
  p.ts = seconds(t);
  p.key.src = src;
  p.key.dst = dst;
  p.key.proto = 17;
  p.key.sport = sp;
  p.key.dport = dp;
  p.l4_len = 20;
  p.payload_len = 12;
  p.ip_len = 40;
  return p;
}

/// An ICMP error (destination unreachable) from `src` to `dst` quoting packet `q`.
packet_view error_about(const hosts& h, const ip_addr& src, const ip_addr& dst, const packet_view& q, double t) {
  packet_view p;
  p.ts = seconds(t);
  p.key.src = src;
  p.key.dst = dst;
  p.key.proto = icmp_proto(h);
  p.icmp_type = h.v6 ? 1 : 3;
  p.icmp_code = h.v6 ? 4 : 3;
  p.icmp_error = true;
  p.has_inner = true;
  p.inner = q.key;
  p.inner_icmp_type = q.icmp_type;
  p.l4_len = 8 + 28;
  p.ip_len = (h.v6 ? 40 : 20) + p.l4_len;
  return p;
}

decision feed(session_device& d, const packet_view& p) {
  auto on = [](const session_end&) {};
  d.expire_until(p.ts, on);
  return d.process(p, p.ts, false, on);
}

void expect(const decision& r, verdict v, reason why) {
  EXPECT_EQ(r.v, v);
  EXPECT_EQ(reason_name(r.why), reason_name(why));
}

class icmp_error : public ::testing::TestWithParam<bool> {
 protected:
  hosts h = GetParam() ? v6_hosts() : v4_hosts();
  std::uint8_t echo_req = GetParam() ? 128 : 8;
  std::uint8_t echo_rep = GetParam() ? 129 : 0;
  session_device d{"fw", find_preset("linux").make()};
};

}  // namespace

// D3: the kernel inverts the quoted tuple; a quoted echo reply (type 0, id) becomes (echo
// request, id), the entry's original tuple: RELATED.
TEST_P(icmp_error, quoting_an_echo_reply_is_related) {
  const packet_view req = query(h, h.c, h.s, echo_req, 0x4343, 0.040);
  const packet_view rep = query(h, h.s, h.c, echo_rep, 0x4343, 0.041);
  expect(feed(d, req), verdict::forward, reason::new_session);
  expect(feed(d, rep), verdict::forward, reason::established);
  // "fragmentation needed" from the client, to the server, about the server's echo reply
  expect(feed(d, error_about(h, h.c, h.s, rep, 0.042)), verdict::forward, reason::related);
  // and the other way round: a time exceeded from a router to the client about its request
  expect(feed(d, error_about(h, h.router, h.c, req, 0.043)), verdict::forward, reason::related);
  // a quoted reply with another identifier finds nothing
  expect(feed(d, error_about(h, h.c, h.s, query(h, h.s, h.c, echo_rep, 0x4344, 0), 0.044)), verdict::drop,
         reason::icmp_no_session);
}

// A quoted ICMP message that is not a query has no inverse in conntrack (nf_ct_invert_tuple
// fails): the error is INVALID even when an echo session with the same identifier field is live.
TEST_P(icmp_error, quoting_a_non_query_icmp_is_invalid) {
  expect(feed(d, query(h, h.c, h.s, echo_req, 0, 1)), verdict::forward, reason::new_session);
  // (router advertisement / neighbour solicitation, sent the same way as the echo request)
  packet_view other = query(h, h.c, h.s, GetParam() ? 135 : 9, 0, 0);
  expect(feed(d, error_about(h, h.s, h.c, other, 1.1)), verdict::drop, reason::icmp_no_session);
}

// D2: nf_conntrack_inet_error requires the error's destination to be the quoted packet's source.
TEST_P(icmp_error, error_to_another_host_is_invalid) {
  const packet_view u = udp(h.c, h.s, 51002, 5000, 0.010);
  expect(feed(d, u), verdict::forward, reason::new_session);
  expect(feed(d, error_about(h, h.s, h.c2, u, 0.011)), verdict::drop, reason::icmp_bad_destination);
  expect(feed(d, error_about(h, h.s, h.c, u, 0.012)), verdict::forward, reason::related);
  // about the server's reply: must go to the server
  const packet_view r = udp(h.s, h.c, 5000, 51002, 0.013);
  expect(feed(d, r), verdict::forward, reason::established);
  expect(feed(d, error_about(h, h.c, h.s, r, 0.014)), verdict::forward, reason::related);
  expect(feed(d, error_about(h, h.c, h.c2, r, 0.015)), verdict::drop, reason::icmp_bad_destination);
  // an error about no session at all keeps its reason, whatever its destination
  expect(feed(d, error_about(h, h.s, h.c2, udp(h.c, h.s, 1, 2, 0), 0.016)), verdict::drop,
         reason::icmp_no_session);
}

INSTANTIATE_TEST_SUITE_P(ip, icmp_error, ::testing::Values(false, true),
                         [](const auto& i) { return i.param ? "v6" : "v4"; });

TEST(quoted_tracking_key, follows_tracking_key_of_the_quoted_packet) {
  const hosts h = v4_hosts();
  for (std::uint8_t t : {8, 0, 13, 14, 15, 16, 17, 18}) {
    packet_view q = query(h, h.s, h.c, t, 0x99, 0);
    packet_view e = error_about(h, h.c, h.s, q, 0);
    flow_key k;
    ASSERT_TRUE(quoted_tracking_key(e, k)) << int(t);
    EXPECT_EQ(k, tracking_key(q)) << int(t);
  }
  packet_view e = error_about(h, h.c, h.s, query(h, h.s, h.c, 3, 0, 0), 0);
  flow_key k;
  EXPECT_FALSE(quoted_tracking_key(e, k));
  e.has_inner = false;
  EXPECT_FALSE(quoted_tracking_key(e, k));
  // TCP/UDP quotes are keyed as they were sent
  e = error_about(h, h.s, h.c, udp(h.c, h.s, 7, 8, 0), 0);
  ASSERT_TRUE(quoted_tracking_key(e, k));
  EXPECT_EQ(k, e.inner);
}

// D7: the ICMP code is part of conntrack's ICMP tuple (icmp_pkt_to_tuple; nf_ct_invert_tuple
// keeps it): a reply, or an error quoting a query, with another code than the request's matches
// no entry; requests with one identifier and two codes are two entries with their own timers.
TEST_P(icmp_error, the_code_is_part_of_the_query_key) {
  packet_view req = query(h, h.c, h.s, echo_req, 0x501, 0);
  packet_view rep1 = query(h, h.s, h.c, echo_rep, 0x501, 0.001);
  rep1.icmp_code = 1;
  expect(feed(d, req), verdict::forward, reason::new_session);
  expect(feed(d, rep1), verdict::drop, reason::icmp_no_request);
  expect(feed(d, query(h, h.s, h.c, echo_rep, 0x501, 0.002)), verdict::forward, reason::established);
  packet_view req2 = query(h, h.c, h.s, echo_req, 0x501, 25);
  req2.icmp_code = 1;
  expect(feed(d, req2), verdict::forward, reason::new_session);
  packet_view rep2 = query(h, h.s, h.c, echo_rep, 0x501, 33);
  rep2.icmp_code = 1;
  expect(feed(d, rep2), verdict::forward, reason::established);
  // the code-0 entry expired at 30.002 s (icmp 30)
  expect(feed(d, query(h, h.s, h.c, echo_rep, 0x501, 33.001)), verdict::drop,
         reason::icmp_no_request);
  // an error quoting the code-1 request is related; quoting it with code 0: no entry
  packet_view q1 = req2;
  packet_view e1 = error_about(h, h.router, h.c, q1, 33.002);
  e1.inner_icmp_code = 1;
  expect(feed(d, e1), verdict::forward, reason::related);
  expect(feed(d, error_about(h, h.router, h.c, q1, 33.003)), verdict::drop, reason::icmp_no_session);
}

TEST(icmp_code_in_key, off_keeps_type_and_identifier_only) {
  device_config c = find_preset("linux").make();
  apply_setting(c, "icmp.code_in_key", "0");
  session_device d{"fw", c};
  const hosts h = v4_hosts();
  expect(feed(d, query(h, h.c, h.s, 8, 0x501, 0)), verdict::forward, reason::new_session);
  packet_view rep = query(h, h.s, h.c, 0, 0x501, 0.001);
  rep.icmp_code = 1;
  expect(feed(d, rep), verdict::forward, reason::established);
}

// D10: the kernel's ICMP tuple carries the type, so host B's echo request and B's echo reply to
// A's request are different entries. sessim's keys for them collide when both identifiers equal
// the request type (echo id 8 both ways); the second exchange gets its own session.
TEST_P(icmp_error, requests_both_ways_with_the_type_as_identifier) {
  const std::uint16_t id = echo_req;  // 8 (v4) / 128 (v6)
  expect(feed(d, query(h, h.c, h.s, echo_req, id, 0)), verdict::forward, reason::new_session);
  // the client's reply to a request the server never sent: no entry (it is not the client's request)
  expect(feed(d, query(h, h.c, h.s, echo_rep, id, 0.001)), verdict::drop, reason::icmp_no_request);
  // the server's request with the same identifier: a new entry, not the reply of the client's
  expect(feed(d, query(h, h.s, h.c, echo_req, id, 0.002)), verdict::forward, reason::new_session);
  expect(feed(d, query(h, h.c, h.s, echo_rep, id, 0.003)), verdict::forward, reason::established);
  expect(feed(d, query(h, h.s, h.c, echo_rep, id, 0.004)), verdict::forward, reason::established);
  EXPECT_EQ(d.sessions(), 2u);
  // an error quoting the server's request (to the server) is related
  expect(feed(d, error_about(h, h.router, h.s, query(h, h.s, h.c, echo_req, id, 0), 0.005)), verdict::forward,
         reason::related);
}
