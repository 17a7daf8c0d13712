/// pcap_sink: libpcap savefile writer with nanosecond timestamps.
#include "sessim/trace/pcap_sink.hpp"

#include <pcap/pcap.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "sessim/core/error.hpp"

namespace sessim {

struct pcap_sink::impl {
  std::string path;
  pcap_t* p = nullptr;
  pcap_dumper_t* d = nullptr;
  std::uint64_t frames = 0;

  void release() noexcept {
    if (d) pcap_dump_close(d);
    if (p) pcap_close(p);
    d = nullptr;
    p = nullptr;
  }
  ~impl() { release(); }
  [[noreturn]] void fail(const std::string& what) const {
    throw output_error(fmt::format("{}: {}", path, what));
  }
};

pcap_sink::pcap_sink(const std::string& path, int linktype, std::uint32_t snaplen)
    : impl_(std::make_unique<impl>()) {
  impl_->path = path;
  // LINKTYPE_RAW (101) is DLT_RAW for libpcap; accept either spelling.
  if (linktype == 101) linktype = DLT_RAW;
  impl_->p = pcap_open_dead_with_tstamp_precision(linktype, static_cast<int>(snaplen),
                                                  PCAP_TSTAMP_PRECISION_NANO);
  if (!impl_->p) impl_->fail(fmt::format("cannot create a pcap writer for link type {}", linktype));
  impl_->d = pcap_dump_open(impl_->p, path.c_str());
  if (!impl_->d) {
    std::string msg = pcap_geterr(impl_->p);
    if (msg.compare(0, path.size() + 2, path + ": ") == 0) msg.erase(0, path.size() + 2);
    impl_->fail(fmt::format("cannot write pcap: {}", msg));
  }
}

pcap_sink::~pcap_sink() = default;
pcap_sink::pcap_sink(pcap_sink&&) noexcept = default;
pcap_sink& pcap_sink::operator=(pcap_sink&&) noexcept = default;

void pcap_sink::write(sim_time ts, const std::uint8_t* data, std::uint32_t caplen,
                      std::uint32_t wire_len) {
  impl& m = *impl_;
  if (!m.d) m.fail("write after close");
  pcap_pkthdr h{};
  sim_time s = ts / ns_per_s, ns = ts % ns_per_s;
  if (ns < 0) { ns += ns_per_s; s -= 1; }
  h.ts.tv_sec = static_cast<decltype(h.ts.tv_sec)>(s);
  h.ts.tv_usec = static_cast<decltype(h.ts.tv_usec)>(ns);  // nanoseconds in a _NANO dumper
  h.caplen = caplen;
  h.len = wire_len;
  pcap_dump(reinterpret_cast<u_char*>(m.d), &h, data);
  if (std::ferror(pcap_dump_file(m.d))) m.fail(fmt::format("write error at frame {}", m.frames + 1));
  ++m.frames;
}

void pcap_sink::flush() {
  impl& m = *impl_;
  if (!m.d) return;
  if (pcap_dump_flush(m.d) != 0 || std::ferror(pcap_dump_file(m.d)))
    m.fail(fmt::format("write error: {}", std::strerror(errno)));
}

void pcap_sink::close() {
  impl& m = *impl_;
  if (!m.d) return;
  const bool bad = pcap_dump_flush(m.d) != 0 || std::ferror(pcap_dump_file(m.d));
  const int err = errno;
  m.release();
  if (bad) m.fail(fmt::format("write error: {}", std::strerror(err)));
}

std::uint64_t pcap_sink::frames() const { return impl_->frames; }
const std::string& pcap_sink::path() const { return impl_->path; }

}  // namespace sessim
