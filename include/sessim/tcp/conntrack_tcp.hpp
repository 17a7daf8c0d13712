#pragma once
/// The Linux conntrack TCP tracker (net/netfilter/nf_conntrack_proto_tcp.c, kernel 6.x), ported
/// function by function: transition table, tcp_new, tcp_in_window, tcp_packet's timeout choice.
#include <cstdint>
#include <cstring>

#include "sessim/core/packet.hpp"
#include "sessim/core/verdict.hpp"
#include "sessim/policy/device_config.hpp"
#include "sessim/tcp/seq.hpp"
#include "sessim/tcp/track.hpp"

namespace sessim::tcp {

/// Session status bits the tracker reads and writes (IPS_SEEN_REPLY, IPS_ASSURED).
namespace status {
inline constexpr std::uint8_t seen_reply = 0x01, assured = 0x02, v6 = 0x04, picked_up = 0x08,
                              warm = 0x10;
}

/// What the device must do after the tracker has seen a packet.
enum class tcp_action : std::uint8_t {
  accept,          ///< forward and refresh the timer with `slot`
  accept_no_refresh,  ///< forward; state/timer unchanged (ignored packets, SYN retransmits)
  accept_and_kill,    ///< forward, then destroy the session (RST before any reply)
  invalid,         ///< drop (INVALID)
  invalid_lower,   ///< drop, and lower the timer to `slot` from now (nf_tcp_handle_invalid)
  reopen           ///< destroy the session and handle the packet as new (SYN reopening)
};

/// Result of tracking one packet.
struct tcp_outcome {
  tcp_action action = tcp_action::accept;
  reason why = reason::established;
  timeout_slot slot = timeout_slot::tcp_established;
};

namespace detail {

inline constexpr ct_state sNO = ct_state::none, sSS = ct_state::syn_sent, sSR = ct_state::syn_recv,
                          sES = ct_state::established, sFW = ct_state::fin_wait,
                          sCW = ct_state::close_wait, sLA = ct_state::last_ack,
                          sTW = ct_state::time_wait, sCL = ct_state::close,
                          sS2 = ct_state::syn_sent2, sIV = ct_state::max_, sIG = ct_state::ignore;

/// tcp_conntracks[dir][index][state] from Linux 6.x.
inline constexpr ct_state transitions[2][6][10] = {
    {
        /* ORIGINAL  sNO, sSS, sSR, sES, sFW, sCW, sLA, sTW, sCL, sS2 */
        /*syn*/ {sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2},
        /*synack*/ {sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR},
        /*fin*/ {sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV},
        /*ack*/ {sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV},
        /*rst*/ {sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL},
        /*none*/ {sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV},
    },
    {
        /* REPLY     sNO, sSS, sSR, sES, sFW, sCW, sLA, sTW, sCL, sS2 */
        /*syn*/ {sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2},
        /*synack*/ {sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR},
        /*fin*/ {sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV},
        /*ack*/ {sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG},
        /*rst*/ {sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL},
        /*none*/ {sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV},
    }};

inline tcp_index index_of(std::uint8_t f) {
  if (f & tcp_flags::rst) return tcp_index::rst;
  if (f & tcp_flags::syn) return (f & tcp_flags::ack) ? tcp_index::synack : tcp_index::syn;
  if (f & tcp_flags::fin) return tcp_index::fin;
  if (f & tcp_flags::ack) return tcp_index::ack;
  return tcp_index::none;
}

/// Slot of a conntrack state's timeout.
inline timeout_slot slot_of(ct_state s) {
  switch (s) {
    case ct_state::syn_sent: return timeout_slot::tcp_syn_sent;
    case ct_state::syn_recv: return timeout_slot::tcp_syn_recv;
    case ct_state::established: return timeout_slot::tcp_established;
    case ct_state::fin_wait: return timeout_slot::tcp_fin_wait;
    case ct_state::close_wait: return timeout_slot::tcp_close_wait;
    case ct_state::last_ack: return timeout_slot::tcp_last_ack;
    case ct_state::time_wait: return timeout_slot::tcp_time_wait;
    case ct_state::close: return timeout_slot::tcp_close;
    case ct_state::syn_sent2: return timeout_slot::tcp_syn_sent2;
    default: return timeout_slot::tcp_close;
  }
}

/// segment_seq_plus_len: seq + payload + SYN + FIN, payload from the IP lengths.
inline std::uint32_t seq_plus_len(const packet_view& p) {
  std::uint32_t payload = p.l4_len >= p.doff ? p.l4_len - p.doff : 0;
  return p.seq + payload + ((p.flags & tcp_flags::syn) ? 1 : 0) + ((p.flags & tcp_flags::fin) ? 1 : 0);
}

/// The TCP option bytes as the kernel sees them (uncaptured bytes read as zero).
inline int option_bytes(const packet_view& p, std::uint8_t (&buf)[40]) {
  int length = static_cast<int>(p.doff) - 20;
  if (length <= 0) return 0;
  if (length > 40) length = 40;
  std::memset(buf, 0, sizeof buf);
  std::memcpy(buf, p.opts.data(), p.opt_len < length ? p.opt_len : length);
  return length;
}

/// tcp_options: window scale and SACK-permitted of a SYN into one direction's flags.
inline void parse_options(const packet_view& p, std::uint8_t& flags, std::uint8_t& scale) {
  std::uint8_t buf[40];
  int length = option_bytes(p, buf);
  if (!length) return;
  const std::uint8_t* ptr = buf;
  scale = 0;
  flags &= dir_flag::be_liberal;
  while (length > 0) {
    int opcode = *ptr++;
    switch (opcode) {
      case 0: return;                 // EOL
      case 1: length--; continue;     // NOP
      default: {
        if (length < 2) return;
        int opsize = *ptr++;
        if (opsize < 2 || opsize > length) return;
        if (opcode == 4 && opsize == 2) flags |= dir_flag::sack_perm;
        else if (opcode == 3 && opsize == 3) {
          scale = *ptr > 14 ? 14 : *ptr;
          flags |= dir_flag::window_scale;
        }
        ptr += opsize - 2;
        length -= opsize;
      }
    }
  }
}

/// tcp_sack: the highest right edge of the SACK blocks, if above *sack.
inline void parse_sack(const packet_view& p, std::uint32_t& sack) {
  // The kernel's fast path, tested on the captured bytes before any copy: exactly NOP, NOP,
  // timestamp (12 option bytes) carries no SACK block.
  if (p.doff == 32 && p.opt_len >= 4 && p.opts[0] == 1 && p.opts[1] == 1 && p.opts[2] == 8 && p.opts[3] == 10) return;
  std::uint8_t buf[40];
  int length = option_bytes(p, buf);
  if (!length) return;
  const std::uint8_t* ptr = buf;
  while (length > 0) {
    int opcode = *ptr++;
    switch (opcode) {
      case 0: return;
      case 1: length--; continue;
      default: {
        if (length < 2) return;
        int opsize = *ptr++;
        if (opsize < 2 || opsize > length) return;
        if (opcode == 5 && opsize >= 10 && ((opsize - 2) % 8) == 0) {
          for (int i = 0; i < opsize - 2; i += 8) {
            const std::uint8_t* e = ptr + i + 4;
            std::uint32_t tmp = std::uint32_t{e[0]} << 24 | std::uint32_t{e[1]} << 16 |
                                std::uint32_t{e[2]} << 8 | e[3];
            if (after(tmp, sack)) sack = tmp;
          }
          return;
        }
        ptr += opsize - 2;
        length -= opsize;
      }
    }
  }
}

inline void init_sender(tcp_track& t, int dir, const packet_view& p, std::uint32_t end, std::uint32_t win) {
  t.td_end[dir] = t.td_maxend[dir] = end;
  t.td_maxwin[dir] = win == 0 ? 1 : win;
  std::uint8_t sc = t.scale(dir);
  parse_options(p, t.flags[dir], sc);
  t.set_scale(dir, sc);
  if (dir == 1 && !((t.flags[1] & dir_flag::window_scale) && (t.flags[0] & dir_flag::window_scale))) {
    t.set_scale(0, 0);
    t.set_scale(1, 0);
  }
}

enum class window_result { accept, ignore, invalid };

/// tcp_in_window. `why` gets the invalid reason.
inline window_result in_window(tcp_track& t, int dir, tcp_index index, const packet_view& p,
                               bool global_liberal, reason& why) {
  const int rd = !dir;
  std::uint32_t seq = p.seq, ack = p.ack, sack = p.ack;
  std::uint16_t win_raw = p.win;
  std::uint32_t win = win_raw;
  std::uint32_t end = seq_plus_len(p);
  const bool syn = p.flags & tcp_flags::syn, has_ack = p.flags & tcp_flags::ack,
             rst = p.flags & tcp_flags::rst;

  if (t.flags[rd] & dir_flag::sack_perm) parse_sack(p, sack);

  auto liberal = [&] { return (t.flags[dir] & dir_flag::be_liberal) || global_liberal; };
  auto maxackwindow = [&] { return t.td_maxwin[dir] > 66000 ? t.td_maxwin[dir] : 66000u; };

  if (t.td_maxwin[dir] == 0) {
    if (syn) {
      init_sender(t, dir, p, end, win);
      if (!has_ack) return window_result::accept;  // simultaneous open
    } else {
      t.td_end[dir] = end;
      std::uint32_t swin = win << t.scale(dir);
      t.td_maxwin[dir] = swin == 0 ? 1 : swin;
      t.td_maxend[dir] = end + t.td_maxwin[dir];
      if (t.td_maxwin[rd] == 0) {
        t.td_end[rd] = t.td_maxend[rd] = sack;
      } else if (sack == t.td_end[rd] + 1) {
        t.td_end[rd]++;
      }
    }
  } else if (syn && after(end, t.td_end[dir]) &&
             (t.st() == ct_state::syn_sent || t.st() == ct_state::syn_recv)) {
    init_sender(t, dir, p, end, win);
    if (dir == 1 && !has_ack) return window_result::accept;
  }

  if (!has_ack) {
    ack = sack = t.td_end[rd];
  } else if (rst && ack == 0) {
    ack = sack = t.td_end[rd];
  }

  if (rst && seq == 0 && t.st() == ct_state::syn_sent) seq = end = t.td_end[dir];

  bool seq_ok = before(seq, t.td_maxend[dir] + 1);
  if (!seq_ok) {
    std::uint32_t overshot = end - t.td_maxend[dir] + 1;
    bool ack_ok = after(sack, t.td_end[rd] - maxackwindow() - 1);
    bool in_recv_win = t.td_maxwin[rd] && after(end, t.td_end[dir] - t.td_maxwin[rd] - 1);
    if (in_recv_win && ack_ok && overshot <= t.td_maxwin[rd] && before(sack, t.td_end[rd] + 1)) {
      t.td_end[dir] = end;
      t.flags[dir] |= dir_flag::data_unacknowledged;
      return liberal() ? window_result::accept : window_result::ignore;
    }
    if (liberal()) return window_result::accept;
    why = reason::seq_over_window;
    return window_result::invalid;
  }

  if (!before(sack, t.td_end[rd] + 1)) {
    if (liberal()) return window_result::accept;
    why = reason::ack_over_window;
    return window_result::invalid;
  }

  bool in_recv_win = !t.td_maxwin[rd] || after(end, t.td_end[dir] - t.td_maxwin[rd] - 1);
  if (!in_recv_win) return liberal() ? window_result::accept : window_result::ignore;
  if (!after(sack, t.td_end[rd] - maxackwindow() - 1))
    return liberal() ? window_result::accept : window_result::ignore;

  if (!syn) win <<= t.scale(dir);

  std::uint32_t swin = win + (sack - ack);
  if (t.td_maxwin[dir] < swin) t.td_maxwin[dir] = swin;
  if (after(end, t.td_end[dir])) {
    t.td_end[dir] = end;
    t.flags[dir] |= dir_flag::data_unacknowledged;
  }
  if (has_ack) {
    if (!(t.flags[dir] & dir_flag::maxack_set)) {
      t.td_maxack[dir] = ack;
      t.flags[dir] |= dir_flag::maxack_set;
    } else if (after(ack, t.td_maxack[dir])) {
      t.td_maxack[dir] = ack;
    }
  }

  if (t.td_maxwin[rd] != 0 && after(end, t.td_maxend[dir])) t.td_maxwin[rd] += end - t.td_maxend[dir];
  if (after(sack + win, t.td_maxend[rd] - 1)) {
    t.td_maxend[rd] = sack + win;
    if (win == 0) t.td_maxend[rd]++;
  }
  if (ack == t.td_end[rd]) t.flags[rd] &= static_cast<std::uint8_t>(~dir_flag::data_unacknowledged);

  if (index == tcp_index::ack) {
    if (t.last_dir == dir && t.last_seq == seq && t.last_ack == ack && t.last_end == end &&
        t.last_win == win_raw) {
      t.retrans++;  // a u8 in struct ip_ct_tcp: the 256th repeat brings it back to 0, as in the kernel
    } else {
      t.last_dir = dir;
      t.last_seq = seq;
      t.last_ack = ack;
      t.last_end = end;
      t.last_win = win_raw;
      t.retrans = 0;
    }
  }
  return window_result::accept;
}

inline bool can_early_drop_state(ct_state s) {
  return s == ct_state::fin_wait || s == ct_state::last_ack || s == ct_state::time_wait ||
         s == ct_state::close || s == ct_state::close_wait;
}

}  // namespace detail

/// tcp_error's flag check: true when the flag combination is one conntrack accepts.
inline bool valid_flag_combination(std::uint8_t flags) {
  std::uint8_t f = flags & static_cast<std::uint8_t>(~(tcp_flags::ece | tcp_flags::cwr | tcp_flags::psh));
  using namespace tcp_flags;
  switch (f) {
    case syn: case syn | urg: case syn | ack: case rst: case rst | ack: case fin | ack:
    case fin | ack | urg: case ack: case ack | urg:
      return true;
    default:
      return false;
  }
}

/// True when this packet may create a session in state NONE (bare SYN, or ACK class with pickup).
inline bool creates_session(std::uint8_t flags, bool pickup) {
  ct_state s = detail::transitions[0][static_cast<int>(detail::index_of(flags))][0];
  if (s == ct_state::syn_sent) return true;
  return s == ct_state::established && pickup;
}

/** tcp_new: initialises tracking for a new session from its first packet. Call only when
 *  creates_session() is true. */
inline void tcp_new(tcp_track& t, const packet_view& p) {
  std::memset(&t, 0, sizeof t);
  ct_state s = detail::transitions[0][static_cast<int>(detail::index_of(p.flags))][0];
  t.td_end[0] = detail::seq_plus_len(p);
  t.td_maxwin[0] = p.win == 0 ? 1 : p.win;
  if (s == ct_state::syn_sent) {
    t.td_maxend[0] = t.td_end[0];
    std::uint8_t sc = 0;
    detail::parse_options(p, t.flags[0], sc);
    t.set_scale(0, sc);
  } else {
    t.td_maxend[0] = t.td_end[0] + t.td_maxwin[0];
    t.flags[0] = t.flags[1] = dir_flag::sack_perm | dir_flag::be_liberal;
  }
  t.last_index = static_cast<std::uint8_t>(tcp_index::none);
}

/** nf_conntrack_tcp_packet: tracks one packet of a session (dir 0 = original, 1 = reply).
 *  `st` holds the session's status bits; `remaining` is its timer's remaining time (for the
 *  timeout-lowering rule of nf_tcp_handle_invalid). Does not set seen_reply: the caller sets it
 *  after an accepted reply-direction packet, as nf_conntrack_in does. */
inline tcp_outcome tcp_packet(tcp_track& t, std::uint8_t& st, int dir, const packet_view& p,
                              const device_config& cfg, sim_time remaining) {
  using namespace detail;
  tcp_outcome out;
  const tcp_index index = index_of(p.flags);
  ct_state old_state = t.st();
  ct_state new_state = transitions[dir][static_cast<int>(index)][static_cast<int>(old_state)];
  const bool is_new = old_state == ct_state::none;

  switch (new_state) {
    case ct_state::syn_sent:
      if (old_state < ct_state::time_wait) break;
      if (((t.flags[dir] | t.flags[!dir]) & dir_flag::close_init) ||
          (t.last_dir == dir && t.last_index == static_cast<std::uint8_t>(tcp_index::rst))) {
        out.action = tcp_action::reopen;
        out.why = reason::new_session;
        return out;
      }
      [[fallthrough]];
    case ct_state::ignore: {
      if (index == tcp_index::synack && t.last_index == static_cast<std::uint8_t>(tcp_index::syn) &&
          t.last_dir != dir && p.ack == t.last_end) {
        old_state = ct_state::syn_sent;
        new_state = ct_state::syn_recv;
        int ld = t.last_dir;
        t.td_end[ld] = t.last_end;
        t.td_maxend[ld] = t.last_end;
        t.td_maxwin[ld] = t.last_win == 0 ? 1 : t.last_win;
        t.set_scale(ld, t.last_wscale);
        t.last_flags &= static_cast<std::uint8_t>(~last_flag::challenge_ack);
        std::uint8_t lf = 0;
        if (t.last_flags & last_flag::window_scale) lf |= dir_flag::window_scale;
        if (t.last_flags & last_flag::sack_perm) lf |= dir_flag::sack_perm;
        t.flags[ld] = lf;
        // nf_ct_tcp_state_reset(seen[dir])
        t.td_end[dir] = t.td_maxend[dir] = t.td_maxwin[dir] = t.td_maxack[dir] = 0;
        t.set_scale(dir, 0);
        t.flags[dir] &= dir_flag::be_liberal;
        break;
      }
      t.last_index = static_cast<std::uint8_t>(index);
      t.last_dir = dir;
      t.last_seq = p.seq;
      t.last_end = seq_plus_len(p);
      t.last_win = p.win;
      if (index == tcp_index::syn && dir == 0) {
        std::uint8_t f = 0, sc = 0;
        t.last_flags = 0;
        t.last_wscale = 0;
        parse_options(p, f, sc);
        if (f & dir_flag::window_scale) {
          t.last_flags |= last_flag::window_scale;
          t.last_wscale = sc;
        }
        if (f & dir_flag::sack_perm) t.last_flags |= last_flag::sack_perm;
        if (old_state == ct_state::last_ack) t.last_flags |= last_flag::challenge_ack;
      }
      if (old_state == ct_state::syn_sent && index == tcp_index::ack && dir == 1) t.last_ack = p.ack;
      out.action = tcp_action::accept_no_refresh;
      out.why = reason::ignored;
      return out;
    }
    case ct_state::max_:
      if (!cfg.strict_states && dir == 0 &&
          (old_state == ct_state::syn_sent || old_state == ct_state::syn_sent2) &&
          (index == tcp_index::ack || index == tcp_index::fin)) {
        // Lenient trackers (pf, commercial firewalls): the SYN/ACK went another way; assume it.
        new_state = index == tcp_index::ack ? ct_state::established : ct_state::fin_wait;
        break;
      }
      out.action = tcp_action::invalid;
      out.why = is_new ? reason::invalid_new : reason::invalid_state;
      return out;
    case ct_state::time_wait:
      if (old_state == ct_state::last_ack && index == tcp_index::ack && t.last_dir != dir &&
          t.last_index == static_cast<std::uint8_t>(tcp_index::syn) &&
          (t.last_flags & last_flag::challenge_ack)) {
        t.last_flags &= static_cast<std::uint8_t>(~last_flag::challenge_ack);
        out.action = tcp_action::accept_no_refresh;
        out.why = reason::ignored;
        return out;
      }
      break;
    case ct_state::syn_sent2:
      t.last_flags |= last_flag::simultaneous_open;
      break;
    case ct_state::syn_recv:
      if (dir == 1 && index == tcp_index::ack && (t.last_flags & last_flag::simultaneous_open))
        new_state = ct_state::established;
      break;
    case ct_state::close: {
      if (index != tcp_index::rst) break;
      if (can_early_drop_state(old_state)) goto in_window_ok;
      if ((t.flags[!dir] & dir_flag::maxack_set) &&
          t.last_index != static_cast<std::uint8_t>(tcp_index::syn)) {
        std::uint32_t seq = p.seq;
        // nf_conntrack_tcp_established(): ESTABLISHED *and* ASSURED. A picked-up entry that has
        // not seen a packet after the first reply is not, so an inexact RST closes it.
        bool established = old_state == ct_state::established && (st & status::assured);
        if (seq == 0 && !established) break;
        if (before(seq, t.td_maxack[!dir])) {
          out.action = tcp_action::invalid;
          out.why = reason::invalid_rst;
          return out;
        }
        if (!established || seq == t.td_maxack[!dir]) break;
        if (t.last_index == static_cast<std::uint8_t>(tcp_index::ack) && t.last_dir == dir &&
            seq == t.last_end)
          break;
        new_state = old_state;
      }
      // RST answering a SYN we let through: only from the other side. Kernel 6.18 (observed,
      // docs/kernel-fidelity.md D9): a RST from the side that sent that SYN, whose ack field
      // equals last_end (0 on a fresh entry), goes through the window check instead.
      if ((((st & status::seen_reply) && t.last_index == static_cast<std::uint8_t>(tcp_index::syn) &&
            t.last_dir != dir) ||
           (!(st & status::assured) && t.last_index == static_cast<std::uint8_t>(tcp_index::ack))) &&
          p.ack == t.last_end)
        goto in_window_ok;
      if (old_state == ct_state::syn_sent && t.last_index == static_cast<std::uint8_t>(tcp_index::ack) &&
          t.last_dir == 1 && p.seq == t.last_ack)
        goto in_window_ok;
      break;
    }
    default:
      break;
  }

  {
    reason why = reason::invalid_state;
    window_result res = in_window(t, dir, index, p, cfg.be_liberal, why);
    if (res == window_result::ignore) {
      out.action = tcp_action::accept_no_refresh;
      out.why = reason::ignored;
      return out;
    }
    if (res == window_result::invalid) {
      out.action = tcp_action::invalid;
      out.why = why;
      // nf_tcp_handle_invalid
      if ((st & status::assured) && (index == tcp_index::rst || index == tcp_index::fin)) {
        if (t.last_dir != dir && (t.last_index == static_cast<std::uint8_t>(tcp_index::fin) ||
                                  t.last_index == static_cast<std::uint8_t>(tcp_index::rst))) {
          sim_time unack = cfg.timeout(timeout_slot::tcp_unacknowledged);
          if (remaining >= seconds(120) && remaining > unack) {
            out.action = tcp_action::invalid_lower;
            out.slot = timeout_slot::tcp_unacknowledged;
          }
        } else {
          t.last_index = static_cast<std::uint8_t>(index);
          t.last_dir = dir;
        }
      }
      return out;
    }
  }

in_window_ok:
  t.last_index = static_cast<std::uint8_t>(index);
  t.last_dir = dir;
  t.state = static_cast<std::uint8_t>(new_state);
  if (old_state != new_state && new_state == ct_state::fin_wait) t.flags[dir] |= dir_flag::close_init;

  {
    auto T = [&](timeout_slot s) { return cfg.timeout(s); };
    timeout_slot slot = slot_of(new_state);
    const sim_time tnew = T(slot);
    if (t.retrans >= cfg.max_retrans_count && tnew > T(timeout_slot::tcp_max_retrans))
      slot = timeout_slot::tcp_max_retrans;
    else if (index == tcp_index::rst)
      slot = timeout_slot::tcp_close;
    else if (((t.flags[0] | t.flags[1]) & dir_flag::data_unacknowledged) &&
             tnew > T(timeout_slot::tcp_unacknowledged))
      slot = timeout_slot::tcp_unacknowledged;
    else if (t.last_win == 0 && tnew > T(timeout_slot::tcp_max_retrans))
      slot = timeout_slot::tcp_max_retrans;

    out.why = is_new ? (new_state == ct_state::syn_sent ? reason::new_session : reason::pickup)
                     : reason::established;
    if (!(st & status::seen_reply)) {
      if (p.flags & tcp_flags::rst) {
        out.action = tcp_action::accept_and_kill;
        return out;
      }
      if (index == tcp_index::syn && old_state == ct_state::syn_sent) {
        out.action = tcp_action::accept_no_refresh;
        return out;
      }
      if (new_state == ct_state::established && T(slot) > T(timeout_slot::tcp_unacknowledged))
        slot = timeout_slot::tcp_unacknowledged;
    } else if (!(st & status::assured) &&
               (old_state == ct_state::syn_recv || old_state == ct_state::established) &&
               new_state == ct_state::established) {
      st |= status::assured;
    }
    out.action = tcp_action::accept;
    out.slot = slot;
  }
  return out;
}

}  // namespace sessim::tcp
