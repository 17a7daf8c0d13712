#pragma once
/// session: one entry of a device's session table. 128 bytes, pooled, linked intrusively.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <boost/intrusive/unordered_set_hook.hpp>

#include "sessim/core/flow_key.hpp"
#include "sessim/core/time.hpp"
#include "sessim/policy/device_config.hpp"
#include "sessim/sctp/track.hpp"
#include "sessim/tcp/track.hpp"

namespace sessim {

namespace bi = boost::intrusive;

/// The original-direction tuple of a session, packed (40 bytes).
struct packed_key {
  std::uint8_t src[16];
  std::uint8_t dst[16];
  std::uint16_t sport, dport;
  std::uint16_t vlan;
  std::uint8_t proto;
  std::uint8_t v6;

  static packed_key from(const flow_key& k) {
    packed_key p;
    std::memcpy(p.src, k.src.b.data(), 16);
    std::memcpy(p.dst, k.dst.b.data(), 16);
    p.sport = k.sport; p.dport = k.dport; p.vlan = k.vlan; p.proto = k.proto;
    p.v6 = k.src.v6 ? 1 : 0;
    return p;
  }
  flow_key unpack() const {
    flow_key k;
    std::memcpy(k.src.b.data(), src, 16);
    std::memcpy(k.dst.b.data(), dst, 16);
    k.src.v6 = k.dst.v6 = v6 != 0;
    k.sport = sport; k.dport = dport; k.vlan = vlan; k.proto = proto;
    return k;
  }
  /// 0 when k is this tuple, 1 when k is its reverse, -1 otherwise.
  int match(const flow_key& k) const {
    if (k.proto != proto || k.vlan != vlan || (k.src.v6 ? 1 : 0) != v6) return -1;
    if (k.sport == sport && k.dport == dport && eq16(k.src.b.data(), src) && eq16(k.dst.b.data(), dst)) return 0;
    if (k.sport == dport && k.dport == sport && eq16(k.src.b.data(), dst) && eq16(k.dst.b.data(), src)) return 1;
    return -1;
  }
  /// 16-byte equality as two words (memcmp would be a call).
  static bool eq16(const std::uint8_t* a, const std::uint8_t* b) {
    std::uint64_t a0, a1, b0, b1;
    std::memcpy(&a0, a, 8); std::memcpy(&a1, a + 8, 8);
    std::memcpy(&b0, b, 8); std::memcpy(&b1, b + 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
  }
};
static_assert(sizeof(packed_key) == 40);

/// Per-protocol tracking data.
union l4_track {
  tcp::tcp_track tcp;  ///< TCP: conntrack's window and state tracking
  sctp::sctp_track sctp;  ///< SCTP: conntrack's state and verification tags (sctp.track = 1)
  struct {
    std::uint32_t created[2];  ///< UDP: creation time, ns, as two words (keeps 4-byte alignment)
    sim_time get() const { return static_cast<sim_time>((std::uint64_t{created[1]} << 32) | created[0]); }
    void set(sim_time t) {
      created[0] = static_cast<std::uint32_t>(static_cast<std::uint64_t>(t));
      created[1] = static_cast<std::uint32_t>(static_cast<std::uint64_t>(t) >> 32);
    }
  } udp;
};

/** One session. Owned by session_table's pool. Linked intrusively into the table's hash set
 *  (set_hook_); its place in the expiry order of its timeout slot is kept by the table's lazy
 *  queues, which identify it by refresh sequence numbers (seq_, qid_) instead of list links. */
struct alignas(64) session {
  // First cache line: what a lookup reads (chain link, key) and what expiry reads (deadline).
  bi::unordered_set_member_hook<bi::link_mode<bi::normal_link>> set_hook_;  ///< lookup
  packed_key key;         ///< original direction
  sim_time deadline = 0;  ///< expired at or after this time (conntrack: timeout - now <= 0)
  std::uint8_t status = 0;  ///< tcp::status bits
  timeout_slot slot = timeout_slot::generic;  ///< current timeout class
  std::uint8_t linked_ = 0;   ///< 1 while in the table's expiry order (owned by session_table)
  std::uint8_t user_ = 0;     ///< free for the owning device (e.g. RST-on-expiry marks)
  l4_track l4;
  std::uint64_t seq_ = 0;  ///< sequence number of its last refresh (session_table: expiry order)
  std::uint64_t qid_ = 0;  ///< sequence number of its current expiry-queue entry (session_table)
};
static_assert(sizeof(session) == 128, "session entry must stay within 128 bytes");
static_assert(offsetof(session, deadline) + sizeof(sim_time) <= 64, "hook, key and deadline share the first cache line");

}  // namespace sessim
