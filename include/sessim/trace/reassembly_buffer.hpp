#pragma once
/// reassembly_buffer: the bytes of the IPv4 datagrams being reassembled, so that the decoder can
/// decode a fragmented datagram's whole L4 header (TCP options, every SCTP chunk) as conntrack
/// sees it after nf_defrag, however small its first fragment and in whatever order they came.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "sessim/core/frag_queue.hpp"
#include "sessim/core/time.hpp"

namespace sessim {

/** The datagrams of which some fragments were seen, by Key (compared with ==), each with its
 *  frag_queue (the same rules as the replay's) and the bytes of the fragments it kept. At most
 *  `max_datagrams` at once: a new one evicts the oldest. A datagram is forgotten `timeout` after
 *  its first fragment, as the replay drops it (ipfrag_time: a later fragment starts a new one). */
template <class Key>
class reassembly_buffer {
 public:
  static constexpr std::size_t max_datagrams = 1024;

  /// The reassembly timeout (ip.frag_timeout; default Linux's ipfrag_time, 30 s).
  void set_timeout(sim_time t) { timeout_ = t; }

  /** Adds one fragment seen at `ts`: `n` bytes of the fragmentable part from `offset` (`cap` of
   *  them captured, at `data`), `more` its MF flag. Returns the whole datagram's bytes when this
   *  fragment completes it (valid until the next call), else nullptr (also when some bytes were
   *  not captured). */
  const std::vector<std::uint8_t>* add(const Key& k, sim_time ts, std::uint32_t offset, std::uint32_t n,
                                       std::uint32_t cap, bool more, const std::uint8_t* data) {
    auto it = std::find_if(held_.begin(), held_.end(), [&](const datagram& d) { return d.key == k; });
    if (it != held_.end() && ts >= it->first + timeout_) {
      held_.erase(it);  // expired (the replay dropped its fragments): this one starts anew
      it = held_.end();
    }
    if (it == held_.end()) {
      if (held_.size() >= max_datagrams) held_.erase(held_.begin());
      held_.push_back(datagram{k, ts, {}, {}, false});
      it = held_.end() - 1;
    }
    const frag_insert r = it->q.insert(offset, offset + n, more, false);
    if (r == frag_insert::dup) return nullptr;
    if (r == frag_insert::discard) {
      held_.erase(it);
      return nullptr;
    }
    const std::uint32_t kept = frag_queue::kept_end(offset + n, more) - offset;
    if (it->bytes.size() < offset + kept) it->bytes.resize(offset + kept);
    std::copy(data, data + std::min(cap, kept), it->bytes.begin() + offset);
    it->truncated = it->truncated || cap < kept;
    if (!it->q.complete()) return nullptr;
    const bool whole = !it->truncated;
    done_ = std::move(it->bytes);
    done_.resize(it->q.len);
    held_.erase(it);
    return whole ? &done_ : nullptr;
  }

 private:
  struct datagram {
    Key key;
    sim_time first;  ///< when its first fragment (in arrival order) came
    frag_queue q;
    std::vector<std::uint8_t> bytes;
    bool truncated;
  };
  std::vector<datagram> held_;  ///< oldest first
  std::vector<std::uint8_t> done_;
  sim_time timeout_ = seconds(30);
};

}  // namespace sessim
