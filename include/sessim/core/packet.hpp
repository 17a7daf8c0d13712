#pragma once
/// packet_view: what the decoder extracts from one captured frame, and why a frame was not IP.
#include <array>
#include <cstdint>
#include <string_view>

#include "sessim/core/flow_key.hpp"
#include "sessim/core/time.hpp"
#include "sessim/lb/l7.hpp"

namespace sessim {

/// Why a frame could not be turned into a packet the devices see (counted in the report).
enum class skip_reason : std::uint8_t {
  none,
  not_ip,            ///< ARP, LLDP, STP, ... (forwarded by the devices' L2 path, not tracked)
  unknown_linktype,  ///< the file's link type is not one sessim decodes
  truncated_l2,      ///< frame ends inside the link-layer header
  truncated_ip,      ///< frame ends inside the IP header
  bad_ip,            ///< bad IP version, header length or total length
  truncated_l4,      ///< frame ends inside the TCP/UDP/ICMP header needed for the key
  bad_l4,            ///< impossible TCP data offset and the like
  ip_fragment,       ///< a non-first IP fragment whose first fragment was not seen
  count_
};

/// Stable report name of a skip reason.
inline constexpr std::string_view skip_reason_name(skip_reason r) {
  switch (r) {
    case skip_reason::none: return "none";
    case skip_reason::not_ip: return "not-ip";
    case skip_reason::unknown_linktype: return "unknown-linktype";
    case skip_reason::truncated_l2: return "truncated-l2";
    case skip_reason::truncated_ip: return "truncated-ip";
    case skip_reason::bad_ip: return "bad-ip";
    case skip_reason::truncated_l4: return "truncated-l4";
    case skip_reason::bad_l4: return "bad-l4";
    case skip_reason::ip_fragment: return "ip-fragment-orphan";
    default: return "?";
  }
}

/// TCP flag bits as in the header's 13th byte.
namespace tcp_flags {
inline constexpr std::uint8_t fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack = 0x10,
                              urg = 0x20, ece = 0x40, cwr = 0x80;
}

/// GRE version 1 (PPTP's enhanced GRE) as nf_conntrack_proto_gre's gre_pkt_to_tuple() reads it.
struct gre_v1_info {
  std::uint8_t kind = 0;   ///< 0: not version 1, or fewer than 8 bytes (keyed like a generic protocol);
                           ///< 1: carries PPP (keyed by its call id); 2: carries another protocol (no tuple)
  std::uint16_t call = 0;  ///< the call id (kind 1): the destination key of conntrack's tuple
};

/// One decoded IP packet. Plain data; holds no pointers into the capture buffer.
struct packet_view {
  std::uint64_t frame = 0;  ///< 1-based frame number in the trace
  sim_time ts = 0;          ///< capture timestamp, ns
  flow_key key;             ///< directional key (ICMP echo: id in sport and dport; errors: see below)
  std::uint32_t wire_len = 0;  ///< original frame length on the wire
  std::uint32_t l3_offset = 0; ///< offset of the IP header in the captured frame
  std::uint32_t ip_len = 0;    ///< IP total length (IPv4) / 40 + payload length (IPv6), after reassembly
  std::uint32_t l4_len = 0;    ///< bytes from the L4 header to the end of the IP packet
  std::uint32_t payload_len = 0;  ///< L4 payload bytes (from IP lengths, not the capture length)
  bool truncated = false;      ///< caplen < len: some payload bytes were not captured
  bool fragment = false;       ///< part of a fragmented IPv4/IPv6 datagram
  bool l4_header = true;       ///< the L4 header is in this frame (false for non-first fragments)
  bool synthetic = false;      ///< made by sessim (a keepalive), not a trace frame; frame is 0
  bool df = false;             ///< IPv4 don't-fragment bit (IPv6: routers never fragment; not set here)
  std::uint32_t frag_id = 0;   ///< IPv4 identification / IPv6 fragment id (when fragment)
  std::uint32_t frag_offset = 0;  ///< fragment: where its data starts in the datagram's fragmentable part
  std::uint32_t frag_end = 0;     ///< fragment: where its data ends (offset + data bytes)
  bool frag_more = false;      ///< fragment: more-fragments flag (false on the last fragment)
  /// IPv4 fragment completing its datagram: 1 its L4 fields (key ports, TCP, UDP, ICMP, SCTP) are
  /// the reassembled datagram's, 2 the reassembled datagram's L4 header is malformed; else 0
  std::uint8_t reassembled = 0;
  std::uint16_t udp_len = 0;   ///< UDP length field
  std::uint8_t tos = 0;        ///< IPv4 TOS / IPv6 traffic class
  std::uint8_t ttl = 0;        ///< IPv4 TTL / IPv6 hop limit

