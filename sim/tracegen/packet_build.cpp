/// Frame builders: link-layer, IPv4/IPv6 and L4 headers with checksums.
#include "packet_build.hpp"

#include <arpa/inet.h>
#include <pcap/dlt.h>

#include <cstring>

#include <fmt/format.h>

namespace sessim::tracegen {

namespace {

constexpr std::uint8_t proto_tcp = 6, proto_udp = 17, proto_icmp = 1, proto_icmpv6 = 58;
constexpr std::uint8_t nh_hop_by_hop = 0, nh_fragment = 44;

std::uint16_t ipv4_checksum(const std::uint8_t* h, std::size_t n) { return csum_fold(csum_add(0, h, n)); }

/// The IPv4 header (20 bytes) for a packet whose payload is `payload_len` bytes.
void put_ipv4_header(bytes& out, const ip_fields& ip, std::uint8_t proto, std::size_t payload_len,
                     std::uint16_t frag_field) {
  std::size_t at = out.size();
  out.resize(at + 20);
  std::uint8_t* h = out.data() + at;
  h[0] = 0x45;
  h[1] = ip.tos;
  put16(h + 2, static_cast<std::uint16_t>(20 + payload_len));
  put16(h + 4, ip.id);
  put16(h + 6, frag_field);
  h[8] = ip.ttl;
  h[9] = proto;
  std::memcpy(h + 12, ip.src.b.data(), 4);
  std::memcpy(h + 16, ip.dst.b.data(), 4);
  put16(h + 10, ipv4_checksum(h, 20));
}

/// The fixed IPv6 header (40 bytes).
void put_ipv6_header(bytes& out, const ip_fields& ip, std::uint8_t next, std::size_t payload_len) {
  std::size_t at = out.size();
  out.resize(at + 40);
  std::uint8_t* h = out.data() + at;
  put32(h, 0x60000000u | std::uint32_t{ip.tos} << 20 | (ip.flow_label & 0xfffff));
  put16(h + 4, static_cast<std::uint16_t>(payload_len));
  h[6] = next;
  h[7] = ip.ttl;
  std::memcpy(h + 8, ip.src.b.data(), 16);
  std::memcpy(h + 24, ip.dst.b.data(), 16);
}

/// Hop-by-hop header of 8 bytes: Router Alert (MLD) + PadN(0).
void put_hop_by_hop(bytes& out, std::uint8_t next) {
  const std::uint8_t h[8] = {next, 0, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00};
  out.insert(out.end(), h, h + 8);
}

}  // namespace

ip_addr parse_ip(std::string_view text) {
  std::string s(text);
  std::uint8_t buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) return ip_addr::v4(buf);
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) return ip_addr::v6addr(buf);
  throw usage_error(fmt::format("bad IP address '{}'", s));
}

mac_addr mac_for(const ip_addr& a) {
  const std::uint8_t* p = a.b.data() + (a.v6 ? 12 : 0);
  return {0x02, static_cast<std::uint8_t>(a.v6 ? 0x06 : 0x00), p[0], p[1], p[2], p[3]};
}

std::string_view link_type_name(link_type l) {
  switch (l) {
    case link_type::ethernet: return "ethernet";
    case link_type::vlan: return "vlan";
    case link_type::qinq: return "qinq";
    case link_type::sll: return "sll";
    case link_type::sll2: return "sll2";
    case link_type::raw: return "raw";
    case link_type::null: return "null";
  }
  return "?";
}

link_type parse_link_type(std::string_view word) {
  for (auto l : {link_type::ethernet, link_type::vlan, link_type::qinq, link_type::sll,
                 link_type::sll2, link_type::raw, link_type::null})
    if (word == link_type_name(l)) return l;
  throw usage_error(fmt::format("bad linktype '{}' (ethernet|vlan|qinq|sll|sll2|raw|null)", word));
}

int link_dlt(link_type l) {
  switch (l) {
    case link_type::ethernet:
    case link_type::vlan:
    case link_type::qinq: return DLT_EN10MB;
    case link_type::sll: return DLT_LINUX_SLL;
    case link_type::sll2: return DLT_LINUX_SLL2;
    case link_type::raw: return DLT_RAW;
    case link_type::null: return DLT_NULL;
  }
  return DLT_EN10MB;
}

