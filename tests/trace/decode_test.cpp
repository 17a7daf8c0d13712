// decode_frame: hand-built frames for every link type, encapsulation, IP option/extension layout,
// fragment case, ICMP query/error, and each skip reason.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

#include "sessim/trace/decode.hpp"
#include "sessim/trace/fragment_cache.hpp"

using namespace sessim;

namespace {

using bytes = std::vector<std::uint8_t>;

bytes cat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
void put16(bytes& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}
bytes be16(std::uint16_t v) { return {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)}; }
bytes be32(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
          static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}
bytes zeros(std::size_t n) { return bytes(n, 0); }

const bytes mac_dst = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
const bytes mac_src = {0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};

bytes eth(std::uint16_t type, const bytes& payload) { return cat({mac_dst, mac_src, be16(type), payload}); }
/// Ethernet header with a stack of (tpid, vid) tags, then `type`.
bytes eth_tagged(std::initializer_list<std::pair<std::uint16_t, std::uint16_t>> tags, std::uint16_t type,
                 const bytes& payload) {
  bytes out = cat({mac_dst, mac_src});
  for (auto [tpid, vid] : tags) {
    auto t = be16(tpid);
    out.insert(out.end(), t.begin(), t.end());
    auto v = be16(vid);
    out.insert(out.end(), v.begin(), v.end());
  }
  auto t = be16(type);
  out.insert(out.end(), t.begin(), t.end());
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

struct v4opts {
  std::uint16_t id = 0x1234;
  std::uint16_t frag = 0x4000;  // DF
  std::uint8_t tos = 0x10, ttl = 64;
  bytes options;                // IP options (multiple of 4)
};
bytes ipv4(std::uint8_t proto, std::uint32_t src, std::uint32_t dst, const bytes& l4,
           const v4opts& o = {}) {
  const std::size_t ihl = 20 + o.options.size();
  bytes h = zeros(20);
  h[0] = static_cast<std::uint8_t>(0x40 | (ihl / 4));
  h[1] = o.tos;
  put16(h, 2, static_cast<std::uint16_t>(ihl + l4.size()));
  put16(h, 4, o.id);
  put16(h, 6, o.frag);
  h[8] = o.ttl;
  h[9] = proto;
  auto s = be32(src), d = be32(dst);
  std::copy(s.begin(), s.end(), h.begin() + 12);
  std::copy(d.begin(), d.end(), h.begin() + 16);
  return cat({h, o.options, l4});
}

bytes v6addr(std::uint16_t last) {
  bytes a = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  auto l = be16(last);
  a.insert(a.end(), l.begin(), l.end());
  return a;
}
bytes ipv6(std::uint8_t nh, std::uint16_t src, std::uint16_t dst, const bytes& payload,
           std::uint8_t tclass = 0x2e, std::uint8_t hlim = 55) {
  bytes h = zeros(8);
  h[0] = static_cast<std::uint8_t>(0x60 | (tclass >> 4));
  h[1] = static_cast<std::uint8_t>(tclass << 4);
  put16(h, 4, static_cast<std::uint16_t>(payload.size()));
  h[6] = nh;
  h[7] = hlim;
  return cat({h, v6addr(src), v6addr(dst), payload});
}
/// A generic IPv6 extension header of 8 bytes (hop-by-hop, destination options, routing).
bytes ext8(std::uint8_t nh) { return {nh, 0, 1, 4, 0, 0, 0, 0}; }
bytes frag6(std::uint8_t nh, std::uint16_t offset_bytes, bool more, std::uint32_t id) {
  bytes h = {nh, 0};
  auto f = be16(static_cast<std::uint16_t>(offset_bytes | (more ? 1 : 0)));
  auto i = be32(id);
  return cat({h, f, i});
}

bytes tcp(std::uint16_t sport, std::uint16_t dport, std::uint32_t seq, std::uint32_t ack,
          std::uint8_t flags, std::uint16_t win, const bytes& opts = {}, const bytes& payload = {}) {
  bytes h = cat({be16(sport), be16(dport), be32(seq), be32(ack)});
  h.push_back(static_cast<std::uint8_t>(((20 + opts.size()) / 4) << 4));
  h.push_back(flags);
  auto w = be16(win);
  h.insert(h.end(), w.begin(), w.end());
  h.insert(h.end(), {0, 0, 0, 0});  // checksum, urgent
  return cat({h, opts, payload});
}
bytes udp(std::uint16_t sport, std::uint16_t dport, const bytes& payload) {
  return cat({be16(sport), be16(dport), be16(static_cast<std::uint16_t>(8 + payload.size())),
              be16(0), payload});
}
bytes icmp(std::uint8_t type, std::uint8_t code, std::uint16_t id, std::uint16_t seq,
           const bytes& payload = {}) {
  return cat({bytes{type, code, 0, 0}, be16(id), be16(seq), payload});
}

constexpr std::uint32_t a_ip = 0x0a000001;  // 10.0.0.1
constexpr std::uint32_t b_ip = 0xc0a80102;  // 192.168.1.2

struct decoded {
  skip_reason why;
  packet_view p;
};
decoded run(int lt, const bytes& f, fragment_cache& fc, std::uint32_t caplen = 0xffffffff,
            std::uint32_t wire = 0) {
  decoded d;
  d.p.frame = 42;
  d.p.ts = 7;
  std::uint32_t cap = caplen == 0xffffffff ? static_cast<std::uint32_t>(f.size()) : caplen;
  d.why = decode_frame(lt, f.data(), cap, wire ? wire : static_cast<std::uint32_t>(f.size()), d.p, fc);
  return d;
}
decoded run(int lt, const bytes& f, std::uint32_t caplen = 0xffffffff, std::uint32_t wire = 0) {
  fragment_cache fc;
  return run(lt, f, fc, caplen, wire);
}

const bytes syn_opts = {0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0, 0, 0, 1,
                        0, 0, 0, 0, 0x01, 0x03, 0x03, 0x07};  // MSS, SACK-perm, TS, NOP, WS 7

bytes syn_v4() { return ipv4(6, a_ip, b_ip, tcp(40000, 443, 1000, 0, tcp_flags::syn, 64240, syn_opts)); }

void expect_syn(const packet_view& p) {
  EXPECT_EQ(p.key.src, ip_addr::v4(a_ip));
  EXPECT_EQ(p.key.dst, ip_addr::v4(b_ip));
  EXPECT_EQ(p.key.sport, 40000);
  EXPECT_EQ(p.key.dport, 443);
  EXPECT_EQ(p.key.proto, 6);
  EXPECT_EQ(p.ip_len, 60u);
  EXPECT_EQ(p.l4_len, 40u);
  EXPECT_EQ(p.payload_len, 0u);
  EXPECT_EQ(p.seq, 1000u);
  EXPECT_EQ(p.flags, tcp_flags::syn);
  EXPECT_EQ(p.doff, 40);
  EXPECT_EQ(p.opt_len, 20);
}

}  // namespace

// ---------------------------------------------------------------- link types

TEST(decode_frame, ethernet_ipv4_tcp_all_fields) {
  const bytes pl = {'h', 'e', 'l', 'l', 'o'};
  bytes f = eth(0x0800, ipv4(6, a_ip, b_ip,
                             tcp(40000, 443, 0xfffffff0, 0x01020304,
                                 tcp_flags::ack | tcp_flags::psh, 501, {1, 1, 1, 1}, pl),
                             {.id = 7, .frag = 0, .tos = 0xb8, .ttl = 63}));
  auto d = run(linktype::ethernet, f);
  ASSERT_EQ(d.why, skip_reason::none);
  const packet_view& p = d.p;
  EXPECT_EQ(p.frame, 42u);  // untouched
  EXPECT_EQ(p.ts, 7);
  EXPECT_EQ(p.key.src.str(), "10.0.0.1");
  EXPECT_EQ(p.key.dst.str(), "192.168.1.2");
  EXPECT_FALSE(p.key.src.v6);
  EXPECT_EQ(p.key.sport, 40000);
  EXPECT_EQ(p.key.dport, 443);
  EXPECT_EQ(p.key.proto, 6);
  EXPECT_EQ(p.key.vlan, 0);
  EXPECT_EQ(p.wire_len, 14u + 20 + 24 + 5);
  EXPECT_EQ(p.ip_len, 49u);
  EXPECT_EQ(p.l4_len, 29u);
  EXPECT_EQ(p.payload_len, 5u);
  EXPECT_FALSE(p.truncated);
  EXPECT_FALSE(p.fragment);
  EXPECT_TRUE(p.l4_header);
  EXPECT_EQ(p.seq, 0xfffffff0u);
  EXPECT_EQ(p.ack, 0x01020304u);
  EXPECT_EQ(p.win, 501);
  EXPECT_EQ(p.flags, tcp_flags::ack | tcp_flags::psh);
  EXPECT_EQ(p.doff, 24);
  EXPECT_EQ(p.opt_len, 4);
  EXPECT_EQ(p.opts[0], 1);
  EXPECT_EQ(p.opts[3], 1);
  EXPECT_EQ(p.tos, 0xb8);
  EXPECT_EQ(p.ttl, 63);
  EXPECT_FALSE(p.icmp_error);
  EXPECT_FALSE(p.has_inner);
}

