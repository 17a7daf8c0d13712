#pragma once
/// pcap_out: a streaming libpcap savefile writer (nanosecond timestamps, large stdio buffer);
/// frame_sink: collects the frames of a small scenario and writes them in time order.
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "packet_build.hpp"
#include "sessim/core/time.hpp"
#include "util.hpp"

struct pcap;
struct pcap_dumper;

namespace sessim::tracegen {

/// Epoch of every generated trace: 2024-03-01 09:00:00 UTC (scenario time 0).
inline constexpr sim_time trace_epoch = 1'709'283'600LL * ns_per_s;

/// Writes a pcap file record by record. Throws output_error on I/O failure.
class pcap_out {
 public:
  /// Creates `path` with the given DLT and snaplen.
  pcap_out(const std::string& path, int dlt, std::uint32_t snaplen);
  ~pcap_out();
  pcap_out(const pcap_out&) = delete;
  pcap_out& operator=(const pcap_out&) = delete;

  /// Writes one record at absolute time `ts`: `data` holds the captured bytes, `wire_len` the
  /// original length (>= data.size()).
  void write(sim_time ts, std::span<const std::uint8_t> data, std::uint32_t wire_len);
  /// Appends raw bytes after the last record (for deliberately broken files).
  void write_raw(std::span<const std::uint8_t> data);
  /// Flushes and closes; throws if anything failed.
  void close();

 private:
  std::string path_;
  pcap* p_ = nullptr;
  pcap_dumper* d_ = nullptr;
  std::FILE* f_ = nullptr;
};

/// One buffered frame.
struct frame_rec {
  sim_time t = 0;            ///< scenario time (ns since trace_epoch)
  bytes data;                ///< full frame
  std::uint32_t caplen = 0;  ///< bytes to write (<= data.size())
};

/// Collects a scenario's frames, then writes them (stable-sorted by time unless told otherwise).
class frame_sink {
 public:
  explicit frame_sink(link_type l) : link_(l) {}
  /// The link layer frames are wrapped in.
  link_type link() const { return link_; }
  /// Adds an IP packet from `src` to `dst` MAC; `outgoing` marks client-side senders (SLL).
  void ip(sim_time t, const mac_addr& src, const mac_addr& dst, bool outgoing, bool v6,
          std::span<const std::uint8_t> ip_pkt);
  /// Adds a complete frame as is.
  void raw(sim_time t, bytes frame);
  /// Cuts the captured length of the last added frame to `caplen` bytes.
  void truncate_last(std::uint32_t caplen);
  /// Number of frames so far.
  std::size_t size() const { return frames_.size(); }
  /// Writes the file; frames are stable-sorted by time when `sort` is true.
  void finish(const std::string& path, bool sort = true);

 private:
  link_type link_;
  std::vector<frame_rec> frames_;
};

}  // namespace sessim::tracegen
