#pragma once
/// decode_frame: turns one captured link-layer frame into a packet_view (or a skip_reason).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>
#include <vector>

#include "sessim/core/flow_key.hpp"
#include "sessim/core/packet.hpp"
#include "sessim/trace/fragment_cache.hpp"

namespace sessim {

/// Link-layer header types decode_frame understands (LINKTYPE_ values, and the DLT_ aliases
/// libpcap's pcap_datalink() returns for them on Linux).
namespace linktype {
inline constexpr int null = 0;          ///< BSD loopback, 4-byte AF in the writer's byte order
inline constexpr int ethernet = 1;      ///< Ethernet II (802.1Q/802.1ad/QinQ, MPLS, PPPoE inside)
inline constexpr int ppp = 9;           ///< PPP, optional ff 03 address/control, then protocol
inline constexpr int raw_dlt = 12;      ///< DLT_RAW as pcap_datalink() reports LINKTYPE_RAW
inline constexpr int ppp_hdlc = 50;     ///< PPP in HDLC-like framing (DLT_PPP_SERIAL)
inline constexpr int raw = 101;         ///< raw IPv4/IPv6 (version nibble)
inline constexpr int c_hdlc = 104;      ///< Cisco HDLC (address, control, ethertype)
inline constexpr int loop = 108;        ///< OpenBSD loopback, 4-byte AF in network order
inline constexpr int linux_sll = 113;   ///< Linux cooked capture v1 (16-byte header)
inline constexpr int ipv4 = 228;        ///< raw IPv4
inline constexpr int ipv6 = 229;        ///< raw IPv6
inline constexpr int linux_sll2 = 276;  ///< Linux cooked capture v2 (20-byte header)
}  // namespace linktype

namespace detail {

inline std::uint16_t rd16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}
inline std::uint32_t rd32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

/// ICMPv4 query types whose identifier sessim uses as the port pair.
inline constexpr bool icmp4_is_query(std::uint8_t t) {
  return t == 0 || t == 8 || (t >= 13 && t <= 18);
}
/// ICMPv4 error types that quote the offending datagram.
inline constexpr bool icmp4_is_error(std::uint8_t t) {
  return t == 3 || t == 4 || t == 5 || t == 11 || t == 12;
}
inline constexpr bool icmp6_is_query(std::uint8_t t) { return t == 128 || t == 129; }
inline constexpr bool icmp6_is_error(std::uint8_t t) { return t >= 1 && t <= 4; }

/// IPv6 extension headers walked with the generic (len+1)*8 rule.
inline constexpr bool ipv6_generic_ext(std::uint8_t nh) {
  return nh == 0 || nh == 43 || nh == 60 || nh == 135 || nh == 139 || nh == 140;
}

/// Protocols whose key needs the L4 header (ports or ICMP identifier).
inline constexpr bool has_ports(std::uint8_t proto) {
  return proto == 6 || proto == 17 || proto == 1 || proto == 58 || proto == 132 || proto == 136;
}

/// SCTP chunk types that can change conntrack's SCTP state (sctp_new_state()).
inline constexpr bool sctp_state_chunk(std::uint8_t t) {
  return (t >= 1 && t <= 11 && t != 3) || t == 14;
}

/** Walks the chunks of an SCTP packet (l4 at the common header, n bytes from the IP lengths,
 *  cap of them captured) as do_basic_checks() does: the chunk map, the state-changing chunks in
 *  order, the initiate tag of an INIT / INIT ACK, and whether conntrack rejects the layout
 *  (COOKIE ECHO / COOKIE ACK not first, INIT / INIT ACK / SHUTDOWN COMPLETE not alone, a
 *  zero-length chunk, no chunk at all). */
inline void decode_sctp_chunks(const std::uint8_t* l4, std::uint32_t n, std::uint32_t cap, packet_view& out) {
  std::uint32_t off = 12, count = 0;
  bool alone = false;
  while (off < n && off + 4 <= cap) {
    const std::uint8_t type = l4[off];
    const std::uint16_t len = rd16(l4 + off + 2);
    if (type == 1 || type == 2 || type == 14) alone = true;
    if (((type == 10 || type == 11 || alone) && count != 0) || len == 0) {
      out.sctp_bad = true;
      return;
    }
    out.sctp_chunk_map |= static_cast<std::uint16_t>(1u << (type < 15 ? type : 15));
    if (sctp_state_chunk(type) && out.sctp_nchunks < out.sctp_chunks.size()) {
      out.sctp_chunks[out.sctp_nchunks] = type;
      out.sctp_chunk_flags[out.sctp_nchunks] = l4[off + 1];
      ++out.sctp_nchunks;
    }
    if ((type == 1 || type == 2) && off + 8 <= cap) out.sctp_init_tag = rd32(l4 + off + 4);
    if ((type == 1 || type == 2) && off + 20 > n) out.sctp_bad = true;  // no room for the INIT header
    off += (len + 3u) & ~3u;
    ++count;
  }
  if (count == 0) out.sctp_bad = true;
}

/// Ports of an L4 header at p (n bytes available) as the source sent it; false if too short.
inline bool quoted_ports(std::uint8_t proto, const std::uint8_t* p, std::uint32_t n,
                         std::uint16_t& sport, std::uint16_t& dport) {
  sport = dport = 0;
  switch (proto) {
    case 6:
    case 17:
    case 132:
    case 136:
      if (n < 4) return false;
      sport = rd16(p);
      dport = rd16(p + 2);
      return true;
    case 1:
    case 58: {
      if (n < 1) return false;
      bool query = proto == 1 ? icmp4_is_query(p[0]) : icmp6_is_query(p[0]);
      if (!query) return true;
      if (n < 6) return false;
      sport = dport = rd16(p + 4);
      return true;
    }
    default: return true;
  }
}

/** nf_conntrack_proto_gre's gre_pkt_to_tuple(): a GRE header (`n` captured bytes at g) of version
 *  1 carrying PPP (0x880b) is keyed by its call id; version 1 carrying anything else has no tuple;
 *  any other version, or fewer than 8 bytes, is keyed like a generic protocol. */
inline gre_v1_info decode_gre_v1(const std::uint8_t* g, std::uint32_t n) {
  gre_v1_info i;
  if (n < 8 || (g[1] & 7) != 1) return i;
  if (rd16(g + 2) != 0x880b) {
    i.kind = 2;
    return i;
  }
  i.kind = 1;
  i.call = rd16(g + 6);
  return i;
}

/// Decodes the IP packet quoted by an ICMP error into its directional key (and, when it is an
/// ICMP message, its type: conntrack keys a quoted echo reply differently from a request).
inline bool decode_quote(const std::uint8_t* q, std::uint32_t n, std::uint16_t vlan,
                         flow_key& inner, std::uint8_t& icmp_type, std::uint8_t& icmp_code, gre_v1_info& gre) {
  inner = flow_key{};
  icmp_type = 0;
  icmp_code = 0;
  gre = gre_v1_info{};
  inner.vlan = vlan;
  if (n < 1) return false;
  const unsigned ver = q[0] >> 4;
  if (ver == 4) {
    if (n < 20) return false;
    const std::uint32_t ihl = (q[0] & 0x0fu) * 4u;
    if (ihl < 20 || n < ihl) return false;
    if ((rd16(q + 6) & 0x1fff) != 0) return false;  // non-first fragment: no L4 header
    inner.proto = q[9];
    inner.src = ip_addr::v4(q + 12);
    inner.dst = ip_addr::v4(q + 16);
    if (inner.proto == 1 && n > ihl) icmp_type = q[ihl];
    if (inner.proto == 1 && n > ihl + 1) icmp_code = q[ihl + 1];
    if (inner.proto == 47) gre = decode_gre_v1(q + ihl, n - ihl);
    return quoted_ports(inner.proto, q + ihl, n - ihl, inner.sport, inner.dport);
  }
  if (ver == 6) {
    if (n < 40) return false;
    inner.src = ip_addr::v6addr(q + 8);
    inner.dst = ip_addr::v6addr(q + 24);
    std::uint8_t nh = q[6];
    std::uint32_t off = 40;
    for (;;) {
      if (ipv6_generic_ext(nh) || nh == 51) {
        if (off + 2 > n) return false;
        std::uint32_t len = nh == 51 ? (q[off + 1] + 2u) * 4u : (q[off + 1] + 1u) * 8u;
        nh = q[off];
        off += len;
      } else if (nh == 44) {
        if (off + 8 > n) return false;
        if ((rd16(q + off + 2) & 0xfff8) != 0) return false;
        nh = q[off];
        off += 8;
      } else {
        break;
      }
    }
    inner.proto = nh;
    if (off > n) return false;
    if (nh == 58 && n > off) icmp_type = q[off];
    if (nh == 58 && n > off + 1) icmp_code = q[off + 1];
    if (nh == 47) gre = decode_gre_v1(q + off, n - off);
    return quoted_ports(nh, q + off, n - off, inner.sport, inner.dport);
  }
  return false;
}

/// Fragment facts of one IP packet, passed from the IP layer to the L4 layer.
struct frag_info {
  bool fragment = false;     ///< part of a fragmented datagram
  bool more = false;         ///< more-fragments flag
  bool v6 = false;           ///< IPv6 fragment header (the upper protocol is only known from offset 0)
  std::uint32_t offset = 0;  ///< fragment offset in bytes
  std::uint32_t l4_start = 0;  ///< where the L4 header starts in the fragmentable part (IPv6 ext)
  fragment_cache::key_type key;
};

static_assert(std::is_trivially_copyable_v<packet_view>);

/** out = packet_view{} but for frame and ts, without building the value and copying it over
 *  (368 bytes a frame): every field of packet_view{} is zero bytes except l4_header (true), so
 *  the bytes after ts are cleared in 16-byte stores (a memset of this size becomes `rep stos`,
 *  slower for one packet) and l4_header set. The test
 *  decode_frame.reset_matches_a_value_initialised_view keeps this in step with packet_view. */
[[gnu::always_inline]] inline void reset_view(packet_view& out) {
  static_assert(offsetof(packet_view, frame) == 0 && offsetof(packet_view, ts) == 8 &&
                offsetof(packet_view, key) == 16 && sizeof(packet_view) % 16 == 0);
  using zero16 = long long __attribute__((vector_size(16), aligned(8), may_alias));
  auto* q = reinterpret_cast<zero16*>(reinterpret_cast<unsigned char*>(&out) + 16);
  [q]<std::size_t... I>(std::index_sequence<I...>) {
    ((q[I] = zero16{}), ...);
  }(std::make_index_sequence<(sizeof(packet_view) - 16) / 16>{});
  out.l4_header = true;
}

/// Copies n (<= 40) TCP option bytes with fixed-size moves (possibly overlapping), no call.
[[gnu::always_inline]] inline void copy_opts(std::uint8_t* dst, const std::uint8_t* src, std::uint32_t n) {
  auto mv = [&]<std::size_t W>(std::uint32_t at) {
    unsigned char w[W];
    std::memcpy(w, src + at, W);
    std::memcpy(dst + at, w, W);
  };
  if (n >= 16) {  // [0, 16) and [n - 16, n) cover n <= 32; [16, 32) as well covers n <= 40
    mv.template operator()<16>(0);
    if (n > 32) mv.template operator()<16>(16);
    mv.template operator()<16>(n - 16);
  } else if (n >= 8) {
    mv.template operator()<8>(0);
    mv.template operator()<8>(n - 8);
  } else if (n >= 4) {
    mv.template operator()<4>(0);
    mv.template operator()<4>(n - 4);
  } else {
    for (std::uint32_t i = 0; i < n; ++i) dst[i] = src[i];
  }
}

/**
 * Decodes the L4 part. l4 points at the L4 header (or fragment data); l4_len is its length from
 * the IP header lengths, cap the captured bytes of it (<= l4_len). A non-first fragment takes its
 * key from `frags`; on a miss it is an orphan unless its protocol has no ports (IPv6: unless the
 * fragment header's next header is a port protocol or another extension header).
 */
inline skip_reason decode_l4(std::uint8_t proto, const std::uint8_t* l4, std::uint32_t l4_len,
                             std::uint32_t cap, const frag_info& fi, packet_view& out,
                             fragment_cache& frags) {
  out.l4_len = l4_len;
  out.key.proto = proto;
  if (fi.fragment) {
    out.frag_offset = fi.offset;
    out.frag_end = fi.offset + fi.l4_start + l4_len;
    out.frag_more = fi.more;
  }
  if (fi.fragment && fi.offset != 0) {
    // Non-first fragment: no L4 header; the key comes from the first fragment.
    out.l4_header = false;
    std::uint32_t hdr = 0;
    if (const auto* e = frags.find(fi.key)) {
      out.key.proto = e->proto;
      out.key.sport = e->sport;
      out.key.dport = e->dport;
      hdr = e->l4_hdr_len;
    } else if (has_ports(proto) ||
               (fi.v6 && (ipv6_generic_ext(proto) || proto == 51 || proto == 44))) {
      return skip_reason::ip_fragment;
    }
    const std::uint32_t end = fi.offset + l4_len;
    out.payload_len = end > hdr ? end - std::max(fi.offset, hdr) : 0;
    return skip_reason::none;
  }

  std::uint16_t hdr_len = 0;
  // An IPv4 first fragment may end inside the L4 header: the header is decoded after reassembly.
  const skip_reason short_hdr = fi.more && !fi.v6 ? skip_reason::ip_fragment : skip_reason::bad_l4;
  switch (proto) {
    case 6: {
      if (l4_len < 20) return short_hdr;
      if (cap < 20) return skip_reason::truncated_l4;
      const std::uint8_t doff = static_cast<std::uint8_t>((l4[12] >> 4) * 4);
      if (doff < 20) return skip_reason::bad_l4;
      // A first fragment may end inside the TCP options; a whole packet may not.
      if (doff > l4_len && !fi.more) return skip_reason::bad_l4;
      out.key.sport = rd16(l4);
      out.key.dport = rd16(l4 + 2);
      out.seq = rd32(l4 + 4);
      out.ack = rd32(l4 + 8);
      out.flags = l4[13];
      out.win = rd16(l4 + 14);
      out.doff = doff;
      const std::uint32_t opt_end = std::min<std::uint32_t>(doff, cap);
      out.opt_len = static_cast<std::uint8_t>(opt_end - 20);
      copy_opts(out.opts.data(), l4 + 20, opt_end - 20);
      hdr_len = doff;
      break;
    }
    case 17:
      if (l4_len < 8) return short_hdr;
      if (cap < 8) return skip_reason::truncated_l4;
      // udp_error(): a length field below the header or beyond the datagram is invalid. A
      // fragment is checked against the whole datagram, when it is reassembled.
      out.udp_len = rd16(l4 + 4);
      if (!fi.fragment && (out.udp_len < 8 || out.udp_len > l4_len)) return skip_reason::bad_l4;
      out.key.sport = rd16(l4);
      out.key.dport = rd16(l4 + 2);
      hdr_len = 8;
      break;
    case 136:  // UDP-Lite, udplite_error(): checksum coverage 0 (all) or 8..length, a non-zero checksum
      if (l4_len < 8) return short_hdr;
      if (cap < 8) return skip_reason::truncated_l4;
      out.udp_len = rd16(l4 + 4);
      if (!fi.fragment && ((out.udp_len != 0 && (out.udp_len < 8 || out.udp_len > l4_len)) || rd16(l4 + 6) == 0))
        return skip_reason::bad_l4;
      out.key.sport = rd16(l4);
      out.key.dport = rd16(l4 + 2);
      hdr_len = 8;
      break;
    case 132:
      if (l4_len < 12) return short_hdr;  // sctp_error(): short packet
      if (cap < 12) return skip_reason::truncated_l4;
      out.key.sport = rd16(l4);
      out.key.dport = rd16(l4 + 2);
      out.sctp_vtag = rd32(l4 + 4);
      decode_sctp_chunks(l4, l4_len, cap, out);  // a first fragment: the chunks it holds
      hdr_len = 12;
      break;
    case 1:
    case 58: {
      if (l4_len < 8) return short_hdr;
      if (cap < 8) return skip_reason::truncated_l4;
      out.icmp_type = l4[0];
      out.icmp_code = l4[1];
      const bool v4 = proto == 1;
      if (v4 ? icmp4_is_query(l4[0]) : icmp6_is_query(l4[0])) {
        out.key.sport = out.key.dport = rd16(l4 + 4);
      } else if (v4 ? icmp4_is_error(l4[0]) : icmp6_is_error(l4[0])) {
        out.icmp_error = true;
        out.has_inner = decode_quote(l4 + 8, cap - 8, out.key.vlan, out.inner, out.inner_icmp_type,
                                     out.inner_icmp_code, out.inner_gre);
      }
      hdr_len = 8;
      break;
    }
    case 47:
      out.gre = decode_gre_v1(l4, std::min(cap, l4_len));
      break;
    default: break;
  }
  out.payload_len = l4_len > hdr_len ? l4_len - hdr_len : 0;
  if (proto == 6 && out.payload_len > 0 && !fi.fragment) {
    const std::uint32_t captured = cap > hdr_len ? std::min(cap - hdr_len, out.payload_len) : 0;
    lb::parse_payload_into(out.l7, l4 + hdr_len, captured, out.payload_len);  // out.l7 is still clear
  }
  if (fi.fragment && fi.more) {
    frags.insert(fi.key, {out.key.proto, out.key.sport, out.key.dport,
                          static_cast<std::uint16_t>(fi.l4_start + hdr_len)});
  }
  return skip_reason::none;
}

/** The IPv4 fragment `out` completed its datagram, whose fragmentable part is `l4`: decodes the
 *  reassembled datagram's L4 header (as conntrack sees it after nf_defrag) into out's L4 fields
 *  (copy_l4_header) and sets out.reassembled. */
inline void decode_reassembled(std::uint8_t proto, const std::vector<std::uint8_t>& l4, packet_view& out,
                               fragment_cache& frags) {
  packet_view w;
  w.key = out.key;
  const auto n = static_cast<std::uint32_t>(l4.size());
  if (decode_l4(proto, l4.data(), n, n, frag_info{}, w, frags) != skip_reason::none) {
    out.reassembled = 2;
    return;
  }
  copy_l4_header(out, w);
  out.reassembled = 1;
}

/// Decodes an IPv4 packet at p (cap captured bytes from here). A total length beyond the captured
/// bytes, even beyond the frame's length on the wire (a TSO/GRO packet captured before
/// segmentation, or a capture whose recorded length was cut), makes a truncated packet of that
/// length, as the kernel would see the whole packet (see docs/trace-input.md).
inline skip_reason decode_ipv4(const std::uint8_t* p, std::uint32_t cap, packet_view& out, fragment_cache& frags) {
  out.l3_offset = cap;  // captured bytes from here; decode_frame turns it into the offset
  if (cap < 1) return skip_reason::truncated_ip;
  if ((p[0] >> 4) != 4) return skip_reason::bad_ip;
  if (cap < 20) return skip_reason::truncated_ip;
  const std::uint32_t ihl = (p[0] & 0x0fu) * 4u;
  const std::uint32_t tot = rd16(p + 2);
  if (ihl < 20 || tot < ihl) return skip_reason::bad_ip;
  if (cap < ihl) return skip_reason::truncated_ip;
  out.tos = p[1];
  out.ttl = p[8];
  out.key.src = ip_addr::v4(p + 12);
  out.key.dst = ip_addr::v4(p + 16);
  out.ip_len = tot;
  out.truncated = cap < tot;
  const std::uint8_t proto = p[9];
  const std::uint16_t ff = rd16(p + 6);
  frag_info fi;
  fi.more = (ff & 0x2000) != 0;
  out.df = (ff & 0x4000) != 0;
  fi.offset = (ff & 0x1fffu) * 8u;
  fi.fragment = fi.more || fi.offset != 0;
  if (fi.fragment) {
    out.fragment = true;
    out.frag_id = rd16(p + 4);
    fi.key = {out.key.src, out.key.dst, out.frag_id, proto, out.key.vlan};
  }
  const std::uint32_t end = std::min(cap, tot);
  const skip_reason why = decode_l4(proto, p + ihl, tot - ihl, end - ihl, fi, out, frags);
  if (fi.fragment && (why == skip_reason::none || why == skip_reason::ip_fragment))
    if (const auto* whole = frags.reassembly().add(fi.key, out.ts, fi.offset, tot - ihl, end - ihl, fi.more, p + ihl))
      decode_reassembled(proto, *whole, out, frags);
  return why;
}

/// Decodes an IPv6 packet at p, walking its extension headers.
inline skip_reason decode_ipv6(const std::uint8_t* p, std::uint32_t cap, packet_view& out, fragment_cache& frags) {
  out.l3_offset = cap;  // captured bytes from here; decode_frame turns it into the offset
  if (cap < 1) return skip_reason::truncated_ip;
  if ((p[0] >> 4) != 6) return skip_reason::bad_ip;
  if (cap < 40) return skip_reason::truncated_ip;
  const std::uint32_t ip_len = 40u + rd16(p + 4);  // beyond the frame: a truncated packet, as for IPv4
  out.tos = static_cast<std::uint8_t>((rd16(p) >> 4) & 0xff);
  out.ttl = p[7];
  out.key.src = ip_addr::v6addr(p + 8);
  out.key.dst = ip_addr::v6addr(p + 24);
  out.ip_len = ip_len;
  out.truncated = cap < ip_len;
  const std::uint32_t end = std::min(cap, ip_len);
  std::uint8_t nh = p[6];
  std::uint32_t off = 40;
  std::uint32_t frag_data = 0;  // start of the fragmentable part
  frag_info fi;
  for (;;) {
    if (ipv6_generic_ext(nh) || nh == 51) {
      if (off + 2 > ip_len) return skip_reason::bad_ip;
      if (off + 2 > end) return skip_reason::truncated_ip;
      const std::uint32_t len = nh == 51 ? (p[off + 1] + 2u) * 4u : (p[off + 1] + 1u) * 8u;
      if (off + len > ip_len) return skip_reason::bad_ip;
      nh = p[off];
      off += len;
    } else if (nh == 44) {
      if (off + 8 > ip_len) return skip_reason::bad_ip;
      if (off + 8 > end) return skip_reason::truncated_ip;
      const std::uint16_t fo = rd16(p + off + 2);
      fi.offset = fo & 0xfff8u;
      fi.more = (fo & 1) != 0;
      fi.fragment = true;
      fi.v6 = true;
      out.fragment = true;
      out.frag_id = rd32(p + off + 4);
      fi.key = {out.key.src, out.key.dst, out.frag_id, 0, out.key.vlan};
      nh = p[off];
      off += 8;
      frag_data = off;
      if (fi.offset != 0) break;  // the rest is fragment data
    } else {
      break;
    }
  }
  if (off > end) return skip_reason::truncated_ip;
  if (fi.fragment) fi.l4_start = off - frag_data;
  return decode_l4(nh, p + off, ip_len - off, end - off, fi, out, frags);
}

/// Decodes an IP packet whose version is given by its first nibble.
inline skip_reason decode_ip_any(const std::uint8_t* p, std::uint32_t cap, packet_view& out, fragment_cache& frags) {
  if (cap < 1) return skip_reason::truncated_ip;
  switch (p[0] >> 4) {
    case 4: return decode_ipv4(p, cap, out, frags);
    case 6: return decode_ipv6(p, cap, out, frags);
    default: return skip_reason::bad_ip;
  }
}

/// Decodes what follows a PPP protocol field value.
inline skip_reason decode_ppp_proto(std::uint16_t proto, const std::uint8_t* p, std::uint32_t cap,
                                    packet_view& out, fragment_cache& frags) {
  switch (proto) {
    case 0x0021: return decode_ipv4(p, cap, out, frags);
    case 0x0057: return decode_ipv6(p, cap, out, frags);
    default: return skip_reason::not_ip;
  }
}

/// Decodes a PPP frame with optional ff 03 and a 1- or 2-byte protocol field.
inline skip_reason decode_ppp(const std::uint8_t* p, std::uint32_t cap, packet_view& out, fragment_cache& frags) {
  std::uint32_t off = 0;
  if (cap >= 2 && p[0] == 0xff && p[1] == 0x03) off = 2;
  if (off + 1 > cap) return skip_reason::truncated_l2;
  std::uint16_t proto;
  if (p[off] & 1) {  // protocol-field compression: odd first byte is the whole field
    proto = p[off];
    off += 1;
  } else {
    if (off + 2 > cap) return skip_reason::truncated_l2;
    proto = rd16(p + off);
    off += 2;
  }
  return decode_ppp_proto(proto, p + off, cap - off, out, frags);
}

/**
 * Decodes an Ethernet-style payload starting at an ethertype: VLAN tags (0x8100, 0x88a8, 0x9100;
 * the outermost VID goes to key.vlan), MPLS label stacks (0x8847, 0x8848; IPv4/IPv6 found by
 * the first nibble after the bottom label), PPPoE session (0x8864), IPv4, IPv6.
 */
inline skip_reason decode_ethertype(std::uint16_t type, const std::uint8_t* p, std::uint32_t cap,
                                    packet_view& out, fragment_cache& frags) {
  bool tagged = false;
  for (int depth = 0; depth < 16; ++depth) {
    switch (type) {
      case 0x0800: return decode_ipv4(p, cap, out, frags);
      case 0x86dd: return decode_ipv6(p, cap, out, frags);
      case 0x8100:
      case 0x88a8:
      case 0x9100:
        if (cap < 4) return skip_reason::truncated_l2;
        if (!tagged) out.key.vlan = rd16(p) & 0x0fff;
        tagged = true;
        type = rd16(p + 2);
        p += 4; cap -= 4;
        continue;
      case 0x8847:
      case 0x8848:
        for (;;) {
          if (cap < 4) return skip_reason::truncated_l2;
          const bool bottom = (p[2] & 1) != 0;
          p += 4; cap -= 4;
          if (bottom) break;
        }
        if (cap < 1) return skip_reason::truncated_ip;
        switch (p[0] >> 4) {
          case 4: return decode_ipv4(p, cap, out, frags);
          case 6: return decode_ipv6(p, cap, out, frags);
          default: return skip_reason::not_ip;  // pseudowire, control word, ...
        }
      case 0x8864: {
        if (cap < 8) return skip_reason::truncated_l2;
        const std::uint16_t proto = rd16(p + 6);
        return decode_ppp_proto(proto, p + 8, cap - 8, out, frags);
      }
      default: return skip_reason::not_ip;
    }
  }
  return skip_reason::not_ip;
}

/**
 * The common frame in one straight line: Ethernet II, untagged, IPv4 with a 20-byte header, not
 * a fragment, carrying a TCP or UDP header that decode_l4 accepts. Writes `out` exactly as the
 * general path (decode_frame_layers + decode_frame) would and returns true; returns false, with
 * `out` untouched, for every other frame (including every frame the general path would skip),
 * which then takes the general path. No fragment: the fragment cache is not involved.
 */
inline bool decode_fast_ether_ipv4(const std::uint8_t* data, std::uint32_t caplen, std::uint32_t wire_len,
                                   packet_view& out) {
  if (caplen < 14 + 20) return false;
  if (rd16(data + 12) != 0x0800) return false;
  const std::uint8_t* ip = data + 14;
  if (ip[0] != 0x45) return false;  // version 4, ihl 20
  const std::uint32_t cap = caplen - 14;  // captured from the IP header
  const std::uint32_t tot = rd16(ip + 2);  // beyond cap (even beyond the frame): truncated, as on the general path
  if (tot < 20) return false;              // bad_ip on the general path
  const std::uint16_t ff = rd16(ip + 6);
  if ((ff & 0x3fff) != 0) return false;  // more-fragments or an offset: a fragment
  const std::uint8_t proto = ip[9];
  const std::uint8_t* l4 = ip + 20;
  const std::uint32_t l4_len = tot - 20;
  const std::uint32_t l4_cap = std::min(cap, tot) - 20;
  std::uint32_t hdr_len;
  if (proto == 6) {
    if (l4_len < 20 || l4_cap < 20) return false;
    hdr_len = (l4[12] >> 4) * 4u;
    if (hdr_len < 20 || hdr_len > l4_len) return false;
  } else if (proto == 17) {
    if (l4_len < 8 || l4_cap < 8) return false;
    const std::uint32_t udp_len = rd16(l4 + 4);
    if (udp_len < 8 || udp_len > l4_len) return false;
    hdr_len = 8;
  } else {
    return false;
  }
  // Accepted: the general path returns skip_reason::none with these fields.
  reset_view(out);
  std::memcpy(out.key.src.b.data(), ip + 12, 4);
  std::memcpy(out.key.dst.b.data(), ip + 16, 4);
  out.key.sport = rd16(l4);
  out.key.dport = rd16(l4 + 2);
  out.key.proto = proto;
  out.wire_len = wire_len;
  out.l3_offset = 14;
  out.ip_len = tot;
  out.l4_len = l4_len;
  out.payload_len = l4_len - hdr_len;
  out.truncated = cap < tot;
  out.df = (ff & 0x4000) != 0;
  out.tos = ip[1];
  out.ttl = ip[8];
  if (proto == 17) {
    out.udp_len = rd16(l4 + 4);
    return true;
  }
  out.seq = rd32(l4 + 4);
  out.ack = rd32(l4 + 8);
  out.flags = l4[13];
  out.win = rd16(l4 + 14);
  out.doff = static_cast<std::uint8_t>(hdr_len);
  const std::uint32_t opt_end = std::min(hdr_len, l4_cap);
  out.opt_len = static_cast<std::uint8_t>(opt_end - 20);
  copy_opts(out.opts.data(), l4 + 20, opt_end - 20);
  if (out.payload_len > 0) {
    const std::uint32_t captured = l4_cap > hdr_len ? std::min(l4_cap - hdr_len, out.payload_len) : 0;
    lb::parse_payload_into(out.l7, l4 + hdr_len, captured, out.payload_len);
  }
  return true;
}

}  // namespace detail