TEST(decode_frame, ethernet_padding_does_not_count_as_payload) {
  bytes f = eth(0x0800, ipv4(6, a_ip, b_ip, tcp(1, 2, 3, 4, tcp_flags::ack, 5)));
  f.resize(60, 0);  // minimum Ethernet frame
  auto d = run(linktype::ethernet, f);
  ASSERT_EQ(d.why, skip_reason::none);
  EXPECT_EQ(d.p.wire_len, 60u);
  EXPECT_EQ(d.p.ip_len, 40u);
  EXPECT_EQ(d.p.payload_len, 0u);
  EXPECT_FALSE(d.p.truncated);
}

TEST(decode_frame, ethernet_syn_options_copied) {
  auto d = run(linktype::ethernet, eth(0x0800, syn_v4()));
  ASSERT_EQ(d.why, skip_reason::none);
  expect_syn(d.p);
  EXPECT_EQ(d.p.win, 64240);
  for (std::size_t i = 0; i < syn_opts.size(); ++i) EXPECT_EQ(d.p.opts[i], syn_opts[i]) << i;
}

TEST(decode_frame, vlan_single_tag) {
  auto d = run(linktype::ethernet, eth_tagged({{0x8100, 0x2064}}, 0x0800, syn_v4()));  // PCP 1, VID 100
  ASSERT_EQ(d.why, skip_reason::none);
  EXPECT_EQ(d.p.key.vlan, 100);
  expect_syn(d.p);
}

TEST(decode_frame, qinq_uses_outermost_vid) {
  for (std::uint16_t outer_tpid : {0x88a8, 0x9100, 0x8100}) {
    auto d = run(linktype::ethernet,
                 eth_tagged({{outer_tpid, 200}, {0x8100, 100}}, 0x0800, syn_v4()));
    ASSERT_EQ(d.why, skip_reason::none) << outer_tpid;
    EXPECT_EQ(d.p.key.vlan, 200) << outer_tpid;
    expect_syn(d.p);
  }
  // three tags
  auto d = run(linktype::ethernet,
               eth_tagged({{0x88a8, 13}, {0x8100, 10}, {0x8100, 7}}, 0x86dd,
                          ipv6(17, 1, 2, udp(5353, 5353, {1, 2, 3}))));
  ASSERT_EQ(d.why, skip_reason::none);
  EXPECT_EQ(d.p.key.vlan, 13);
  EXPECT_EQ(d.p.key.proto, 17);
}

TEST(decode_frame, mpls_stack_to_ipv4_and_ipv6) {
  bytes labels = cat({be32(0x0001d0ff), be32(0x0001e1ff)});  // label 29 (not bottom), label 30 (bottom)
  auto d = run(linktype::ethernet, eth(0x8847, cat({labels, syn_v4()})));
  ASSERT_EQ(d.why, skip_reason::none);
  expect_syn(d.p);
  EXPECT_EQ(d.p.wire_len, 14u + 8 + 60);

  auto d6 = run(linktype::ethernet,
                eth_tagged({{0x8100, 5}}, 0x8847,
                           cat({be32(0x00010140), ipv6(17, 1, 2, udp(1000, 53, zeros(10)))})));
  ASSERT_EQ(d6.why, skip_reason::none);
  EXPECT_EQ(d6.p.key.vlan, 5);
  EXPECT_TRUE(d6.p.key.src.v6);
  EXPECT_EQ(d6.p.key.dport, 53);
  EXPECT_EQ(d6.p.payload_len, 10u);

  // Ethernet pseudowire with a control word (first nibble 0) is not IP.
  auto pw = run(linktype::ethernet, eth(0x8847, cat({be32(0x00010140), zeros(4), eth(0x0800, syn_v4())})));
  EXPECT_EQ(pw.why, skip_reason::not_ip);
  // Label stack cut short.
  auto cut = run(linktype::ethernet, eth(0x8847, be32(0x0001d0ff)));
  EXPECT_EQ(cut.why, skip_reason::truncated_l2);
}

TEST(decode_frame, pppoe_session) {
  bytes pppoe = {0x11, 0x00, 0x00, 0x01, 0x00, 0x3e, 0x00, 0x21};
  auto d = run(linktype::ethernet, eth(0x8864, cat({pppoe, syn_v4()})));
  ASSERT_EQ(d.why, skip_reason::none);
  expect_syn(d.p);
  bytes lcp = {0x11, 0x00, 0x00, 0x01, 0x00, 0x06, 0xc0, 0x21, 1, 1, 0, 4};
  EXPECT_EQ(run(linktype::ethernet, eth(0x8864, lcp)).why, skip_reason::not_ip);
}

TEST(decode_frame, linux_sll) {
  bytes hdr = {0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00};
  auto d = run(linktype::linux_sll, cat({hdr, syn_v4()}));
  ASSERT_EQ(d.why, skip_reason::none);
  expect_syn(d.p);
  EXPECT_EQ(d.p.wire_len, 76u);
  EXPECT_EQ(run(linktype::linux_sll, bytes(hdr.begin(), hdr.begin() + 15)).why, skip_reason::truncated_l2);
  bytes arp = hdr;
  put16(arp, 14, 0x0806);
  EXPECT_EQ(run(linktype::linux_sll, cat({arp, zeros(28)})).why, skip_reason::not_ip);
}

TEST(decode_frame, linux_sll2) {
  bytes hdr = {0x86, 0xdd, 0, 0, 0, 0, 0, 3, 0x00, 0x01, 0x00, 0x06, 1, 2, 3, 4, 5, 6, 0, 0};
  auto d = run(linktype::linux_sll2,
               cat({hdr, ipv6(6, 1, 2, tcp(22, 50000, 9, 10, tcp_flags::syn | tcp_flags::ack, 100))}));
  ASSERT_EQ(d.why, skip_reason::none);
  EXPECT_EQ(d.p.key.src.str(), "2001:db8::1");
  EXPECT_EQ(d.p.key.dst.str(), "2001:db8::2");
  EXPECT_EQ(d.p.key.sport, 22);
  EXPECT_EQ(d.p.key.dport, 50000);
  EXPECT_EQ(d.p.flags, tcp_flags::syn | tcp_flags::ack);
  EXPECT_EQ(d.p.ip_len, 60u);
  EXPECT_EQ(d.p.l4_len, 20u);
  EXPECT_EQ(d.p.tos, 0x2e);
  EXPECT_EQ(d.p.ttl, 55);
  EXPECT_EQ(run(linktype::linux_sll2, zeros(19)).why, skip_reason::truncated_l2);
}

TEST(decode_frame, raw_ip_by_version_nibble) {
  for (int lt : {linktype::raw, linktype::raw_dlt}) {
    auto d4 = run(lt, syn_v4());
    ASSERT_EQ(d4.why, skip_reason::none) << lt;
    expect_syn(d4.p);
    auto d6 = run(lt, ipv6(17, 1, 2, udp(1, 2, zeros(3))));
    ASSERT_EQ(d6.why, skip_reason::none) << lt;
    EXPECT_TRUE(d6.p.key.src.v6);
    EXPECT_EQ(d6.p.payload_len, 3u);
    bytes bad = syn_v4();
    bad[0] = 0x55;  // version 5
    EXPECT_EQ(run(lt, bad).why, skip_reason::bad_ip) << lt;
  }
}