bytes tcp_segment(const tcp_fields& f, std::span<const std::uint8_t> payload) {
  std::size_t optlen = (f.options.size() + 3) / 4 * 4;
  std::size_t hlen = 20 + optlen;
  bytes b(hlen + payload.size(), 0);
  put16(&b[0], f.sport);
  put16(&b[2], f.dport);
  put32(&b[4], f.seq);
  put32(&b[8], f.ack);
  b[12] = static_cast<std::uint8_t>(hlen / 4 << 4);
  b[13] = f.flags;
  put16(&b[14], f.win);
  put16(&b[18], f.urg);
  std::memcpy(&b[20], f.options.data(), f.options.size());
  for (std::size_t i = 20 + f.options.size(); i < hlen; ++i) b[i] = 0;  // EOL padding
  if (!payload.empty()) std::memcpy(&b[hlen], payload.data(), payload.size());
  return b;
}

bytes udp_datagram(std::uint16_t sport, std::uint16_t dport, std::span<const std::uint8_t> payload) {
  bytes b(8 + payload.size());
  put16(&b[0], sport);
  put16(&b[2], dport);
  put16(&b[4], static_cast<std::uint16_t>(8 + payload.size()));
  put16(&b[6], 0);
  if (!payload.empty()) std::memcpy(&b[8], payload.data(), payload.size());
  return b;
}

bytes icmp_message(std::uint8_t type, std::uint8_t code, std::uint32_t rest,
                   std::span<const std::uint8_t> body) {
  bytes b(8 + body.size());
  b[0] = type;
  b[1] = code;
  put16(&b[2], 0);
  put32(&b[4], rest);
  if (!body.empty()) std::memcpy(&b[8], body.data(), body.size());
  return b;
}

void finish_l4(const ip_addr& src, const ip_addr& dst, std::uint8_t proto, std::span<std::uint8_t> l4) {
  std::size_t off;
  switch (proto) {
    case proto_tcp: off = 16; break;
    case proto_udp: off = 6; break;
    case proto_icmp:
    case proto_icmpv6: off = 2; break;
    default: return;
  }
  if (l4.size() < off + 2) return;
  l4[off] = l4[off + 1] = 0;
  std::uint64_t acc = 0;
  if (proto != proto_icmp) {  // pseudo-header
    if (src.v6) {
      acc = csum_add(acc, src.b.data(), 16);
      acc = csum_add(acc, dst.b.data(), 16);
      acc += static_cast<std::uint32_t>(l4.size() >> 16) + static_cast<std::uint32_t>(l4.size() & 0xffff);
    } else {
      acc = csum_add(acc, src.b.data(), 4);
      acc = csum_add(acc, dst.b.data(), 4);
      acc += l4.size();
    }
    acc += proto;
  }
  acc = csum_add(acc, l4.data(), l4.size());
  std::uint16_t c = csum_fold(acc);
  if (proto == proto_udp && c == 0) c = 0xffff;
  put16(&l4[off], c);
}

bytes ip_packet(const ip_fields& ip, std::uint8_t proto, bytes l4) {
  finish_l4(ip.src, ip.dst, proto, l4);
  bytes out;
  out.reserve(60 + l4.size());
  if (ip.src.v6) {
    std::size_t ext = ip.hop_by_hop ? 8 : 0;
    put_ipv6_header(out, ip, ip.hop_by_hop ? nh_hop_by_hop : proto, ext + l4.size());
    if (ip.hop_by_hop) put_hop_by_hop(out, proto);
  } else {
    put_ipv4_header(out, ip, proto, l4.size(), ip.df ? 0x4000 : 0);
  }
  out.insert(out.end(), l4.begin(), l4.end());
  return out;
}

bytes ipv4_fragment(const ip_fields& ip, std::uint8_t proto, std::span<const std::uint8_t> part,
                    std::size_t offset, bool more) {
  bytes out;
  std::uint16_t frag = static_cast<std::uint16_t>((more ? 0x2000 : 0) | (offset / 8 & 0x1fff));
  put_ipv4_header(out, ip, proto, part.size(), frag);
  out.insert(out.end(), part.begin(), part.end());
  return out;
}