/**
 * Decodes one captured frame of link type `linktype` (LINKTYPE_ or DLT_ value, see
 * sessim::linktype) into `out`: key (with outermost VLAN), lengths from the IP header
 * (not from caplen), TCP/ICMP fields, fragment facts. Does not touch out.frame / out.ts.
 * Returns skip_reason::none when `out` holds an IP packet; otherwise why the frame is not one
 * (out.wire_len is still set). Tunnels (GRE, VXLAN, IP-in-IP) are not decapsulated.
 * `frags` remembers first fragments so that later fragments of the datagram get its ports.
 */
inline skip_reason decode_frame_layers(int linktype, const std::uint8_t* data, std::uint32_t caplen,
                                       std::uint32_t wire_len, packet_view& out, fragment_cache& frags);
inline skip_reason decode_frame(int linktype, const std::uint8_t* data, std::uint32_t caplen,
                                std::uint32_t wire_len, packet_view& out, fragment_cache& frags) {
  if (linktype == linktype::ethernet && detail::decode_fast_ether_ipv4(data, caplen, wire_len, out)) [[likely]]
    return skip_reason::none;
  const skip_reason r = decode_frame_layers(linktype, data, caplen, wire_len, out, frags);
  out.l3_offset = r == skip_reason::none && out.l3_offset <= caplen ? caplen - out.l3_offset : 0;  // offset of the IP header
  return r;
}
/// decode_frame's link layers (out.l3_offset holds the captured bytes from the IP header).
inline skip_reason decode_frame_layers(int linktype, const std::uint8_t* data, std::uint32_t caplen,
                                       std::uint32_t wire_len, packet_view& out, fragment_cache& frags) {
  using namespace detail;
  reset_view(out);
  out.wire_len = wire_len;
  const std::uint8_t* p = data;
  std::uint32_t cap = caplen;
  auto skip = [&](std::uint32_t n) { p += n; cap -= n; };
  switch (linktype) {
    case linktype::ethernet: {
      if (cap < 14) return skip_reason::truncated_l2;
      const std::uint16_t type = rd16(p + 12);
      skip(14);
      if (type < 0x0600) return skip_reason::not_ip;  // 802.3 length: LLC/SNAP (CDP, STP, ...)
      return decode_ethertype(type, p, cap, out, frags);
    }
    case linktype::linux_sll: {
      if (cap < 16) return skip_reason::truncated_l2;
      const std::uint16_t type = rd16(p + 14);
      skip(16);
      return decode_ethertype(type, p, cap, out, frags);
    }
    case linktype::linux_sll2: {
      if (cap < 20) return skip_reason::truncated_l2;
      const std::uint16_t type = rd16(p);
      skip(20);
      return decode_ethertype(type, p, cap, out, frags);
    }
    case linktype::raw:
    case linktype::raw_dlt: return decode_ip_any(p, cap, out, frags);
    case linktype::ipv4: return decode_ipv4(p, cap, out, frags);
    case linktype::ipv6: return decode_ipv6(p, cap, out, frags);
    case linktype::null:
    case linktype::loop: {
      if (cap < 4) return skip_reason::truncated_l2;
      std::uint32_t af = rd32(p);
      // NULL is in the writer's byte order: a small value in the wrong order has its high half set.
      if (linktype == linktype::null && (af & 0xffff0000u) != 0)
        af = (af >> 24) | ((af >> 8) & 0xff00u) | ((af << 8) & 0xff0000u) | (af << 24);
      skip(4);
      switch (af) {
        case 2: return decode_ipv4(p, cap, out, frags);
        case 24:
        case 28:
        case 30: return decode_ipv6(p, cap, out, frags);
        default: return skip_reason::not_ip;
      }
    }
    case linktype::ppp: return decode_ppp(p, cap, out, frags);
    case linktype::ppp_hdlc:
      // DLT_PPP_SERIAL also carries Cisco HDLC frames (address 0x0f / 0x8f).
      if (cap >= 1 && (p[0] == 0x0f || p[0] == 0x8f)) {
        if (cap < 4) return skip_reason::truncated_l2;
        const std::uint16_t type = rd16(p + 2);
        skip(4);
        return decode_ethertype(type, p, cap, out, frags);
      }
      return decode_ppp(p, cap, out, frags);
    case linktype::c_hdlc: {
      if (cap < 4) return skip_reason::truncated_l2;
      const std::uint16_t type = rd16(p + 2);
      skip(4);
      return decode_ethertype(type, p, cap, out, frags);
    }
    default: return skip_reason::unknown_linktype;
  }
}

}  // namespace sessim