TEST(decode_frame, ipv4_and_ipv6_linktypes_check_version) {
  auto d = run(linktype::ipv4, syn_v4());
  ASSERT_EQ(d.why, skip_reason::none);
  expect_syn(d.p);
  EXPECT_EQ(run(linktype::ipv6, syn_v4()).why, skip_reason::bad_ip);
  auto d6 = run(linktype::ipv6, ipv6(17, 1, 2, udp(1, 2, {})));
  ASSERT_EQ(d6.why, skip_reason::none);
  EXPECT_EQ(d6.p.ip_len, 48u);
  EXPECT_EQ(run(linktype::ipv4, ipv6(17, 1, 2, udp(1, 2, {}))).why, skip_reason::bad_ip);
}

TEST(decode_frame, null_and_loop_address_families) {
  const bytes v4 = syn_v4();
  const bytes v6 = ipv6(17, 1, 2, udp(7, 8, {}));
  // NULL: host byte order of the writer, either way round.
  for (const bytes& af : {bytes{2, 0, 0, 0}, bytes{0, 0, 0, 2}}) {
    auto d = run(linktype::null, cat({af, v4}));
    ASSERT_EQ(d.why, skip_reason::none);
    expect_syn(d.p);
  }
  for (std::uint8_t af6 : {24, 28, 30}) {
    auto le = run(linktype::null, cat({bytes{af6, 0, 0, 0}, v6}));
    ASSERT_EQ(le.why, skip_reason::none) << int(af6);
    EXPECT_EQ(le.p.key.sport, 7);
    auto lo = run(linktype::loop, cat({bytes{0, 0, 0, af6}, v6}));
    ASSERT_EQ(lo.why, skip_reason::none) << int(af6);
    EXPECT_EQ(lo.p.key.dport, 8);
  }
  auto lo4 = run(linktype::loop, cat({bytes{0, 0, 0, 2}, v4}));
  ASSERT_EQ(lo4.why, skip_reason::none);
  expect_syn(lo4.p);
  EXPECT_EQ(run(linktype::null, cat({bytes{7, 0, 0, 0}, v4})).why, skip_reason::not_ip);
  EXPECT_EQ(run(linktype::loop, cat({bytes{2, 0, 0, 0}, v4})).why, skip_reason::not_ip);
  EXPECT_EQ(run(linktype::null, bytes{2, 0, 0}).why, skip_reason::truncated_l2);
}

TEST(decode_frame, ppp_framings) {
  const bytes v4 = syn_v4();
  auto a = run(linktype::ppp, cat({bytes{0xff, 0x03, 0x00, 0x21}, v4}));
  ASSERT_EQ(a.why, skip_reason::none);
  expect_syn(a.p);
  auto b = run(linktype::ppp, cat({bytes{0x00, 0x21}, v4}));
  ASSERT_EQ(b.why, skip_reason::none);
  auto c = run(linktype::ppp, cat({bytes{0x21}, v4}));  // protocol-field compression
  ASSERT_EQ(c.why, skip_reason::none);
  auto d = run(linktype::ppp_hdlc, cat({bytes{0xff, 0x03, 0x00, 0x57}, ipv6(17, 1, 2, udp(1, 2, {}))}));
  ASSERT_EQ(d.why, skip_reason::none);
  EXPECT_TRUE(d.p.key.src.v6);
  EXPECT_EQ(run(linktype::ppp_hdlc, bytes{0xff, 0x03, 0xc0, 0x21, 1, 1, 0, 4}).why, skip_reason::not_ip);
  auto e = run(linktype::c_hdlc, cat({bytes{0x0f, 0x00, 0x08, 0x00}, v4}));
  ASSERT_EQ(e.why, skip_reason::none);
  expect_syn(e.p);
}

TEST(decode_frame, unknown_linktype_and_non_ip) {
  EXPECT_EQ(run(105 /* 802.11 */, syn_v4()).why, skip_reason::unknown_linktype);
  EXPECT_EQ(run(147, syn_v4()).why, skip_reason::unknown_linktype);
  bytes arp = {0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01};
  arp.resize(28, 0);
  auto d = run(linktype::ethernet, eth(0x0806, arp));
  EXPECT_EQ(d.why, skip_reason::not_ip);
  EXPECT_EQ(d.p.wire_len, 42u);
  EXPECT_EQ(d.p.frame, 42u);
  EXPECT_EQ(run(linktype::ethernet, eth_tagged({{0x8100, 3}}, 0x0806, arp)).why, skip_reason::not_ip);
  EXPECT_EQ(run(linktype::ethernet, eth(0x88cc, zeros(30))).why, skip_reason::not_ip);  // LLDP
  // 802.3 length field + LLC (STP, CDP)
  EXPECT_EQ(run(linktype::ethernet, eth(0x0026, cat({bytes{0x42, 0x42, 0x03}, zeros(35)}))).why,
            skip_reason::not_ip);
}

// ---------------------------------------------------------------- IP layer

TEST(decode_frame, ipv4_options_are_skipped) {
  v4opts o;
  o.options = {0x94, 0x04, 0x00, 0x00,                 // router alert
               0x07, 0x07, 0x04, 0, 0, 0, 0, 0x01};  // record route + EOL padding
  auto d = run(linktype::ethernet, eth(0x0800, ipv4(17, a_ip, b_ip, udp(67, 68, zeros(100)), o)));
  ASSERT_EQ(d.why, skip_reason::none);
  EXPECT_EQ(d.p.ip_len, 20u + 12 + 8 + 100);
  EXPECT_EQ(d.p.l4_len, 108u);
  EXPECT_EQ(d.p.payload_len, 100u);
  EXPECT_EQ(d.p.key.sport, 67);
  EXPECT_EQ(d.p.key.dport, 68);
  EXPECT_EQ(d.p.key.proto, 17);
}

TEST(decode_frame, bad_ipv4_headers) {
  bytes good = syn_v4();
  bytes ihl4 = good;
  ihl4[0] = 0x44;
  EXPECT_EQ(run(linktype::raw, ihl4).why, skip_reason::bad_ip);
  bytes ver = good;
  ver[0] = 0x35;
  EXPECT_EQ(run(linktype::ethernet, eth(0x0800, ver)).why, skip_reason::bad_ip);
  bytes short_total = good;
  put16(short_total, 2, 16);  // total length < IHL
  EXPECT_EQ(run(linktype::raw, short_total).why, skip_reason::bad_ip);
  // A total length beyond the frame on the wire (a TSO/GRO packet captured before segmentation,
  // or a recorded length that was cut): a truncated packet of that length, as the kernel sees it.
  bytes long_total = good;
  put16(long_total, 2, 1500);
  {
    auto d = run(linktype::raw, long_total);
    ASSERT_EQ(d.why, skip_reason::none);
    EXPECT_TRUE(d.p.truncated);
    EXPECT_EQ(d.p.ip_len, 1500u);
    EXPECT_EQ(d.p.l4_len, 1480u);
    EXPECT_EQ(d.p.payload_len, 1480u - d.p.doff);
    auto e = run(linktype::ethernet, eth(0x0800, long_total));  // the straight-line path
    ASSERT_EQ(e.why, skip_reason::none);
    EXPECT_TRUE(e.p.truncated);
    EXPECT_EQ(e.p.ip_len, 1500u);
  }
  // ... but fine when the frame was only cut by the snaplen.
  bytes big = ipv4(17, a_ip, b_ip, udp(1, 2, zeros(1000)));
  auto d = run(linktype::raw, big, 100, static_cast<std::uint32_t>(big.size()));
  ASSERT_EQ(d.why, skip_reason::none);
  EXPECT_TRUE(d.p.truncated);
  EXPECT_EQ(d.p.payload_len, 1000u);
  EXPECT_EQ(d.p.wire_len, 1028u);
}

