#pragma once
/// pcap_source: reads raw frames with nanosecond timestamps from a pcap or pcapng file.
#include <cstdint>
#include <memory>
#include <string>

#include "sessim/core/time.hpp"

namespace sessim {

/// One captured frame as stored in the file. `data` stays valid until the next call to next().
struct raw_frame {
  std::uint64_t frame = 0;       ///< 1-based frame number in file order
  sim_time ts = 0;               ///< capture timestamp, ns (as stored; may go backwards)
  std::uint32_t caplen = 0;      ///< bytes captured
  std::uint32_t wire_len = 0;    ///< original length on the wire
  const std::uint8_t* data = nullptr;  ///< caplen bytes starting at the link-layer header
  int linktype = 0;              ///< link type of this frame (DLT_ value, see sessim::linktype)
};

/**
 * Reads a pcap (microsecond or nanosecond) or pcapng file through libpcap, always delivering
 * nanosecond timestamps. Errors throw sessim::trace_error with a one-line message naming the
 * file (and the frame number for read errors).
 *
 * pcapng files whose interfaces have different link types or snapshot lengths are rejected by
 * libpcap 1.10 ("an interface has a type N different from the type of the first interface");
 * for those the source switches to a small built-in pcapng reader at that point and carries on,
 * giving each frame the link type of its own interface.
 */
class pcap_source {
 public:
  /// Opens `path`; throws trace_error if it cannot be opened or is not a capture file.
  explicit pcap_source(const std::string& path);
  ~pcap_source();
  pcap_source(pcap_source&&) noexcept;
  pcap_source& operator=(pcap_source&&) noexcept;
  pcap_source(const pcap_source&) = delete;
  pcap_source& operator=(const pcap_source&) = delete;

  /// Link type of the file (of its first interface for pcapng), as a DLT_ value.
  int linktype() const;
  /// Snapshot length from the file header (first interface for pcapng).
  std::uint32_t snaplen() const;
  /// The path as given to the constructor.
  const std::string& path() const;
  /// Frames returned so far.
  std::uint64_t frames() const;

  /// Reads the next frame into `f`; false at the end of the file. Throws trace_error on a
  /// damaged file ("x.pcap: frame 17: truncated dump file; ...").
  bool next(raw_frame& f);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sessim
