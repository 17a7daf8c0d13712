#pragma once
/// tracking_key: the key a session device files a packet under (ICMP echo-style pairs folded
/// so that a request and its reply are the two directions of one session, as conntrack does).
#include <cstdint>

#include "sessim/core/packet.hpp"

namespace sessim {

/// How a device classifies an ICMP/ICMPv6 message.
enum class icmp_kind : std::uint8_t { not_icmp, request, reply, error, untracked, other };

/// The request type answered by an ICMP reply type, or 0 (v4 echo reply 0 → 8, etc.).
inline std::uint8_t icmp_request_for_reply(bool v6, std::uint8_t type) {
  if (v6) return type == 129 ? 128 : type == 140 ? 139 : 0;
  switch (type) {
    case 0: return 8;
    case 14: return 13;
    case 16: return 15;
    case 18: return 17;
    default: return 0;
  }
}

/// Classifies an ICMP message the way nf_conntrack_proto_icmp{,v6}.c does.
inline icmp_kind classify_icmp(const packet_view& p) {
  if (!p.is_icmp()) return icmp_kind::not_icmp;
  const bool v6 = p.key.proto == 58;
  const std::uint8_t t = p.icmp_type;
  if (p.icmp_error) return icmp_kind::error;
  if (v6) {
    if (t == 128 || t == 139) return icmp_kind::request;
    if (t == 129 || t == 140) return icmp_kind::reply;
    if ((t >= 130 && t <= 137) || t == 143) return icmp_kind::untracked;  // MLD, ND
    return icmp_kind::other;
  }
  if (t == 8 || t == 13 || t == 15 || t == 17) return icmp_kind::request;
  if (icmp_request_for_reply(false, t)) return icmp_kind::reply;
  return icmp_kind::other;
}

namespace detail {
/// tracking_key of an ICMP/ICMPv6 packet (out of line: rare on the packet path).
inline flow_key icmp_tracking_key(const packet_view& p) {
  flow_key k = p.key;
  switch (classify_icmp(p)) {
    case icmp_kind::request: k.sport = p.key.sport; k.dport = p.icmp_type; break;
    case icmp_kind::reply:
      k.dport = p.key.sport;
      k.sport = icmp_request_for_reply(p.key.proto == 58, p.icmp_type);
      break;
    case icmp_kind::error:
    case icmp_kind::untracked:
    case icmp_kind::other: k.sport = p.icmp_type; k.dport = p.icmp_code; break;
    case icmp_kind::not_icmp: break;
  }
  return k;
}
}  // namespace detail

/** The device key of a packet. For ICMP requests (type T, id I): ports (I, T); for the reply
 *  to T: ports (T, I), so the reply's key is the request's reversed. Other ICMP: ports (type, code).
 *  Other protocols keep their key: that test is inlined on every call, the ICMP folding is not. */
[[gnu::always_inline]] inline flow_key tracking_key(const packet_view& p) {
  if (!p.is_icmp()) [[likely]] return p.key;
  return detail::icmp_tracking_key(p);
}

/// hash_bidir(tracking_key(p)), hashing a non-ICMP packet's key in place (no copy of the key):
/// the hash the read-ahead, the connection log and the device tables share.
[[gnu::always_inline]] inline std::size_t tracking_hash(const packet_view& p) {
  if (!p.is_icmp()) [[likely]] return hash_bidir(p.key);
  return hash_bidir(detail::icmp_tracking_key(p));
}

/** Puts an ICMP query's code into its key (conntrack's ICMP tuple is type, code and id, and
 *  nf_ct_invert_tuple keeps the code): request (id, T) -> (id, T | code << 8), reply
 *  (T, id) -> (T | code << 8, id), so a reply matches only a request with the same code. */
inline void fold_icmp_code(flow_key& k, icmp_kind kind, std::uint8_t code) {
  if (kind == icmp_kind::request) k.dport = static_cast<std::uint16_t>(k.dport | code << 8);
  else if (kind == icmp_kind::reply) k.sport = static_cast<std::uint16_t>(k.sport | code << 8);
}

/** The device key of the packet an ICMP error quotes (as its source sent it), into `k`; false
 *  when conntrack could not look it up. A quoted ICMP query gets the key tracking_key() gives it
 *  (request T: (id, T); reply: (request type, id)), which finds the same entry as conntrack's
 *  inverted quoted tuple (nf_conntrack_inet_error); any other quoted ICMP type has no inverse
 *  (nf_ct_invert_tuple fails): no session can match it. */
inline bool quoted_tracking_key(const packet_view& p, flow_key& k, bool with_code = false) {
  k = p.inner;
  if (!p.has_inner) return false;
  if (k.proto != 1 && k.proto != 58) return true;
  const bool v6 = k.proto == 58;
  const std::uint8_t t = p.inner_icmp_type;
  const bool request = v6 ? (t == 128 || t == 139) : (t == 8 || t == 13 || t == 15 || t == 17);
  const std::uint8_t code = with_code ? p.inner_icmp_code : 0;
  if (request) {
    k.dport = t;  // sport holds the identifier
    fold_icmp_code(k, icmp_kind::request, code);
    return true;
  }
  if (const std::uint8_t req = icmp_request_for_reply(v6, t)) {
    k.dport = k.sport;
    k.sport = req;
    fold_icmp_code(k, icmp_kind::reply, code);
    return true;
  }
  return false;
}

}  // namespace sessim