TEST(decode_frame, ipv6_extension_headers_and_first_fragment) {
  // hop-by-hop -> destination options -> fragment (offset 0, M) -> routing -> UDP
  bytes udp_part = udp(5353, 53, zeros(24));
  bytes chain = cat({ext8(60), ext8(44), frag6(43, 0, true, 0xdeadbeef), ext8(17), udp_part});
  fragment_cache fc;
  auto d = run(linktype::ethernet, eth(0x86dd, ipv6(0, 1, 2, chain)), fc);
  ASSERT_EQ(d.why, skip_reason::none);
  EXPECT_EQ(d.p.key.proto, 17);
  EXPECT_EQ(d.p.key.sport, 5353);
  EXPECT_EQ(d.p.key.dport, 53);
  EXPECT_EQ(d.p.ip_len, 40u + 32 + 32);
  EXPECT_EQ(d.p.l4_len, 32u);
  EXPECT_EQ(d.p.payload_len, 24u);
  EXPECT_TRUE(d.p.fragment);
  EXPECT_TRUE(d.p.l4_header);
  EXPECT_EQ(d.p.frag_id, 0xdeadbeefu);
  EXPECT_EQ(fc.size(), 1u);

  // The next fragment: only a fragment header, next header says 43 (as in the first one).
  // The fragmentable part started with the 8-byte routing header: UDP header is bytes 8..16 of it.
  auto n = run(linktype::ethernet, eth(0x86dd, ipv6(44, 1, 2, cat({frag6(43, 40, false, 0xdeadbeef), zeros(40)}))), fc);
  ASSERT_EQ(n.why, skip_reason::none);
  EXPECT_TRUE(n.p.fragment);
  EXPECT_FALSE(n.p.l4_header);
  EXPECT_EQ(n.p.key.proto, 17);
  EXPECT_EQ(n.p.key.sport, 5353);
  EXPECT_EQ(n.p.key.dport, 53);
  EXPECT_EQ(n.p.l4_len, 40u);
  EXPECT_EQ(n.p.payload_len, 40u);
  EXPECT_EQ(n.p.frag_id, 0xdeadbeefu);

  // A fragment of another datagram whose first part was never seen.
  auto o = run(linktype::ethernet, eth(0x86dd, ipv6(44, 1, 2, cat({frag6(17, 1448, false, 7), zeros(40)}))), fc);
  EXPECT_EQ(o.why, skip_reason::ip_fragment);
  EXPECT_EQ(o.p.wire_len, 14u + 40 + 48);
}

TEST(decode_frame, ipv6_esp_and_no_next_header_end_the_walk) {
  auto esp = run(linktype::raw, ipv6(0, 1, 2, cat({ext8(50), zeros(40)})));
  ASSERT_EQ(esp.why, skip_reason::none);
  EXPECT_EQ(esp.p.key.proto, 50);
  EXPECT_EQ(esp.p.key.sport, 0);
  EXPECT_EQ(esp.p.l4_len, 40u);
  EXPECT_EQ(esp.p.payload_len, 40u);
  auto none = run(linktype::raw, ipv6(60, 1, 2, ext8(59)));
  ASSERT_EQ(none.why, skip_reason::none);
  EXPECT_EQ(none.p.key.proto, 59);
  EXPECT_EQ(none.p.l4_len, 0u);
  // AH: length in 4-byte units minus 2 (here 16 bytes) then TCP.
  bytes ah = {6, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0};
  auto a = run(linktype::raw, ipv6(51, 1, 2, cat({ah, tcp(1, 2, 3, 4, tcp_flags::syn, 5)})));
  ASSERT_EQ(a.why, skip_reason::none);
  EXPECT_EQ(a.p.key.proto, 6);
  EXPECT_EQ(a.p.key.sport, 1);
  EXPECT_EQ(a.p.l4_len, 20u);
}

TEST(decode_frame, ipv6_bad_and_truncated_extension_headers) {
  // Extension header runs past the payload length.
  bytes big_ext = {17, 4, 0, 0, 0, 0, 0, 0};  // claims 40 bytes
  EXPECT_EQ(run(linktype::raw, ipv6(0, 1, 2, big_ext)).why, skip_reason::bad_ip);
  // Captured only up to the middle of the chain.
  bytes f = ipv6(0, 1, 2, cat({ext8(60), ext8(17), udp(1, 2, {})}));
  EXPECT_EQ(run(linktype::raw, f, 41, static_cast<std::uint32_t>(f.size())).why, skip_reason::truncated_ip);
  EXPECT_EQ(run(linktype::raw, f, 50, static_cast<std::uint32_t>(f.size())).why, skip_reason::truncated_ip);
  EXPECT_EQ(run(linktype::raw, f, 58, static_cast<std::uint32_t>(f.size())).why, skip_reason::truncated_l4);
  EXPECT_EQ(run(linktype::raw, f, 39, static_cast<std::uint32_t>(f.size())).why, skip_reason::truncated_ip);
  // Payload length longer than the frame on the wire: a truncated packet of that length, as for
  // IPv4; the UDP header says 8 bytes, which fit in the 100 the IPv6 header claims.
  bytes lying = ipv6(17, 1, 2, udp(1, 2, {}));
  put16(lying, 4, 100);
  {
    auto d = run(linktype::raw, lying);
    ASSERT_EQ(d.why, skip_reason::none);
    EXPECT_TRUE(d.p.truncated);
    EXPECT_EQ(d.p.ip_len, 140u);
  }
}

TEST(decode_frame, ipv4_fragments_first_middle_last_and_orphan) {
  fragment_cache fc;
  // UDP datagram of 8 + 2000 bytes split at 1480 / 1480 / rest.
  bytes first_l4 = udp(4000, 53, zeros(1472));  // udp length field is not used
  auto first = run(linktype::ethernet,
                   eth(0x0800, ipv4(17, a_ip, b_ip, first_l4, {.id = 0xbeef, .frag = 0x2000})), fc);
  ASSERT_EQ(first.why, skip_reason::none);
  EXPECT_TRUE(first.p.fragment);
  EXPECT_TRUE(first.p.l4_header);
  EXPECT_EQ(first.p.frag_id, 0xbeefu);
  EXPECT_EQ(first.p.key.sport, 4000);
  EXPECT_EQ(first.p.l4_len, 1480u);
  EXPECT_EQ(first.p.payload_len, 1472u);

  auto middle = run(linktype::ethernet,
                    eth(0x0800, ipv4(17, a_ip, b_ip, zeros(1480), {.id = 0xbeef, .frag = 0x2000 | (1480 / 8)})), fc);
  ASSERT_EQ(middle.why, skip_reason::none);
  EXPECT_TRUE(middle.p.fragment);
  EXPECT_FALSE(middle.p.l4_header);
  EXPECT_EQ(middle.p.key.src, ip_addr::v4(a_ip));
  EXPECT_EQ(middle.p.key.sport, 4000);
  EXPECT_EQ(middle.p.key.dport, 53);
  EXPECT_EQ(middle.p.key.proto, 17);
  EXPECT_EQ(middle.p.l4_len, 1480u);
  EXPECT_EQ(middle.p.payload_len, 1480u);
  EXPECT_EQ(middle.p.ip_len, 1500u);

  auto last = run(linktype::ethernet,
                  eth(0x0800, ipv4(17, a_ip, b_ip, zeros(48), {.id = 0xbeef, .frag = 2960 / 8})), fc);
  ASSERT_EQ(last.why, skip_reason::none);
  EXPECT_EQ(last.p.key.dport, 53);
  EXPECT_FALSE(last.p.l4_header);
  EXPECT_EQ(last.p.payload_len, 48u);

  // Different id: orphan.
  auto orphan = run(linktype::ethernet,
                    eth(0x0800, ipv4(17, a_ip, b_ip, zeros(48), {.id = 0xbeee, .frag = 2960 / 8})), fc);
  EXPECT_EQ(orphan.why, skip_reason::ip_fragment);
  // Same id, other direction: orphan too.
  auto rev = run(linktype::ethernet,
                 eth(0x0800, ipv4(17, b_ip, a_ip, zeros(48), {.id = 0xbeef, .frag = 2960 / 8})), fc);
  EXPECT_EQ(rev.why, skip_reason::ip_fragment);
  // Non-first fragment of a port-less protocol (GRE) needs no first fragment.
  auto gre = run(linktype::ethernet,
                 eth(0x0800, ipv4(47, a_ip, b_ip, zeros(48), {.id = 9, .frag = 185})), fc);
  ASSERT_EQ(gre.why, skip_reason::none);
  EXPECT_EQ(gre.p.key.proto, 47);
  EXPECT_FALSE(gre.p.l4_header);
}

