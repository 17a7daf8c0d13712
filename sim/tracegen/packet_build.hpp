#pragma once
/// Builders for the bytes of one frame: link-layer headers, IPv4/IPv6 (with extension headers
/// and fragmentation), TCP/UDP/ICMP with valid checksums.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sessim/core/flow_key.hpp"
#include "util.hpp"

namespace sessim::tracegen {

/// A 48-bit Ethernet address.
using mac_addr = std::array<std::uint8_t, 6>;

/// Parses "10.1.0.1" or "2001:db8::1"; throws usage_error on bad text.
ip_addr parse_ip(std::string_view text);
/// A locally administered MAC derived from an address (02:00 + its last four bytes).
mac_addr mac_for(const ip_addr& a);

/// Link layers the generator can write.
enum class link_type : std::uint8_t { ethernet, vlan, qinq, sll, sll2, raw, null };
/// Option word of a link type ("ethernet", "vlan", ...).
std::string_view link_type_name(link_type l);
/// Parses an option word; throws usage_error listing the accepted words.
link_type parse_link_type(std::string_view word);
/// The DLT_ value to pass to libpcap.
int link_dlt(link_type l);

/// IP-level fields of one packet.
struct ip_fields {
  ip_addr src, dst;
  std::uint8_t ttl = 64;
  std::uint8_t tos = 0;
  std::uint16_t id = 0;         ///< IPv4 identification
  bool df = true;               ///< IPv4 don't-fragment
  std::uint32_t flow_label = 0; ///< IPv6 flow label (20 bits)
  bool hop_by_hop = false;      ///< IPv6: insert a hop-by-hop header (Router Alert + PadN)
};

/// TCP header fields; options are raw bytes (padded to 4 by the builder).
struct tcp_fields {
  std::uint16_t sport = 0, dport = 0;
  std::uint32_t seq = 0, ack = 0;
  std::uint8_t flags = 0;
  std::uint16_t win = 0;
  std::uint16_t urg = 0;
  bytes options;
};

/// TCP header + payload, checksum left zero (filled by ip_packet / finish_l4).
bytes tcp_segment(const tcp_fields& f, std::span<const std::uint8_t> payload);
/// UDP header + payload, checksum left zero.
bytes udp_datagram(std::uint16_t sport, std::uint16_t dport, std::span<const std::uint8_t> payload);
/// ICMP/ICMPv6 header (type, code, 4 bytes rest) + body, checksum left zero.
bytes icmp_message(std::uint8_t type, std::uint8_t code, std::uint32_t rest,
                   std::span<const std::uint8_t> body);

/// Fills the L4 checksum of `l4` (TCP, UDP, ICMP, ICMPv6) for the given addresses.
void finish_l4(const ip_addr& src, const ip_addr& dst, std::uint8_t proto, std::span<std::uint8_t> l4);
/// A complete IPv4/IPv6 packet carrying `l4` (whose checksum is filled here).
bytes ip_packet(const ip_fields& ip, std::uint8_t proto, bytes l4);
/// The fragments of one IP packet carrying `l4` (checksum filled first); every fragment's
/// fragmentable part holds at most `max_part` bytes (rounded down to a multiple of 8).
std::vector<bytes> ip_fragments(const ip_fields& ip, std::uint8_t proto, bytes l4, std::size_t max_part,
                                std::uint32_t v6_frag_id = 0);
/// One IPv4 fragment with explicit offset (bytes, multiple of 8) and more-fragments bit; `part`
/// is the raw fragment content (for orphan fragments).
bytes ipv4_fragment(const ip_fields& ip, std::uint8_t proto, std::span<const std::uint8_t> part,
                    std::size_t offset, bool more);

/// Wraps an IP packet into a frame of link type `l`; `outgoing` sets the SLL packet type.
/// Ethernet frames are padded to 60 bytes.
bytes link_frame(link_type l, const mac_addr& src, const mac_addr& dst, bool outgoing, bool v6,
                 std::span<const std::uint8_t> ip);
/// An Ethernet frame with an arbitrary ethertype (ARP etc.), padded to 60 bytes.
bytes ether_frame(const mac_addr& src, const mac_addr& dst, std::uint16_t ethertype,
                  std::span<const std::uint8_t> body);

/// TCP SYN options as Linux sends them: MSS, SACK-permitted, timestamps, NOP, window scale.
bytes syn_options(std::uint16_t mss, std::uint32_t tsval, std::uint32_t tsecr, std::uint8_t wscale);
/// NOP, NOP, timestamps: the options of every non-SYN segment of a Linux connection.
bytes ts_options(std::uint32_t tsval, std::uint32_t tsecr);

}  // namespace sessim::tracegen
