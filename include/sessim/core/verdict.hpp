#pragma once
/// verdict and reason: what a device did with one packet, and why. Values, never exceptions.
#include <cstdint>
#include <iterator>
#include <string_view>

namespace sessim {

/// What a device does with a packet.
enum class verdict : std::uint8_t { forward, drop, reject, redirect };

/// Stable name of a verdict (CSV and JSON).
inline constexpr std::string_view verdict_name(verdict v) {
  switch (v) {
    case verdict::forward: return "forward";
    case verdict::drop: return "drop";
    case verdict::reject: return "reject";
    case verdict::redirect: return "redirect";
  }
  return "?";
}

/// Why: the reason attached to a verdict (stable strings in the per-frame CSV).
enum class reason : std::uint8_t {
  // forward
  new_session,    ///< created a session (SYN, first UDP/ICMP/other packet)
  established,    ///< matched a session and was accepted
  pickup,         ///< created a session from a mid-stream TCP packet (ACK without session)
  warm_start,     ///< connection already open when the capture started: assumed established
  ignored,        ///< conntrack "ignored" packet: passed without changing state or timer
  related,        ///< ICMP error about a live session
  untracked,      ///< not tracked by the device (e.g. ICMPv6 neighbour discovery)
  fragment,       ///< non-first IP fragment: follows its datagram's first fragment
  not_ip,         ///< not an IP packet; the device does not see it
  // drop / reject
  no_session,     ///< mid-stream packet, no session, policy drop/reject (or SYN-only filter)
  invalid_new,    ///< cannot create a session from this packet (FIN, RST, SYN/ACK without session)
  invalid_flags,  ///< impossible TCP flag combination
  invalid_state,  ///< packet not valid in the session's TCP (or SCTP) state
  seq_over_window,  ///< data beyond the receiver's window
  ack_over_window,  ///< ACK for data never sent
  invalid_rst,    ///< RST with an unacceptable sequence number
  icmp_no_request,  ///< ICMP reply with no live request
  icmp_no_session,  ///< ICMP error quoting no live session
  table_full,     ///< no room for a new session
  icmp_bad_destination,  ///< ICMP error about a live session not addressed to the quoted packet's source
  bad_vtag,       ///< SCTP verification tag not the one the association expects
  count_
};

namespace detail {
inline constexpr std::string_view reason_names[] = {
    "new",           "established",     "pickup",          "warm-start",      "ignored",
    "related",       "untracked",       "fragment",        "not-ip",          "no-session",
    "invalid-new",   "invalid-flags",   "invalid-state",   "seq-over-window", "ack-over-window",
    "invalid-rst",   "icmp-no-request", "icmp-no-session", "table-full",      "icmp-bad-destination",
    "bad-vtag"};
static_assert(std::size(reason_names) == static_cast<std::size_t>(reason::count_));
}  // namespace detail

/// Stable name of a reason (a static table: no per-call copy of the names).
inline constexpr std::string_view reason_name(reason r) { return detail::reason_names[static_cast<std::size_t>(r)]; }

}  // namespace sessim