TEST(decode_frame, tcp_header_split_across_fragments) {
  // As in zeek's fragmented-syn trace: 24 bytes of a 40-byte TCP header, then the other 16.
  fragment_cache fc;
  bytes seg = tcp(12345, 80, 1000, 0, tcp_flags::syn, 8192, syn_opts);
  auto first = run(linktype::raw, ipv4(6, a_ip, b_ip, bytes(seg.begin(), seg.begin() + 24), {.id = 1, .frag = 0x2000}), fc);
  ASSERT_EQ(first.why, skip_reason::none);
  EXPECT_EQ(first.p.doff, 40);
  EXPECT_EQ(first.p.opt_len, 4);
  EXPECT_EQ(first.p.flags, tcp_flags::syn);
  EXPECT_EQ(first.p.payload_len, 0u);
  auto second = run(linktype::raw, ipv4(6, a_ip, b_ip, bytes(seg.begin() + 24, seg.end()), {.id = 1, .frag = 3}), fc);
  ASSERT_EQ(second.why, skip_reason::none);
  EXPECT_EQ(second.p.key.sport, 12345);
  EXPECT_EQ(second.p.payload_len, 0u);  // still TCP header bytes
  EXPECT_EQ(second.p.l4_len, 16u);
  // Without fragmentation the same truncated header is bad.
  EXPECT_EQ(run(linktype::raw, ipv4(6, a_ip, b_ip, bytes(seg.begin(), seg.begin() + 24))).why,
            skip_reason::bad_l4);
}

TEST(decode_frame, fragmented_icmp_echo_keeps_identifier) {
  fragment_cache fc;
  auto first = run(linktype::raw, ipv4(1, a_ip, b_ip, icmp(8, 0, 0x4242, 1, zeros(1472)), {.id = 5, .frag = 0x2000}), fc);
  ASSERT_EQ(first.why, skip_reason::none);
  EXPECT_EQ(first.p.key.sport, 0x4242);
  auto rest = run(linktype::raw, ipv4(1, a_ip, b_ip, zeros(100), {.id = 5, .frag = 185}), fc);
  ASSERT_EQ(rest.why, skip_reason::none);
  EXPECT_EQ(rest.p.key.sport, 0x4242);
  EXPECT_EQ(rest.p.key.dport, 0x4242);
  EXPECT_EQ(rest.p.key.proto, 1);
  // the last fragment completes the datagram: its L4 fields are the reassembled datagram's
  EXPECT_EQ(rest.p.reassembled, 1);
  EXPECT_EQ(rest.p.icmp_type, 8);
  EXPECT_EQ(rest.p.l4_len, 100u);
}

TEST(fragment_cache, fifo_eviction) {
  fragment_cache fc(2);
  auto key = [](std::uint32_t id) {
    return fragment_cache::key_type{ip_addr::v4(a_ip), ip_addr::v4(b_ip), id, 17, 0};
  };
  fc.insert(key(1), {17, 1, 1, 8});
  fc.insert(key(2), {17, 2, 2, 8});
  fc.insert(key(1), {17, 11, 11, 8});  // update keeps its age
  ASSERT_NE(fc.find(key(1)), nullptr);
  EXPECT_EQ(fc.find(key(1))->sport, 11);
  fc.insert(key(3), {17, 3, 3, 8});  // evicts 1, the oldest
  EXPECT_EQ(fc.find(key(1)), nullptr);
  ASSERT_NE(fc.find(key(2)), nullptr);
  ASSERT_NE(fc.find(key(3)), nullptr);
  EXPECT_EQ(fc.size(), 2u);
  EXPECT_EQ(fc.capacity(), 2u);
  auto other_vlan = key(3);
  other_vlan.vlan = 9;
  EXPECT_EQ(fc.find(other_vlan), nullptr);
  fc.clear();
  EXPECT_EQ(fc.size(), 0u);
  EXPECT_EQ(fc.find(key(3)), nullptr);
}

// ---------------------------------------------------------------- ICMP

TEST(decode_frame, icmp_echo_identifier_in_both_ports) {
  auto d = run(linktype::raw, ipv4(1, a_ip, b_ip, icmp(8, 0, 0x1f2e, 7, zeros(56))));
  ASSERT_EQ(d.why, skip_reason::none);
  EXPECT_EQ(d.p.key.proto, 1);
  EXPECT_EQ(d.p.key.sport, 0x1f2e);
  EXPECT_EQ(d.p.key.dport, 0x1f2e);
  EXPECT_EQ(d.p.icmp_type, 8);
  EXPECT_EQ(d.p.icmp_code, 0);
  EXPECT_FALSE(d.p.icmp_error);
  EXPECT_EQ(d.p.l4_len, 64u);
  EXPECT_EQ(d.p.payload_len, 56u);
  auto r = run(linktype::raw, ipv4(1, b_ip, a_ip, icmp(0, 0, 0x1f2e, 7, zeros(56))));
  ASSERT_EQ(r.why, skip_reason::none);
  EXPECT_EQ(r.p.key.reversed(), d.p.key);
  for (std::uint8_t t : {13, 14, 15, 16, 17, 18}) {
    auto q = run(linktype::raw, ipv4(1, a_ip, b_ip, icmp(t, 0, 99, 1, zeros(12))));
    ASSERT_EQ(q.why, skip_reason::none);
    EXPECT_EQ(q.p.key.sport, 99) << int(t);
  }
  // Router advertisement: no identifier, ports 0.
  auto ra = run(linktype::raw, ipv4(1, a_ip, b_ip, icmp(9, 0, 0x0100, 0x0708, zeros(8))));
  ASSERT_EQ(ra.why, skip_reason::none);
  EXPECT_EQ(ra.p.key.sport, 0);
  EXPECT_FALSE(ra.p.icmp_error);
}

TEST(decode_frame, icmp_port_unreachable_quotes_udp) {
  // 192.168.1.2:53 was sent a UDP packet from 10.0.0.1:33000; it answers port unreachable.
  bytes quoted = ipv4(17, a_ip, b_ip, udp(33000, 53, zeros(30)), {.id = 77, .frag = 0});
  bytes quote = bytes(quoted.begin(), quoted.begin() + 28);  // IP header + 8 bytes
  auto d = run(linktype::ethernet, eth(0x0800, ipv4(1, b_ip, a_ip, icmp(3, 3, 0, 0, quote))));
  ASSERT_EQ(d.why, skip_reason::none);
  EXPECT_EQ(d.p.key.src, ip_addr::v4(b_ip));
  EXPECT_EQ(d.p.key.dst, ip_addr::v4(a_ip));
  EXPECT_EQ(d.p.key.sport, 0);
  EXPECT_EQ(d.p.key.dport, 0);
  EXPECT_EQ(d.p.key.proto, 1);
  EXPECT_EQ(d.p.icmp_type, 3);
  EXPECT_EQ(d.p.icmp_code, 3);
  EXPECT_TRUE(d.p.icmp_error);
  ASSERT_TRUE(d.p.has_inner);
  flow_key want;
  want.src = ip_addr::v4(a_ip);
  want.dst = ip_addr::v4(b_ip);
  want.sport = 33000;
  want.dport = 53;
  want.proto = 17;
  EXPECT_EQ(d.p.inner, want);
  EXPECT_EQ(d.p.payload_len, 28u);

  // Quote too short for the ports.
  auto s = run(linktype::raw, ipv4(1, b_ip, a_ip, icmp(3, 3, 0, 0, bytes(quoted.begin(), quoted.begin() + 22))));
  ASSERT_EQ(s.why, skip_reason::none);
  EXPECT_TRUE(s.p.icmp_error);
  EXPECT_FALSE(s.p.has_inner);

  // Time exceeded quoting an ICMP echo: ids as ports; inner VLAN follows the frame.
  bytes echo = ipv4(1, a_ip, 0x08080808, icmp(8, 0, 0x3333, 1, zeros(8)));
  auto te = run(linktype::ethernet,
                eth_tagged({{0x8100, 12}}, 0x0800, ipv4(1, 0x0a0000fe, a_ip, icmp(11, 0, 0, 0, echo))));
  ASSERT_EQ(te.why, skip_reason::none);
  ASSERT_TRUE(te.p.has_inner);
  EXPECT_EQ(te.p.inner.proto, 1);
  EXPECT_EQ(te.p.inner.sport, 0x3333);
  EXPECT_EQ(te.p.inner.dport, 0x3333);
  EXPECT_EQ(te.p.inner.dst.str(), "8.8.8.8");
  EXPECT_EQ(te.p.inner.vlan, 12);
}

