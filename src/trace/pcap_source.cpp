/// pcap_source: libpcap-backed frame reader, with a built-in pcapng fallback for files that mix
/// link types across interfaces (which libpcap 1.10 refuses).
#include "sessim/trace/pcap_source.hpp"

#include <pcap/pcap.h>

#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "sessim/core/error.hpp"

namespace sessim {

namespace {

__extension__ typedef __int128 i128;  ///< wide enough for ticks * 1e9

/// libpcap's errno messages already start with "path: "; avoid naming the file twice.
std::string strip_path(const std::string& path, std::string msg) {
  const std::string prefix = path + ": ";
  if (msg.compare(0, prefix.size(), prefix) == 0) msg.erase(0, prefix.size());
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) msg.pop_back();
  return msg;
}

/// True for the libpcap errors that mean "pcapng with per-interface differences".
bool is_mixed_interface_error(std::string_view msg) {
  return msg.find("different from the type of the first interface") != std::string_view::npos ||
         msg.find("different from the snapshot length of the first interface") !=
             std::string_view::npos;
}

/// The DLT_ value pcap_datalink() reports for a file's LINKTYPE_ value (Linux mapping).
int linktype_to_dlt(int lt) {
  switch (lt) {
    case 101: return DLT_RAW;
    case 50: return DLT_PPP_SERIAL;
    default: return lt;
  }
}

/**
 * Minimal pcapng reader: section header, interface description (link type, snaplen,
 * if_tsresol, if_tsoffset), enhanced / simple / obsolete packet blocks. Everything else is
 * skipped. Counts packets the way libpcap does, so it can take over mid-file.
 */
class pcapng_reader {
 public:
  pcapng_reader(const std::string& path) : path_(path) {
    f_ = std::fopen(path.c_str(), "rb");
    if (!f_) throw trace_error(fmt::format("{}: cannot reopen: {}", path, std::strerror(errno)));
  }
  ~pcapng_reader() {
    if (f_) std::fclose(f_);
  }
  pcapng_reader(const pcapng_reader&) = delete;
  pcapng_reader& operator=(const pcapng_reader&) = delete;

