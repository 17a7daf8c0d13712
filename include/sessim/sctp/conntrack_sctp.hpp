#pragma once
/// The Linux conntrack SCTP tracker (net/netfilter/nf_conntrack_proto_sctp.c, kernel 6.x): which
/// first packet may create an entry, the verification-tag checks, the per-chunk state table and
/// the per-state timeout.
#include <cstdint>

#include "sessim/core/packet.hpp"
#include "sessim/core/verdict.hpp"
#include "sessim/policy/device_config.hpp"
#include "sessim/sctp/track.hpp"

namespace sessim::sctp {

/// SCTP chunk types conntrack looks at (RFC 9260 section 3.2).
namespace chunk {
inline constexpr std::uint8_t data = 0, init = 1, init_ack = 2, sack = 3, heartbeat = 4, heartbeat_ack = 5,
                              abort = 6, shutdown = 7, shutdown_ack = 8, error = 9, cookie_echo = 10,
                              cookie_ack = 11, shutdown_complete = 14;
inline constexpr std::uint8_t flag_t = 0x01;  ///< T bit of ABORT / SHUTDOWN COMPLETE
}  // namespace chunk

/// What the device must do after the tracker has seen a packet.
enum class sctp_action : std::uint8_t {
  accept,             ///< forward and refresh the timer with `slot`
  accept_no_refresh,  ///< forward; timer unchanged (retransmitted INIT in CLOSED, heartbeat vtag change)
  invalid             ///< drop (INVALID); a new entry is not created
};

/// Result of tracking one packet.
struct sctp_outcome {
  sctp_action action = sctp_action::accept;
  reason why = reason::established;
  timeout_slot slot = timeout_slot::sctp_established;
  bool assured = false;  ///< the association just reached ESTABLISHED
};

/// The timeout slot of a state (NONE uses CLOSED's, as the kernel's timeouts[0]).
inline timeout_slot slot_of(sctp_state s) {
  switch (s) {
    case sctp_state::cookie_wait: return timeout_slot::sctp_cookie_wait;
    case sctp_state::cookie_echoed: return timeout_slot::sctp_cookie_echoed;
    case sctp_state::established: return timeout_slot::sctp_established;
    case sctp_state::shutdown_sent: return timeout_slot::sctp_shutdown_sent;
    case sctp_state::shutdown_recd: return timeout_slot::sctp_shutdown_recd;
    case sctp_state::shutdown_ack_sent: return timeout_slot::sctp_shutdown_ack_sent;
    case sctp_state::heartbeat_sent: return timeout_slot::sctp_heartbeat_sent;
    default: return timeout_slot::sctp_closed;
  }
}

namespace detail {

/// Row of the transition table for a chunk type, or -1 when the chunk does not change the state.
inline int chunk_row(std::uint8_t type) {
  switch (type) {
    case chunk::init: return 0;
    case chunk::init_ack: return 1;
    case chunk::abort: return 2;
    case chunk::shutdown: return 3;
    case chunk::shutdown_ack: return 4;
    case chunk::error: return 5;
    case chunk::cookie_echo: return 6;
    case chunk::cookie_ack: return 7;
    case chunk::shutdown_complete: return 8;
    case chunk::heartbeat: return 9;
    case chunk::heartbeat_ack: return 10;
    default: return -1;
  }
}

/// sctp_conntracks[dir][chunk row][state]: the state after a chunk (kernel 6.x table).
inline sctp_state next_state(int dir, sctp_state cur, std::uint8_t type) {
  using S = sctp_state;
  constexpr S NO = S::none, CL = S::closed, CW = S::cookie_wait, CE = S::cookie_echoed, ES = S::established,
              SS = S::shutdown_sent, SR = S::shutdown_recd, SA = S::shutdown_ack_sent, HS = S::heartbeat_sent,
              IV = S::max_;
  static constexpr S table[2][11][9] = {
      {
          // original direction; columns: NO CL CW CE ES SS SR SA HS
          {CL, CL, CW, CE, ES, CL, CL, SA, CW},  // INIT
          {CL, CL, CW, CE, ES, SS, SR, SA, CL},  // INIT ACK
          {CL, CL, CL, CL, CL, CL, CL, CL, CL},  // ABORT
          {CL, CL, CW, CE, SS, SS, SR, SA, CL},  // SHUTDOWN
          {SA, CL, CW, CE, ES, SA, SA, SA, SA},  // SHUTDOWN ACK
          {CL, CL, CW, CE, ES, SS, SR, SA, CL},  // ERROR
          {CL, CL, CE, CE, ES, SS, SR, SA, CL},  // COOKIE ECHO
          {CL, CL, CW, ES, ES, SS, SR, SA, CL},  // COOKIE ACK
          {CL, CL, CW, CE, ES, SS, SR, CL, CL},  // SHUTDOWN COMPLETE
          {HS, CL, CW, CE, ES, SS, SR, SA, HS},  // HEARTBEAT
          {CL, CL, CW, CE, ES, SS, SR, SA, HS},  // HEARTBEAT ACK
      },
      {
          // reply direction
          {IV, CL, CW, CE, ES, SS, SR, SA, IV},  // INIT
          {IV, CW, CW, CE, ES, SS, SR, SA, IV},  // INIT ACK
          {IV, CL, CL, CL, CL, CL, CL, CL, IV},  // ABORT
          {IV, CL, CW, CE, SR, SS, SR, SA, IV},  // SHUTDOWN
          {IV, CL, CW, CE, ES, SA, SA, SA, IV},  // SHUTDOWN ACK
          {IV, CL, CW, CL, ES, SS, SR, SA, IV},  // ERROR
          {IV, CL, CE, CE, ES, SS, SR, SA, IV},  // COOKIE ECHO
          {IV, CL, CW, ES, ES, SS, SR, SA, IV},  // COOKIE ACK
          {IV, CL, CW, CE, ES, SS, SR, CL, IV},  // SHUTDOWN COMPLETE
          {IV, CL, CW, CE, ES, SS, SR, SA, HS},  // HEARTBEAT
          {IV, CL, CW, CE, ES, SS, SR, SA, ES},  // HEARTBEAT ACK
      }};
  const int row = chunk_row(type);
  if (row < 0 || cur == S::max_) return cur;
  (void)NO;
  return table[dir][row][static_cast<int>(cur)];
}

inline bool has(const packet_view& p, std::uint8_t type) { return (p.sctp_chunk_map >> type) & 1u; }

}  // namespace detail

/** sctp_new(): can packet p (no entry yet) create one? Fills `t` as a new entry (state NONE, the
 *  vtags the first chunks announce). An out-of-the-blue ABORT, SHUTDOWN COMPLETE or COOKIE ACK
 *  never creates one; neither does a packet with a chunk that does not change the state (DATA,
 *  SACK, ...), nor an INIT with a non-zero verification tag. */
inline bool sctp_new(sctp_track& t, const packet_view& p) {
  using detail::has;
  t = sctp_track{};
  if (has(p, chunk::abort) || has(p, chunk::shutdown_complete) || has(p, chunk::cookie_ack)) return false;
  constexpr std::uint16_t state_chunks = (1u << chunk::init) | (1u << chunk::init_ack) | (1u << chunk::heartbeat) |
                                         (1u << chunk::heartbeat_ack) | (1u << chunk::shutdown) |
                                         (1u << chunk::shutdown_ack) | (1u << chunk::error) |
                                         (1u << chunk::cookie_echo);
  if (p.sctp_chunk_map & ~state_chunks) return false;  // DATA, SACK, ... leave the state NONE
  for (std::uint8_t i = 0; i < p.sctp_nchunks; ++i) {
    switch (p.sctp_chunks[i]) {
      case chunk::init:
        if (p.sctp_vtag != 0) return false;  // RFC 9260 8.5.1 (A)
        t.vtag[1] = p.sctp_init_tag;
        break;
      case chunk::heartbeat: t.vtag[0] = p.sctp_vtag; break;
      case chunk::shutdown_ack: t.vtag[1] = p.sctp_vtag; break;  // OOTB: expect SHUTDOWN COMPLETE
      default: break;
    }
  }
  return true;
}

/** nf_conntrack_sctp_packet() after sctp_new(): the verification-tag checks, then every
 *  state-changing chunk through the transition table. `dir`: 0 original, 1 reply; `fresh`: the
 *  entry is being created by this packet (not yet confirmed). */
inline sctp_outcome sctp_packet(sctp_track& t, int dir, bool fresh, const packet_view& p) {
  using detail::has;
  sctp_outcome o;
  auto invalid = [&](reason r) {
    o.action = sctp_action::invalid;
    o.why = r;
    return o;
  };
  if (p.sctp_bad) return invalid(fresh ? reason::invalid_new : reason::invalid_state);
  // Section 8.5: the tag must be the expected one, except for the chunks with their own rules.
  if (!has(p, chunk::init) && !has(p, chunk::shutdown_complete) && !has(p, chunk::cookie_echo) &&
      !has(p, chunk::abort) && !has(p, chunk::shutdown_ack) && !has(p, chunk::heartbeat) &&
      !has(p, chunk::heartbeat_ack) && p.sctp_vtag != t.vtag[dir])
    return invalid(reason::bad_vtag);
  bool ignore = false;
  sctp_state old_state = t.st(), new_state = sctp_state::none;
  for (std::uint8_t i = 0; i < p.sctp_nchunks; ++i) {
    const std::uint8_t type = p.sctp_chunks[i];
    const bool tflag = p.sctp_chunk_flags[i] & chunk::flag_t;
    switch (type) {
      case chunk::init:
        if (p.sctp_vtag != 0) return invalid(reason::bad_vtag);  // (A)
        break;
      case chunk::abort:              // (B)
      case chunk::shutdown_complete:  // (C): own tag, or the peer's with the T bit
        if (p.sctp_vtag != t.vtag[tflag ? 1 - dir : dir]) return invalid(reason::bad_vtag);
        break;
      case chunk::cookie_echo:  // (D)
        if (p.sctp_vtag != t.vtag[dir]) return invalid(reason::bad_vtag);
        break;
      case chunk::cookie_ack: t.init[0] = t.init[1] = 0; break;
      case chunk::heartbeat:
        if (t.vtag[dir] == 0) {
          t.vtag[dir] = p.sctp_vtag;
        } else if (p.sctp_vtag != t.vtag[dir]) {
          if (detail::has(p, chunk::data) || ignore) return invalid(reason::bad_vtag);
          t.hb_failed = 1;
          t.last_dir = static_cast<std::uint8_t>(dir);
          ignore = true;
          continue;
        } else {
          t.hb_failed = 0;
        }
        break;
      case chunk::heartbeat_ack:
        if (t.vtag[dir] == 0) {
          t.vtag[dir] = p.sctp_vtag;
        } else if (p.sctp_vtag != t.vtag[dir]) {
          if (detail::has(p, chunk::data) || ignore) return invalid(reason::bad_vtag);
          if (!t.hb_failed || t.last_dir == dir) return invalid(reason::bad_vtag);
          t.hb_failed = 0;
          t.vtag[dir] = p.sctp_vtag;
          t.vtag[1 - dir] = 0;
        } else {
          t.hb_failed = 0;
        }
        break;
      default: break;
    }
    old_state = t.st();
    new_state = detail::next_state(dir, old_state, type);
    if (new_state == sctp_state::max_) return invalid(reason::invalid_state);
    if (type == chunk::init) {
      // A retransmitted or stale INIT carrying the peer's tag is not recorded as a new INIT.
      if (old_state == sctp_state::none || t.vtag[1 - dir] != p.sctp_init_tag) {
        if (t.init[dir] && t.init[1 - dir]) t.init[1 - dir] = 0;
        t.init[dir] = 1;
      }
      t.vtag[1 - dir] = p.sctp_init_tag;
      // An INIT retransmitted in CLOSED does not renew the timer (port reuse through NAT).
      if (new_state == sctp_state::closed && old_state == sctp_state::closed && !fresh) ignore = true;
    } else if (type == chunk::init_ack) {
      const std::uint32_t v = t.vtag[1 - dir];
      if (!t.init[1 - dir] && v && v != p.sctp_init_tag) return invalid(reason::bad_vtag);
      if (t.init[dir] && t.init[1 - dir] && v != p.sctp_init_tag) return invalid(reason::bad_vtag);  // collision
      t.vtag[1 - dir] = p.sctp_init_tag;
    }
    t.state = static_cast<std::uint8_t>(new_state);
    if (old_state != new_state && new_state == sctp_state::established) o.assured = true;
  }
  if (p.sctp_nchunks == 0) new_state = t.st();  // only DATA / SACK / ...: the state stays
  o.why = fresh ? reason::new_session : reason::established;
  if (ignore) {
    o.action = sctp_action::accept_no_refresh;
    if (!fresh) o.why = reason::ignored;
    return o;
  }
  o.slot = slot_of(new_state);
  return o;
}

}  // namespace sessim::sctp