TEST(decode_frame, quoted_icmp_keeps_its_type) {
  // Fragmentation needed about an echo reply (type 0), and an ICMPv6 error about an echo reply (129).
  bytes reply = ipv4(1, b_ip, a_ip, icmp(0, 0, 0x4343, 1, zeros(8)));
  auto d = run(linktype::raw, ipv4(1, a_ip, b_ip, icmp(3, 4, 0, 1200, reply)));
  ASSERT_EQ(d.why, skip_reason::none);
  ASSERT_TRUE(d.p.has_inner);
  EXPECT_EQ(d.p.inner.proto, 1);
  EXPECT_EQ(d.p.inner_icmp_type, 0);
  EXPECT_EQ(d.p.inner.sport, 0x4343);
  bytes reply6 = ipv6(58, 2, 1, icmp(129, 0, 0x0abc, 1, zeros(8)));
  auto d6 = run(linktype::raw, ipv6(58, 1, 2, icmp(1, 4, 0, 0, reply6)));
  ASSERT_EQ(d6.why, skip_reason::none);
  ASSERT_TRUE(d6.p.has_inner);
  EXPECT_EQ(d6.p.inner_icmp_type, 129);
  EXPECT_EQ(d6.p.inner.sport, 0x0abc);
}

TEST(decode_frame, udp_length_field_checked_like_udp_error) {
  // nf_conntrack_proto_udp.c udp_error(): length field > datagram or < 8 is malformed; a length
  // field below the datagram (trailing bytes) but >= 8 is accepted.
  auto with_len = [](bytes u, std::uint16_t len) { put16(u, 4, len); return u; };
  const bytes u = udp(52001, 7, bytes(10, 'm'));  // 18 bytes
  for (bool v6 : {false, true}) {
    auto frame = [&](const bytes& l4) { return v6 ? ipv6(17, 1, 2, l4) : ipv4(17, a_ip, b_ip, l4); };
    EXPECT_EQ(run(linktype::raw, frame(u)).why, skip_reason::none) << v6;
    EXPECT_EQ(run(linktype::raw, frame(with_len(u, 60))).why, skip_reason::bad_l4) << v6;
    EXPECT_EQ(run(linktype::raw, frame(with_len(u, 19))).why, skip_reason::bad_l4) << v6;
    EXPECT_EQ(run(linktype::raw, frame(with_len(u, 4))).why, skip_reason::bad_l4) << v6;
    EXPECT_EQ(run(linktype::raw, frame(with_len(u, 7))).why, skip_reason::bad_l4) << v6;
    EXPECT_EQ(run(linktype::raw, frame(with_len(u, 12))).why, skip_reason::none) << v6;
    EXPECT_EQ(run(linktype::raw, frame(with_len(u, 8))).why, skip_reason::none) << v6;
  }
  // Checked against the IP length, not the captured bytes: a snapped datagram is fine.
  const bytes big = ipv4(17, a_ip, b_ip, udp(1, 2, bytes(200, 'x')));
  EXPECT_EQ(run(linktype::raw, big, 60).why, skip_reason::none);
}

TEST(decode_frame, udplite_checked_like_udplite_error) {
  // nf_conntrack_proto_udp.c udplite_error(): the length field is the checksum coverage (0: the
  // whole datagram; else 8..length), and a zero checksum is "checksum missing". Ports are keyed.
  auto lite = [](std::uint16_t cov, std::uint16_t check) {
    bytes u = udp(52001, 7, bytes(10, 'm'));  // 18 bytes
    put16(u, 4, cov);
    put16(u, 6, check);
    return u;
  };
  for (bool v6 : {false, true}) {
    auto frame = [&](const bytes& l4) { return v6 ? ipv6(136, 1, 2, l4) : ipv4(136, a_ip, b_ip, l4); };
    const auto ok = run(linktype::raw, frame(lite(0, 0x1234)));
    EXPECT_EQ(ok.why, skip_reason::none) << v6;
    EXPECT_EQ(ok.p.key.sport, 52001) << v6;
    EXPECT_EQ(ok.p.key.dport, 7) << v6;
    EXPECT_EQ(run(linktype::raw, frame(lite(8, 0x1234))).why, skip_reason::none) << v6;
    EXPECT_EQ(run(linktype::raw, frame(lite(18, 0x1234))).why, skip_reason::none) << v6;
    EXPECT_EQ(run(linktype::raw, frame(lite(19, 0x1234))).why, skip_reason::bad_l4) << v6;
    EXPECT_EQ(run(linktype::raw, frame(lite(4, 0x1234))).why, skip_reason::bad_l4) << v6;
    EXPECT_EQ(run(linktype::raw, frame(lite(0, 0))).why, skip_reason::bad_l4) << v6;
  }
}

TEST(decode_frame, gre_version_1_as_gre_pkt_to_tuple) {
  // nf_conntrack_proto_gre.c gre_pkt_to_tuple(): version 1 carrying PPP (0x880b): the call id;
  // version 1 carrying another protocol: no tuple; version 0 or fewer than 8 bytes: generic.
  auto g = [](std::uint8_t ver, std::uint16_t proto, std::size_t n = 16) {
    bytes b{0x20, ver, static_cast<std::uint8_t>(proto >> 8), static_cast<std::uint8_t>(proto), 0, 8, 0x12, 0x34};
    b.resize(n, 0xaa);
    return b;
  };
  const auto ppp = run(linktype::raw, ipv4(47, a_ip, b_ip, g(1, 0x880b)));
  ASSERT_EQ(ppp.why, skip_reason::none);
  EXPECT_EQ(ppp.p.gre.kind, 1);
  EXPECT_EQ(ppp.p.gre.call, 0x1234);
  EXPECT_EQ(ppp.p.key.dport, 0);  // the device folds the call id in (gre.track)
  EXPECT_EQ(run(linktype::raw, ipv4(47, a_ip, b_ip, g(1, 0x0800))).p.gre.kind, 2);
  EXPECT_EQ(run(linktype::raw, ipv4(47, a_ip, b_ip, g(0, 0x880b))).p.gre.kind, 0);
  EXPECT_EQ(run(linktype::raw, ipv4(47, a_ip, b_ip, g(1, 0x0800, 6))).p.gre.kind, 0);
  // quoted by an ICMP error
  auto e = run(linktype::raw, ipv4(1, b_ip, a_ip, icmp(3, 1, 0, 0, ipv4(47, a_ip, b_ip, g(1, 0x880b)))));
  ASSERT_EQ(e.why, skip_reason::none);
  EXPECT_TRUE(e.p.has_inner);
  EXPECT_EQ(e.p.inner.proto, 47);
  EXPECT_EQ(e.p.inner_gre.kind, 1);
  EXPECT_EQ(e.p.inner_gre.call, 0x1234);
}