  /// Next packet; false at end of file. `frame` is used in error messages.
  bool next(raw_frame& out, std::uint64_t frame) {
    for (;;) {
      std::uint8_t hdr[8];
      std::size_t got = std::fread(hdr, 1, 8, f_);
      if (got == 0) return false;
      if (got < 8) fail(frame, "truncated pcapng block header");
      std::uint32_t type = load32(hdr);
      if (type == 0x0A0D0D0A) {
        // Section header: the byte-order magic decides how to read the rest.
        std::uint8_t magic[4];
        if (std::fread(magic, 1, 4, f_) != 4) fail(frame, "truncated section header");
        if (std::memcmp(magic, "\x1a\x2b\x3c\x4d", 4) == 0) swap_ = !big_endian_host();
        else if (std::memcmp(magic, "\x4d\x3c\x2b\x1a", 4) == 0) swap_ = big_endian_host();
        else fail(frame, "bad pcapng byte-order magic");
        std::uint32_t len = load32(hdr + 4);
        if (len < 28 || len % 4 != 0) fail(frame, "bad section header length");
        skip(len - 12, frame);
        ifaces_.clear();
        continue;
      }
      std::uint32_t len = load32(hdr + 4);
      if (len < 12 || len % 4 != 0) fail(frame, fmt::format("bad pcapng block length {}", len));
      body_.resize(len - 8);
      if (std::fread(body_.data(), 1, body_.size(), f_) != body_.size())
        fail(frame, fmt::format("truncated pcapng block; tried to read {} bytes", len));
      const std::uint8_t* b = body_.data();
      const std::size_t n = body_.size() - 4;  // without the trailing length
      switch (type) {
        case 1: {  // interface description
          if (n < 8) fail(frame, "short interface description block");
          iface i;
          i.linktype = load16(b);
          i.snaplen = load32(b + 4);
          for (std::size_t o = 8; o + 4 <= n;) {
            std::uint16_t code = load16(b + o), olen = load16(b + o + 2);
            if (code == 0) break;
            if (o + 4 + olen > n) break;
            if (code == 9 && olen == 1) {
              std::uint8_t r = b[o + 4];
              i.res_pow2 = (r & 0x80) != 0;
              i.res_exp = r & 0x7f;
            } else if (code == 14 && olen == 8) {
              i.offset_s = static_cast<std::int64_t>(load64(b + o + 4));
            }
            o += 4 + ((olen + 3u) & ~3u);
          }
          ifaces_.push_back(i);
          continue;
        }
        case 6:    // enhanced packet
        case 2: {  // obsolete packet
          if (n < 20) fail(frame, "short packet block");
          std::uint32_t id = type == 6 ? load32(b) : load16(b);
          if (id >= ifaces_.size())
            fail(frame, fmt::format("packet on interface {} without an interface description", id));
          const iface& i = ifaces_[id];
          std::uint64_t units = std::uint64_t{load32(b + 4)} << 32 | load32(b + 8);
          std::uint32_t cap = load32(b + 12), wire = load32(b + 16);
          if (cap > n - 20) fail(frame, fmt::format("captured length {} exceeds block", cap));
          out.ts = to_ns(i, units);
          out.caplen = cap;
          out.wire_len = wire;
          out.data = b + 20;
          out.linktype = linktype_to_dlt(i.linktype);
          return true;
        }
        case 3: {  // simple packet: interface 0, no timestamp
          if (n < 4) fail(frame, "short simple packet block");
          if (ifaces_.empty()) fail(frame, "simple packet block without an interface description");
          const iface& i = ifaces_[0];
          std::uint32_t wire = load32(b);
          std::uint32_t cap = wire;
          if (i.snaplen != 0 && cap > i.snaplen) cap = i.snaplen;
          if (cap > n - 4) cap = static_cast<std::uint32_t>(n - 4);
          out.ts = 0;
          out.caplen = cap;
          out.wire_len = wire;
          out.data = b + 4;
          out.linktype = linktype_to_dlt(i.linktype);
          return true;
        }
        default: continue;
      }
    }
  }

 private:
  struct iface {
    int linktype = 0;
    std::uint32_t snaplen = 0;
    bool res_pow2 = false;
    unsigned res_exp = 6;  // default microseconds
    std::int64_t offset_s = 0;
  };

  static bool big_endian_host() {
    const std::uint16_t one = 1;
    std::uint8_t b;
    std::memcpy(&b, &one, 1);
    return b == 0;
  }
  std::uint16_t load16(const std::uint8_t* p) const {
    std::uint16_t v;
    std::memcpy(&v, p, 2);
    return swap_ ? static_cast<std::uint16_t>(v >> 8 | v << 8) : v;
  }
  std::uint32_t load32(const std::uint8_t* p) const {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return swap_ ? __builtin_bswap32(v) : v;
  }
  std::uint64_t load64(const std::uint8_t* p) const {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return swap_ ? __builtin_bswap64(v) : v;
  }
  static sim_time to_ns(const iface& i, std::uint64_t units) {
    i128 ns;
    if (i.res_pow2) {
      ns = (static_cast<i128>(units) * 1'000'000'000) >> i.res_exp;
    } else if (i.res_exp <= 9) {
      i128 mul = 1;
      for (unsigned k = i.res_exp; k < 9; ++k) mul *= 10;
      ns = static_cast<i128>(units) * mul;
    } else {
      i128 div = 1;
      for (unsigned k = 9; k < i.res_exp; ++k) div *= 10;
      ns = static_cast<i128>(units) / div;
    }
    return static_cast<sim_time>(ns + static_cast<i128>(i.offset_s) * 1'000'000'000);
  }
  void skip(std::size_t n, std::uint64_t frame) {
    if (std::fseek(f_, static_cast<long>(n), SEEK_CUR) != 0) fail(frame, "truncated section header");
  }
  [[noreturn]] void fail(std::uint64_t frame, const std::string& msg) const {
    throw trace_error(fmt::format("{}: frame {}: {}", path_, frame, msg));
  }

  std::string path_;
  std::FILE* f_ = nullptr;
  bool swap_ = false;
  std::vector<iface> ifaces_;
  std::vector<std::uint8_t> body_;
};

}  // namespace

struct pcap_source::impl {
  std::string path;
  pcap_t* p = nullptr;
  std::unique_ptr<pcapng_reader> ng;  // set once libpcap gave up on a mixed-interface pcapng
  int linktype = 0;
  std::uint32_t snaplen = 0;
  std::uint64_t frames = 0;