  // TCP
  std::uint32_t seq = 0, ack = 0;
  std::uint16_t win = 0;
  std::uint8_t flags = 0;      ///< TCP flags byte
  std::uint8_t doff = 0;       ///< TCP header length in bytes
  std::uint8_t opt_len = 0;    ///< captured TCP option bytes in opts
  std::array<std::uint8_t, 40> opts{};

  // ICMP / ICMPv6
  std::uint8_t icmp_type = 0, icmp_code = 0;
  bool icmp_error = false;     ///< an ICMP error; inner is the key of the quoted packet
  bool has_inner = false;      ///< inner holds a quoted key
  flow_key inner;              ///< the quoted packet's directional key (as sent by its source)
  std::uint8_t inner_icmp_type = 0;  ///< the quoted packet's ICMP type (when inner.proto is ICMP)
  std::uint8_t inner_icmp_code = 0;  ///< the quoted packet's ICMP code (when inner.proto is ICMP)

  // GRE
  gre_v1_info gre;             ///< version 1 facts (key.proto 47)
  gre_v1_info inner_gre;       ///< the same for a quoted GRE packet (inner.proto 47)

  // SCTP (nf_conntrack_proto_sctp.c looks at the common header and every chunk header)
  std::uint32_t sctp_vtag = 0;       ///< verification tag
  std::uint32_t sctp_init_tag = 0;   ///< initiate tag of an INIT / INIT ACK chunk
  std::uint16_t sctp_chunk_map = 0;  ///< bit t (t < 15): a chunk of type t is present; bit 15: a type >= 15
  std::uint8_t sctp_nchunks = 0;     ///< control chunks kept in sctp_chunks (in order, at most 4)
  bool sctp_bad = false;             ///< chunk layout conntrack rejects (do_basic_checks), or no chunk
  std::array<std::uint8_t, 4> sctp_chunks{};       ///< types of the chunks that can change state
  std::array<std::uint8_t, 4> sctp_chunk_flags{};  ///< their flags bytes

  // L7 (TCP payload starting with an HTTP/1.x request or a TLS ClientHello; see lb/l7.hpp)
  lb::l7_fields l7;            ///< Host/SNI, path, one X-*/Cookie header; status cut when the snap length cut it

  bool is_tcp() const { return key.proto == 6; }
  bool is_udp() const { return key.proto == 17; }
  bool is_icmp() const { return key.proto == 1 || key.proto == 58; }
  bool has(std::uint8_t f) const { return (flags & f) != 0; }
};

// copy_l4_header below lists the L4 header fields by name. A new packet_view field must be sorted
// into it (L4 header: copied from the reassembled datagram) or not; this check makes adding a
// field a compile error until that is decided and the size below is updated.
static_assert(sizeof(packet_view) == 368, "packet_view changed: does copy_l4_header need the new field?");

/// Copies the L4 header fields of `src` (protocol, ports, UDP length, TCP, ICMP, SCTP) into
/// `dst`, which keeps its frame, addresses, lengths and fragment fields.
inline void copy_l4_header(packet_view& dst, const packet_view& src) {
  dst.key.proto = src.key.proto;
  dst.key.sport = src.key.sport;
  dst.key.dport = src.key.dport;
  dst.udp_len = src.udp_len;
  dst.seq = src.seq;
  dst.ack = src.ack;
  dst.win = src.win;
  dst.flags = src.flags;
  dst.doff = src.doff;
  dst.opt_len = src.opt_len;
  dst.opts = src.opts;
  dst.icmp_type = src.icmp_type;
  dst.icmp_code = src.icmp_code;
  dst.icmp_error = src.icmp_error;
  dst.has_inner = src.has_inner;
  dst.inner = src.inner;
  dst.inner_icmp_type = src.inner_icmp_type;
  dst.inner_icmp_code = src.inner_icmp_code;
  dst.gre = src.gre;
  dst.inner_gre = src.inner_gre;
  dst.sctp_vtag = src.sctp_vtag;
  dst.sctp_init_tag = src.sctp_init_tag;
  dst.sctp_chunk_map = src.sctp_chunk_map;
  dst.sctp_nchunks = src.sctp_nchunks;
  dst.sctp_bad = src.sctp_bad;
  dst.sctp_chunks = src.sctp_chunks;
  dst.sctp_chunk_flags = src.sctp_chunk_flags;
}

}  // namespace sessim
