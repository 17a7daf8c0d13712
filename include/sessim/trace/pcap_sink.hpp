#pragma once
/// pcap_sink: writes frames to a nanosecond-resolution pcap file.
#include <cstdint>
#include <memory>
#include <string>

#include "sessim/core/time.hpp"

namespace sessim {

/**
 * Writes a classic pcap file (magic a1b23c4d, nanosecond timestamps) with one link type through
 * libpcap. Errors throw sessim::output_error naming the file. The file is complete after close()
 * or destruction (the destructor swallows errors; call close() to see them).
 */
class pcap_sink {
 public:
  /// Creates (truncates) `path` for frames of link type `linktype` (DLT_ value; 101 means DLT_RAW).
  pcap_sink(const std::string& path, int linktype, std::uint32_t snaplen = 262144);
  ~pcap_sink();
  pcap_sink(pcap_sink&&) noexcept;
  pcap_sink& operator=(pcap_sink&&) noexcept;
  pcap_sink(const pcap_sink&) = delete;
  pcap_sink& operator=(const pcap_sink&) = delete;

  /// Appends one frame: `caplen` bytes at `data`, originally `wire_len` bytes long, stamped `ts`.
  void write(sim_time ts, const std::uint8_t* data, std::uint32_t caplen, std::uint32_t wire_len);
  /// Flushes buffered frames to the file.
  void flush();
  /// Flushes and closes the file; further writes are errors.
  void close();
  /// Frames written so far.
  std::uint64_t frames() const;
  /// The path as given to the constructor.
  const std::string& path() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sessim