  ~impl() {
    if (p) pcap_close(p);
  }

  /// next() when pcap_next_ex() returned rc != 1 for frame n: the end of the file, or an error
  /// (out of line, so that the per-frame path saves no registers for it).
  [[gnu::cold, gnu::noinline]] bool no_frame(pcap_source& self, raw_frame& f, int rc, std::uint64_t n) {
    if (rc == PCAP_ERROR_BREAK) {  // -2: end of file
      pcap_close(p);
      p = nullptr;
      return false;
    }
    std::string msg = strip_path(path, pcap_geterr(p));
    if (is_mixed_interface_error(msg)) {
      // libpcap refuses pcapng files whose interfaces differ; re-read with the built-in reader
      // and skip the frames already delivered.
      pcap_close(p);
      p = nullptr;
      ng = std::make_unique<pcapng_reader>(path);
      for (std::uint64_t i = 1; i < n; ++i) {
        if (!ng->next(f, i)) throw trace_error(fmt::format("{}: frame {}: {}", path, i, msg));
      }
      return self.next(f);
    }
    throw trace_error(fmt::format("{}: frame {}: {}", path, n, msg));
  }
};

pcap_source::pcap_source(const std::string& path) : impl_(std::make_unique<impl>()) {
  impl_->path = path;
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  impl_->p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO,
                                                      errbuf);
  if (!impl_->p) {
    throw trace_error(fmt::format("{}: cannot open trace: {}", path, strip_path(path, errbuf)));
  }
  impl_->linktype = pcap_datalink(impl_->p);
  impl_->snaplen = static_cast<std::uint32_t>(pcap_snapshot(impl_->p));
}

pcap_source::~pcap_source() = default;
pcap_source::pcap_source(pcap_source&&) noexcept = default;
pcap_source& pcap_source::operator=(pcap_source&&) noexcept = default;

int pcap_source::linktype() const { return impl_->linktype; }
std::uint32_t pcap_source::snaplen() const { return impl_->snaplen; }
const std::string& pcap_source::path() const { return impl_->path; }
std::uint64_t pcap_source::frames() const { return impl_->frames; }

bool pcap_source::next(raw_frame& f) {
  impl& m = *impl_;
  const std::uint64_t n = m.frames + 1;
  if (m.ng) {
    if (!m.ng->next(f, n)) return false;
    f.frame = n;
    m.frames = n;
    return true;
  }
  if (!m.p) return false;
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  const int rc = pcap_next_ex(m.p, &h, &data);
  if (rc != 1) [[unlikely]] return m.no_frame(*this, f, rc, n);
  f.frame = n;
  f.ts = static_cast<sim_time>(h->ts.tv_sec) * ns_per_s + static_cast<sim_time>(h->ts.tv_usec);
  f.caplen = h->caplen;
  f.wire_len = h->len;
  f.data = data;
  // Newer libpcap may report a per-packet link type; 1.10 keeps the file's.
  f.linktype = pcap_datalink(m.p);
  m.frames = n;
  return true;
}

}  // namespace sessim
