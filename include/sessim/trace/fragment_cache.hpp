#pragma once
/// fragment_cache: remembers the L4 ports of first IP fragments so later fragments get the same key.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "sessim/core/flow_key.hpp"
#include "sessim/trace/reassembly_buffer.hpp"

namespace sessim {

/**
 * A bounded map (src, dst, protocol, fragment id, VLAN) -> (protocol, ports, L4 header length),
 * filled by the decoder from first fragments (offset 0, more-fragments set) and consulted for the
 * non-first fragments of the same datagram.
 *
 * Capacity is fixed at construction; when full the oldest entry is evicted (FIFO by first
 * insertion; re-inserting a present key updates it in place and keeps its age). The slot ring is
 * allocated once; the index allocates one node per remembered datagram (fragments are rare).
 * For IPv6 the key's protocol is 0 (a non-first fragment does not reliably name the upper layer);
 * the upper-layer protocol comes back in the entry.
 */
class fragment_cache {
 public:
  /// Identifies one fragmented datagram.
  struct key_type {
    ip_addr src, dst;
    std::uint32_t id = 0;      ///< IPv4 identification / IPv6 fragment identification
    std::uint8_t proto = 0;    ///< IPv4 protocol; 0 for IPv6
    std::uint16_t vlan = 0;    ///< outermost VLAN of the frame
    friend bool operator==(const key_type&, const key_type&) = default;
  };
  /// What the first fragment told us.
  struct entry {
    std::uint8_t proto = 0;          ///< upper-layer protocol
    std::uint16_t sport = 0, dport = 0;  ///< ports (ICMP echo: id in both)
    std::uint16_t l4_hdr_len = 0;    ///< where the L4 header ends in the fragmented data (TCP data
                                     ///< offset, 8 for UDP/ICMP; IPv6: plus extension headers
                                     ///< that follow the fragment header)
  };

  /// Default number of datagrams remembered.
  static constexpr std::size_t default_capacity = 4096;

  /// Creates an empty cache holding at most `capacity` (>= 1) datagrams.
  explicit fragment_cache(std::size_t capacity = default_capacity)
      : slots_(capacity == 0 ? 1 : capacity) {
    index_.reserve(slots_.size());
  }

  /// Records (or updates) the first fragment of a datagram, evicting the oldest entry when full.
  void insert(const key_type& k, const entry& e) {
    if (auto it = index_.find(k); it != index_.end()) {
      slots_[it->second].value = e;
      return;
    }
    slot& s = slots_[next_];
    if (s.used) index_.erase(s.key);
    s.key = k;
    s.value = e;
    s.used = true;
    index_.emplace(k, next_);
    next_ = (next_ + 1) % slots_.size();
  }

  /// The entry of a datagram, or nullptr if its first fragment was not seen (or was evicted).
  const entry* find(const key_type& k) const {
    auto it = index_.find(k);
    return it == index_.end() ? nullptr : &slots_[it->second].value;
  }

  /// The bytes of IPv4 datagrams being reassembled (see decode_reassembled()).
  reassembly_buffer<key_type>& reassembly() { return reasm_; }

  /// Number of datagrams remembered.
  std::size_t size() const { return index_.size(); }
  /// Maximum number of datagrams remembered.
  std::size_t capacity() const { return slots_.size(); }
  /// Forgets everything.
  void clear() {
    index_.clear();
    for (auto& s : slots_) s.used = false;
    next_ = 0;
  }

 private:
  struct slot {
    key_type key;
    entry value;
    bool used = false;
  };
  struct key_hash {
    std::size_t operator()(const key_type& k) const noexcept {
      flow_key f;
      f.src = k.src;
      f.dst = k.dst;
      f.sport = static_cast<std::uint16_t>(k.id >> 16);
      f.dport = static_cast<std::uint16_t>(k.id);
      f.proto = k.proto;
      f.vlan = k.vlan;
      return static_cast<std::size_t>(hash_key(f));
    }
  };
  std::vector<slot> slots_;
  std::unordered_map<key_type, std::size_t, key_hash> index_;
  reassembly_buffer<key_type> reasm_;
  std::size_t next_ = 0;
};

}  // namespace sessim