std::vector<bytes> ip_fragments(const ip_fields& ip, std::uint8_t proto, bytes l4, std::size_t max_part,
                                std::uint32_t v6_frag_id) {
  finish_l4(ip.src, ip.dst, proto, l4);
  max_part = max_part / 8 * 8;
  std::vector<bytes> frags;
  for (std::size_t off = 0; off < l4.size(); off += max_part) {
    std::size_t n = std::min(max_part, l4.size() - off);
    bool more = off + n < l4.size();
    std::span<const std::uint8_t> part(l4.data() + off, n);
    if (!ip.src.v6) {
      frags.push_back(ipv4_fragment(ip, proto, part, off, more));
      continue;
    }
    bytes out;
    std::size_t ext = (ip.hop_by_hop ? 8 : 0) + 8;
    put_ipv6_header(out, ip, ip.hop_by_hop ? nh_hop_by_hop : nh_fragment, ext + n);
    if (ip.hop_by_hop) put_hop_by_hop(out, nh_fragment);
    std::uint8_t fh[8] = {proto, 0};
    put16(fh + 2, static_cast<std::uint16_t>(off | (more ? 1 : 0)));
    put32(fh + 4, v6_frag_id);
    out.insert(out.end(), fh, fh + 8);
    out.insert(out.end(), part.begin(), part.end());
    frags.push_back(std::move(out));
  }
  return frags;
}

bytes ether_frame(const mac_addr& src, const mac_addr& dst, std::uint16_t ethertype,
                  std::span<const std::uint8_t> body) {
  bytes f;
  f.reserve(14 + body.size());
  f.insert(f.end(), dst.begin(), dst.end());
  f.insert(f.end(), src.begin(), src.end());
  push16(f, ethertype);
  f.insert(f.end(), body.begin(), body.end());
  if (f.size() < 60) f.resize(60, 0);
  return f;
}

bytes link_frame(link_type l, const mac_addr& src, const mac_addr& dst, bool outgoing, bool v6,
                 std::span<const std::uint8_t> ip) {
  std::uint16_t et = v6 ? 0x86dd : 0x0800;
  bytes f;
  f.reserve(24 + ip.size());
  auto eth_head = [&] {
    f.insert(f.end(), dst.begin(), dst.end());
    f.insert(f.end(), src.begin(), src.end());
  };
  switch (l) {
    case link_type::ethernet:
      return ether_frame(src, dst, et, ip);
    case link_type::vlan:
      eth_head();
      push16(f, 0x8100);
      push16(f, 100);
      push16(f, et);
      break;
    case link_type::qinq:
      eth_head();
      push16(f, 0x88a8);
      push16(f, 200);
      push16(f, 0x8100);
      push16(f, 300);
      push16(f, et);
      break;
    case link_type::sll:  // packet type, ARPHRD_ETHER, address length, address (8), protocol
      push16(f, outgoing ? 4 : 0);
      push16(f, 1);
      push16(f, 6);
      f.insert(f.end(), src.begin(), src.end());
      push16(f, 0);
      push16(f, et);
      break;
    case link_type::sll2:  // protocol, reserved, ifindex, ARPHRD_ETHER, packet type, addr len, addr
      push16(f, et);
      push16(f, 0);
      push32(f, 2);
      push16(f, 1);
      f.push_back(outgoing ? 4 : 0);
      f.push_back(6);
      f.insert(f.end(), src.begin(), src.end());
      push16(f, 0);
      break;
    case link_type::raw:
      break;
    case link_type::null: {  // address family in the writer's byte order
      std::uint32_t fam = v6 ? 24 : 2;
      std::uint8_t b[4];
      std::memcpy(b, &fam, 4);
      f.insert(f.end(), b, b + 4);
      break;
    }
  }
  f.insert(f.end(), ip.begin(), ip.end());
  if ((l == link_type::vlan || l == link_type::qinq) && f.size() < 60) f.resize(60, 0);
  return f;
}

bytes syn_options(std::uint16_t mss, std::uint32_t tsval, std::uint32_t tsecr, std::uint8_t wscale) {
  bytes o = {2, 4, 0, 0, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 3, wscale};
  put16(&o[2], mss);
  put32(&o[8], tsval);
  put32(&o[12], tsecr);
  return o;
}

bytes ts_options(std::uint32_t tsval, std::uint32_t tsecr) {
  bytes o = {1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0};
  put32(&o[4], tsval);
  put32(&o[8], tsecr);
  return o;
}

}  // namespace sessim::tracegen