TEST(decode_frame, icmpv6_echo_and_error) {
  auto e = run(linktype::raw, ipv6(58, 1, 2, icmp(128, 0, 0x0abc, 1, zeros(16))));
  ASSERT_EQ(e.why, skip_reason::none);
  EXPECT_EQ(e.p.key.proto, 58);
  EXPECT_EQ(e.p.key.sport, 0x0abc);
  EXPECT_EQ(e.p.key.dport, 0x0abc);
  EXPECT_EQ(e.p.icmp_type, 128);

  // Destination unreachable (1/4, port unreachable) quoting a TCP SYN behind a dest-options header.
  bytes quoted = ipv6(60, 1, 2, cat({ext8(6), tcp(50000, 8080, 1, 0, tcp_flags::syn, 100)}));
  auto d = run(linktype::ethernet, eth(0x86dd, ipv6(58, 2, 1, icmp(1, 4, 0, 0, quoted))));
  ASSERT_EQ(d.why, skip_reason::none);
  EXPECT_TRUE(d.p.icmp_error);
  EXPECT_EQ(d.p.icmp_type, 1);
  EXPECT_EQ(d.p.icmp_code, 4);
  EXPECT_EQ(d.p.key.sport, 0);
  EXPECT_EQ(d.p.key.dport, 0);
  ASSERT_TRUE(d.p.has_inner);
  EXPECT_EQ(d.p.inner.src.str(), "2001:db8::1");
  EXPECT_EQ(d.p.inner.dst.str(), "2001:db8::2");
  EXPECT_EQ(d.p.inner.sport, 50000);
  EXPECT_EQ(d.p.inner.dport, 8080);
  EXPECT_EQ(d.p.inner.proto, 6);

  // Packet too big (2) quoting UDP; neighbour solicitation (135) is neither query nor error.
  auto ptb = run(linktype::raw, ipv6(58, 2, 1, icmp(2, 0, 0, 1280, ipv6(17, 1, 2, udp(9, 10, {})))));
  ASSERT_EQ(ptb.why, skip_reason::none);
  ASSERT_TRUE(ptb.p.has_inner);
  EXPECT_EQ(ptb.p.inner.sport, 9);
  auto ns = run(linktype::raw, ipv6(58, 1, 2, icmp(135, 0, 0, 0, zeros(16))));
  ASSERT_EQ(ns.why, skip_reason::none);
  EXPECT_FALSE(ns.p.icmp_error);
  EXPECT_EQ(ns.p.key.sport, 0);
}

// ---------------------------------------------------------------- other protocols

TEST(decode_frame, generic_protocols_and_tunnels_are_not_decapsulated) {
  // GRE carrying IPv4/TCP: the key is the outer GRE flow.
  bytes gre = cat({bytes{0, 0, 0x08, 0x00}, syn_v4()});
  auto g = run(linktype::ethernet, eth(0x0800, ipv4(47, 0x01010101, 0x02020202, gre)));
  ASSERT_EQ(g.why, skip_reason::none);
  EXPECT_EQ(g.p.key.proto, 47);
  EXPECT_EQ(g.p.key.sport, 0);
  EXPECT_EQ(g.p.key.dport, 0);
  EXPECT_EQ(g.p.key.src.str(), "1.1.1.1");
  EXPECT_EQ(g.p.l4_len, 64u);
  EXPECT_EQ(g.p.payload_len, 64u);
  // IP-in-IP
  auto ipip = run(linktype::raw, ipv4(4, 0x01010101, 0x02020202, syn_v4()));
  ASSERT_EQ(ipip.why, skip_reason::none);
  EXPECT_EQ(ipip.p.key.proto, 4);
  // VXLAN: an ordinary UDP flow to 4789.
  auto vx = run(linktype::raw, ipv4(17, 0x01010101, 0x02020202, udp(40000, 4789, cat({zeros(8), eth(0x0800, syn_v4())}))));
  ASSERT_EQ(vx.why, skip_reason::none);
  EXPECT_EQ(vx.p.key.dport, 4789);
}

// ---------------------------------------------------------------- truncation at each layer

TEST(decode_frame, truncated_at_each_layer) {
  bytes f = eth(0x0800, ipv4(6, a_ip, b_ip, tcp(1, 2, 3, 4, tcp_flags::ack, 5, {}, zeros(100))));
  const auto wire = static_cast<std::uint32_t>(f.size());
  EXPECT_EQ(run(linktype::ethernet, f, 13, wire).why, skip_reason::truncated_l2);
  EXPECT_EQ(run(linktype::ethernet, f, 14, wire).why, skip_reason::truncated_ip);
  EXPECT_EQ(run(linktype::ethernet, f, 33, wire).why, skip_reason::truncated_ip);
  EXPECT_EQ(run(linktype::ethernet, f, 34, wire).why, skip_reason::truncated_l4);
  EXPECT_EQ(run(linktype::ethernet, f, 53, wire).why, skip_reason::truncated_l4);
  auto hdr_only = run(linktype::ethernet, f, 54, wire);  // headers-only capture
  ASSERT_EQ(hdr_only.why, skip_reason::none);
  EXPECT_TRUE(hdr_only.p.truncated);
  EXPECT_EQ(hdr_only.p.payload_len, 100u);
  EXPECT_EQ(hdr_only.p.ip_len, 140u);
  EXPECT_EQ(hdr_only.p.wire_len, wire);
  auto full = run(linktype::ethernet, f);
  EXPECT_FALSE(full.p.truncated);

  // VLAN tag cut
  bytes v = eth_tagged({{0x8100, 1}}, 0x0800, syn_v4());
  EXPECT_EQ(run(linktype::ethernet, v, 16, static_cast<std::uint32_t>(v.size())).why, skip_reason::truncated_l2);
  // IPv4 options cut
  v4opts o;
  o.options = zeros(8);
  bytes withopt = ipv4(17, a_ip, b_ip, udp(1, 2, {}), o);
  EXPECT_EQ(run(linktype::raw, withopt, 24, static_cast<std::uint32_t>(withopt.size())).why, skip_reason::truncated_ip);
  // UDP header cut
  bytes u = ipv4(17, a_ip, b_ip, udp(1, 2, zeros(10)));
  EXPECT_EQ(run(linktype::raw, u, 27, static_cast<std::uint32_t>(u.size())).why, skip_reason::truncated_l4);
  // ICMP header cut
  bytes ic = ipv4(1, a_ip, b_ip, icmp(8, 0, 1, 1));
  EXPECT_EQ(run(linktype::raw, ic, 25, static_cast<std::uint32_t>(ic.size())).why, skip_reason::truncated_l4);
  // IPv6 fixed header cut
  bytes s6 = ipv6(17, 1, 2, udp(1, 2, {}));
  EXPECT_EQ(run(linktype::raw, s6, 30, static_cast<std::uint32_t>(s6.size())).why, skip_reason::truncated_ip);
  // TCP partly captured options: the fixed header is enough, options are what was captured.
  bytes so = eth(0x0800, syn_v4());
  auto po = run(linktype::ethernet, so, 14 + 20 + 26, static_cast<std::uint32_t>(so.size()));
  ASSERT_EQ(po.why, skip_reason::none);
  EXPECT_EQ(po.p.doff, 40);
  EXPECT_EQ(po.p.opt_len, 6);
  EXPECT_TRUE(po.p.truncated);
}

TEST(decode_frame, bad_l4_headers) {
  bytes t = ipv4(6, a_ip, b_ip, tcp(1, 2, 3, 4, tcp_flags::ack, 5));
  t[20 + 12] = 0x40;  // data offset 16 bytes
  EXPECT_EQ(run(linktype::raw, t).why, skip_reason::bad_l4);
  bytes big = ipv4(6, a_ip, b_ip, tcp(1, 2, 3, 4, tcp_flags::ack, 5));
  big[20 + 12] = 0xf0;  // data offset 60 > segment
  EXPECT_EQ(run(linktype::raw, big).why, skip_reason::bad_l4);
  EXPECT_EQ(run(linktype::raw, ipv4(17, a_ip, b_ip, zeros(6))).why, skip_reason::bad_l4);
  EXPECT_EQ(run(linktype::raw, ipv4(6, a_ip, b_ip, zeros(12))).why, skip_reason::bad_l4);
  EXPECT_EQ(run(linktype::raw, ipv4(1, a_ip, b_ip, zeros(4))).why, skip_reason::bad_l4);
}

TEST(decode_frame, reuses_output_without_stale_fields) {
  fragment_cache fc;
  packet_view p;
  p.frame = 3;
  bytes e = ipv4(1, b_ip, a_ip, icmp(3, 3, 0, 0, bytes(28, 0x45)));
  ASSERT_EQ(decode_frame(linktype::raw, e.data(), static_cast<std::uint32_t>(e.size()),
                         static_cast<std::uint32_t>(e.size()), p, fc),
            skip_reason::none);
  EXPECT_TRUE(p.icmp_error);
  bytes s = syn_v4();
  ASSERT_EQ(decode_frame(linktype::raw, s.data(), static_cast<std::uint32_t>(s.size()),
                         static_cast<std::uint32_t>(s.size()), p, fc),
            skip_reason::none);
  EXPECT_FALSE(p.icmp_error);
  EXPECT_FALSE(p.has_inner);
  EXPECT_EQ(p.icmp_type, 0);
  EXPECT_EQ(p.frame, 3u);
}

