/// pcap_out and frame_sink: writing generated frames with libpcap's savefile writer.
#include "pcap_out.hpp"

#include <pcap.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "sessim/core/error.hpp"

namespace sessim::tracegen {

pcap_out::pcap_out(const std::string& path, int dlt, std::uint32_t snaplen) : path_(path) {
  p_ = pcap_open_dead_with_tstamp_precision(dlt, static_cast<int>(snaplen), PCAP_TSTAMP_PRECISION_NANO);
  if (!p_) throw output_error(fmt::format("{}: cannot create a pcap writer for DLT {}", path, dlt));
  f_ = std::fopen(path.c_str(), "wb");
  if (!f_) {
    int e = errno;
    pcap_close(p_);
    p_ = nullptr;
    throw output_error(fmt::format("{}: {}", path, std::strerror(e)));
  }
  std::setvbuf(f_, nullptr, _IOFBF, 1 << 20);
  d_ = pcap_dump_fopen(p_, f_);
  if (!d_) {
    std::string msg = pcap_geterr(p_);
    std::fclose(f_);
    f_ = nullptr;
    pcap_close(p_);
    p_ = nullptr;
    throw output_error(fmt::format("{}: {}", path, msg));
  }
}

pcap_out::~pcap_out() {
  if (d_) pcap_dump_close(d_);  // also closes f_
  if (p_) pcap_close(p_);
}

void pcap_out::write(sim_time ts, std::span<const std::uint8_t> data, std::uint32_t wire_len) {
  pcap_pkthdr h{};
  sim_time s = ts / ns_per_s, ns = ts % ns_per_s;
  if (ns < 0) {
    ns += ns_per_s;
    s -= 1;
  }
  h.ts.tv_sec = static_cast<decltype(h.ts.tv_sec)>(s);
  h.ts.tv_usec = static_cast<decltype(h.ts.tv_usec)>(ns);  // nanoseconds in a _NANO dumper
  h.caplen = static_cast<bpf_u_int32>(data.size());
  h.len = std::max<bpf_u_int32>(wire_len, h.caplen);
  pcap_dump(reinterpret_cast<u_char*>(d_), &h, data.data());
}

void pcap_out::write_raw(std::span<const std::uint8_t> data) {
  if (std::fwrite(data.data(), 1, data.size(), f_) != data.size())
    throw output_error(fmt::format("{}: write failed", path_));
}

void pcap_out::close() {
  if (!d_) return;
  bool bad = pcap_dump_flush(d_) != 0 || std::ferror(f_);
  pcap_dump_close(d_);
  d_ = nullptr;
  f_ = nullptr;
  pcap_close(p_);
  p_ = nullptr;
  if (bad) throw output_error(fmt::format("{}: write failed", path_));
}

void frame_sink::ip(sim_time t, const mac_addr& src, const mac_addr& dst, bool outgoing, bool v6,
                    std::span<const std::uint8_t> ip_pkt) {
  bytes f = link_frame(link_, src, dst, outgoing, v6, ip_pkt);
  auto n = static_cast<std::uint32_t>(f.size());
  frames_.push_back({t, std::move(f), n});
}

void frame_sink::raw(sim_time t, bytes frame) {
  auto n = static_cast<std::uint32_t>(frame.size());
  frames_.push_back({t, std::move(frame), n});
}

void frame_sink::truncate_last(std::uint32_t caplen) {
  if (!frames_.empty()) frames_.back().caplen = std::min(caplen, frames_.back().caplen);
}

void frame_sink::finish(const std::string& path, bool sort) {
  if (sort)
    std::stable_sort(frames_.begin(), frames_.end(),
                     [](const frame_rec& a, const frame_rec& b) { return a.t < b.t; });
  pcap_out out(path, link_dlt(link_), 65535);
  for (const frame_rec& f : frames_)
    out.write(trace_epoch + f.t, std::span(f.data.data(), f.caplen),
              static_cast<std::uint32_t>(f.data.size()));
  out.close();
}

}  // namespace sessim::tracegen