// ---------------------------------------------------------------- the straight-line path

namespace {
/// Every field of two views (field by field: padding bytes are not compared).
void expect_same_view(const packet_view& a, const packet_view& b, const std::string& what) {
  SCOPED_TRACE(what);
#define SESSIM_SAME(f) EXPECT_TRUE(a.f == b.f) << #f
  SESSIM_SAME(frame); SESSIM_SAME(ts); SESSIM_SAME(key); SESSIM_SAME(key.src.v6); SESSIM_SAME(key.dst.v6);
  SESSIM_SAME(key.vlan); SESSIM_SAME(wire_len); SESSIM_SAME(l3_offset); SESSIM_SAME(ip_len);
  SESSIM_SAME(l4_len); SESSIM_SAME(payload_len); SESSIM_SAME(truncated); SESSIM_SAME(fragment);
  SESSIM_SAME(l4_header); SESSIM_SAME(synthetic); SESSIM_SAME(df); SESSIM_SAME(frag_id);
  SESSIM_SAME(frag_offset); SESSIM_SAME(frag_end); SESSIM_SAME(frag_more); SESSIM_SAME(reassembled);
  SESSIM_SAME(udp_len); SESSIM_SAME(tos); SESSIM_SAME(ttl); SESSIM_SAME(seq); SESSIM_SAME(ack);
  SESSIM_SAME(win); SESSIM_SAME(flags); SESSIM_SAME(doff); SESSIM_SAME(opt_len); SESSIM_SAME(opts);
  SESSIM_SAME(icmp_type); SESSIM_SAME(icmp_code); SESSIM_SAME(icmp_error); SESSIM_SAME(has_inner);
  SESSIM_SAME(inner); SESSIM_SAME(inner_icmp_type); SESSIM_SAME(inner_icmp_code); SESSIM_SAME(gre.kind);
  SESSIM_SAME(gre.call); SESSIM_SAME(inner_gre.kind); SESSIM_SAME(inner_gre.call); SESSIM_SAME(sctp_vtag);
  SESSIM_SAME(sctp_init_tag); SESSIM_SAME(sctp_chunk_map); SESSIM_SAME(sctp_nchunks); SESSIM_SAME(sctp_bad);
  SESSIM_SAME(sctp_chunks); SESSIM_SAME(sctp_chunk_flags); SESSIM_SAME(l7.status); SESSIM_SAME(l7.tls);
  SESSIM_SAME(l7.host.s); SESSIM_SAME(l7.path.s); SESSIM_SAME(l7.header.s);
#undef SESSIM_SAME
}
}  // namespace

TEST(decode_frame, reset_matches_a_value_initialised_view) {
  packet_view v;
  std::memset(static_cast<void*>(&v), 0xa5, sizeof v);
  v.frame = 9;
  v.ts = 11;
  detail::reset_view(v);
  packet_view ref{};
  ref.frame = 9;
  ref.ts = 11;
  expect_same_view(v, ref, "reset_view");
}

// decode_frame takes Ethernet / IPv4 (20-byte header, no fragment) / TCP or UDP in one straight
// line (detail::decode_fast_ether_ipv4) and everything else through decode_frame_layers. Both
// must give the same view and skip reason for every such frame, cut at every length.
TEST(decode_frame, straight_line_path_matches_the_general_path) {
  const bytes http = {'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P', '/', '1', '.', '1', '\r', '\n',
                      'H', 'o', 's', 't', ':', ' ', 'a', '.', 'b', '\r', '\n', '\r', '\n'};
  const bytes tls = {0x16, 0x03, 0x01, 0x00, 0x40, 0x01, 0x00, 0x00, 0x3c, 0x03, 0x03};
  std::vector<bytes> frames;
  for (const bytes& opts : {bytes{}, bytes{1, 1, 1, 1}, bytes{1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2}, syn_opts, bytes(40, 1)})
    for (const bytes& pl : {bytes{}, http, tls, bytes{'x', 'y'}})
      frames.push_back(eth(0x0800, ipv4(6, a_ip, b_ip, tcp(40000, 443, 5, 6, tcp_flags::ack, 501, opts, pl),
                                        {.id = 7, .frag = 0, .tos = 0xb8, .ttl = 63})));
  frames.push_back(eth(0x0800, ipv4(17, a_ip, b_ip, udp(53, 5353, bytes(12, 7)))));
  frames.push_back(eth(0x0800, ipv4(17, a_ip, b_ip, udp(53, 5353, {}))));
  frames.push_back(eth(0x0800, ipv4(1, a_ip, b_ip, icmp(8, 0, 77, 1))));
  frames.push_back(eth(0x0800, ipv4(6, a_ip, b_ip, tcp(1, 2, 3, 4, tcp_flags::syn, 5), {.options = {1, 1, 1, 1}})));
  frames.push_back(eth(0x0800, ipv4(6, a_ip, b_ip, tcp(1, 2, 3, 4, tcp_flags::syn, 5), {.frag = 0x2000})));
  frames.push_back(eth(0x0800, ipv4(6, a_ip, b_ip, tcp(1, 2, 3, 4, tcp_flags::syn, 5), {.frag = 0x0001})));
  frames.push_back(eth(0x0800, ipv4(6, a_ip, b_ip, tcp(1, 2, 3, 4, tcp_flags::syn, 5), {.frag = 0x8000})));
  frames.push_back(eth_tagged({{0x8100, 10}}, 0x0800, ipv4(6, a_ip, b_ip, tcp(1, 2, 3, 4, tcp_flags::syn, 5))));
  bytes bad_doff = eth(0x0800, ipv4(6, a_ip, b_ip, tcp(1, 2, 3, 4, tcp_flags::ack, 5)));
  bad_doff[14 + 20 + 12] = 0x40;
  frames.push_back(bad_doff);
  bad_doff[14 + 20 + 12] = 0xf0;
  frames.push_back(bad_doff);
  bytes bad_udp = eth(0x0800, ipv4(17, a_ip, b_ip, udp(1, 2, bytes(4, 0))));
  put16(bad_udp, 14 + 20 + 4, 7);
  frames.push_back(bad_udp);
  put16(bad_udp, 14 + 20 + 4, 13);
  frames.push_back(bad_udp);
  bytes bad_tot = eth(0x0800, ipv4(6, a_ip, b_ip, tcp(1, 2, 3, 4, tcp_flags::ack, 5)));
  put16(bad_tot, 14 + 2, 19);
  frames.push_back(bad_tot);
  bytes padded = eth(0x0800, ipv4(17, a_ip, b_ip, udp(1, 2, bytes(2, 0))));
  padded.resize(64, 0);  // Ethernet padding after the datagram
  frames.push_back(padded);
  fragment_cache fc1(16), fc2(16);  // both paths see the same frames, fragments included
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const bytes& f = frames[i];
    const auto size = static_cast<std::uint32_t>(f.size());
    for (std::uint32_t cap = 0; cap <= size; ++cap) {
      for (std::uint32_t wire : {size, size + 100, cap, size - 1}) {
        packet_view a, b;
        a.frame = b.frame = 3;
        a.ts = b.ts = 4;
        const bytes cut(f.begin(), f.begin() + cap);
        const skip_reason ra = decode_frame(linktype::ethernet, cut.data(), cap, wire, a, fc1);
        skip_reason rb = decode_frame_layers(linktype::ethernet, cut.data(), cap, wire, b, fc2);
        b.l3_offset = rb == skip_reason::none && b.l3_offset <= cap ? cap - b.l3_offset : 0;
        const std::string what = "frame " + std::to_string(i) + " cap " + std::to_string(cap) + " wire " + std::to_string(wire);
        EXPECT_EQ(ra, rb) << what;
        expect_same_view(a, b, what);
      }
    }
  }
}
