// pcap_source / pcap_sink / trace_reader: round trips through real files, damaged files, pcapng
// with per-interface link types, reader counters.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sessim/core/error.hpp"
#include "sessim/trace/decode.hpp"
#include "sessim/trace/pcap_sink.hpp"
#include "sessim/trace/pcap_source.hpp"
#include "sessim/trace/trace_reader.hpp"

using namespace sessim;
namespace fs = std::filesystem;

namespace {

using bytes = std::vector<std::uint8_t>;

/// A scratch directory removed at the end of the test.
class temp_dir {
 public:
  temp_dir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("sessim-trace-" + std::to_string(::getpid()) + "-" + info->test_suite_name() + "-" +
             info->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

/// Ethernet + IPv4 + TCP frame with `payload` bytes of data.
bytes tcp_frame(std::uint16_t sport, std::uint16_t dport, std::uint8_t flags, std::size_t payload = 0) {
  bytes f = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00};
  const std::size_t tot = 40 + payload;
  bytes ip = {0x45, 0, static_cast<std::uint8_t>(tot >> 8), static_cast<std::uint8_t>(tot), 0, 1, 0x40, 0, 64, 6, 0, 0,
              10, 0, 0, 1, 10, 0, 0, 2};
  bytes tcp = {static_cast<std::uint8_t>(sport >> 8), static_cast<std::uint8_t>(sport),
               static_cast<std::uint8_t>(dport >> 8), static_cast<std::uint8_t>(dport),
               0, 0, 0, 1, 0, 0, 0, 0, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0};
  f.insert(f.end(), ip.begin(), ip.end());
  f.insert(f.end(), tcp.begin(), tcp.end());
  f.resize(f.size() + payload, 0x61);
  return f;
}
bytes arp_frame() {
  bytes f = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 6, 7, 8, 9, 10, 11, 0x08, 0x06};
  f.resize(42, 0);
  return f;
}

void write_frames(const std::string& path, int lt, const std::vector<std::pair<sim_time, bytes>>& frames) {
  pcap_sink sink(path, lt);
  for (const auto& [ts, f] : frames)
    sink.write(ts, f.data(), static_cast<std::uint32_t>(f.size()), static_cast<std::uint32_t>(f.size()));
  sink.close();
}

void append(const std::string& path, const bytes& b) {
  std::ofstream o(path, std::ios::binary | std::ios::app);
  o.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}
bytes le32(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
          static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)};
}
bytes le16(std::uint16_t v) { return {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8)}; }
bytes operator+(bytes a, const bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// pcapng blocks, little-endian.
bytes shb() {
  return le32(0x0A0D0D0A) + le32(28) + le32(0x1A2B3C4D) + le16(1) + le16(0) + le32(0xffffffff) +
         le32(0xffffffff) + le32(28);
}
bytes idb(std::uint16_t linktype, std::uint32_t snaplen, int tsresol = -1) {
  bytes opts;
  if (tsresol >= 0) opts = le16(9) + le16(1) + bytes{static_cast<std::uint8_t>(tsresol), 0, 0, 0} + le32(0);
  const std::uint32_t len = 20 + static_cast<std::uint32_t>(opts.size());
  return le32(1) + le32(len) + le16(linktype) + le16(0) + le32(snaplen) + opts + le32(len);
}
bytes epb(std::uint32_t iface, std::uint64_t units, const bytes& data) {
  bytes padded = data;
  padded.resize((data.size() + 3) & ~std::size_t{3}, 0);
  const std::uint32_t len = 32 + static_cast<std::uint32_t>(padded.size());
  return le32(6) + le32(len) + le32(iface) + le32(static_cast<std::uint32_t>(units >> 32)) +
         le32(static_cast<std::uint32_t>(units)) + le32(static_cast<std::uint32_t>(data.size())) +
         le32(static_cast<std::uint32_t>(data.size())) + padded + le32(len);
}
bytes raw_udp6() {
  bytes ip = {0x60, 0, 0, 0, 0, 8, 17, 64};
  for (int i = 0; i < 15; ++i) ip.push_back(0);
  ip.push_back(1);
  for (int i = 0; i < 15; ++i) ip.push_back(0);
  ip.push_back(2);
  bytes u = {0x13, 0x88, 0x00, 0x35, 0, 8, 0, 0};
  return ip + u;
}

}  // namespace

TEST(pcap_io, round_trip_keeps_nanoseconds) {
  temp_dir dir;
  const std::string path = dir.file("rt.pcap");
  const bytes a = tcp_frame(1000, 80, 0x02), b = tcp_frame(80, 1000, 0x12, 3);
  {
    pcap_sink sink(path, linktype::ethernet);
    sink.write(1'700'000'000'123'456'789, a.data(), static_cast<std::uint32_t>(a.size()),
               static_cast<std::uint32_t>(a.size()));
    sink.write(1'700'000'000'123'456'790, b.data(), 20, static_cast<std::uint32_t>(b.size()));
    sink.write(5, a.data(), static_cast<std::uint32_t>(a.size()), static_cast<std::uint32_t>(a.size()));
    EXPECT_EQ(sink.frames(), 3u);
    sink.close();
  }
  pcap_source src(path);
  EXPECT_EQ(src.linktype(), linktype::ethernet);
  EXPECT_EQ(src.path(), path);
  raw_frame f;
  ASSERT_TRUE(src.next(f));
  EXPECT_EQ(f.frame, 1u);
  EXPECT_EQ(f.ts, 1'700'000'000'123'456'789);
  EXPECT_EQ(f.caplen, a.size());
  EXPECT_EQ(f.wire_len, a.size());
  EXPECT_EQ(f.linktype, linktype::ethernet);
  EXPECT_EQ(0, std::memcmp(f.data, a.data(), a.size()));
  ASSERT_TRUE(src.next(f));
  EXPECT_EQ(f.frame, 2u);
  EXPECT_EQ(f.ts, 1'700'000'000'123'456'790);
  EXPECT_EQ(f.caplen, 20u);
  EXPECT_EQ(f.wire_len, b.size());
  ASSERT_TRUE(src.next(f));
  EXPECT_EQ(f.ts, 5);
  EXPECT_FALSE(src.next(f));
  EXPECT_FALSE(src.next(f));
  EXPECT_EQ(src.frames(), 3u);

  // The file really is a nanosecond pcap (magic a1b23c4d, little-endian on disk here).
  std::ifstream in(path, std::ios::binary);
  unsigned char magic[4];
  in.read(reinterpret_cast<char*>(magic), 4);
  const std::uint32_t m = magic[0] | magic[1] << 8 | magic[2] << 16 | std::uint32_t{magic[3]} << 24;
  EXPECT_TRUE(m == 0xa1b23c4d || m == 0x4d3cb2a1);
}

TEST(pcap_io, raw_linktype_round_trip) {
  temp_dir dir;
  for (int lt : {linktype::raw, linktype::raw_dlt}) {
    const std::string path = dir.file("raw" + std::to_string(lt) + ".pcap");
    write_frames(path, lt, {{10, raw_udp6()}});
    trace_reader r(path);
    EXPECT_EQ(r.linktype(), linktype::raw_dlt);
    packet_view p;
    skip_reason why;
    ASSERT_TRUE(r.next(p, why));
    EXPECT_EQ(why, skip_reason::none);
    EXPECT_EQ(p.key.sport, 5000);
    EXPECT_EQ(p.key.dport, 53);
    EXPECT_TRUE(p.key.src.v6);
  }
}

TEST(pcap_io, truncated_record_names_file_and_frame) {
  temp_dir dir;
  const std::string path = dir.file("cut.pcap");
  write_frames(path, linktype::ethernet, {{1, tcp_frame(1, 2, 2)}, {2, tcp_frame(2, 1, 0x12)}});
  // Third record claims 1514 captured bytes but only 200 follow.
  append(path, le32(3) + le32(0) + le32(1514) + le32(1514) + bytes(200, 0xee));
  pcap_source src(path);
  raw_frame f;
  ASSERT_TRUE(src.next(f));
  ASSERT_TRUE(src.next(f));
  try {
    src.next(f);
    FAIL() << "no error";
  } catch (const trace_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("frame 3"), std::string::npos) << msg;
    EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    EXPECT_EQ(e.exit_code(), 4);
  }
}

TEST(pcap_io, garbage_record_names_file_and_frame) {
  temp_dir dir;
  const std::string path = dir.file("garbage.pcap");
  write_frames(path, linktype::ethernet, {});
  append(path, le32(1) + le32(0) + le32(0xfffffff0u) + le32(60) + bytes(40, 0x99));
  trace_reader r(path);
  packet_view p;
  skip_reason why;
  try {
    r.next(p, why);
    FAIL() << "no error";
  } catch (const trace_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("frame 1"), std::string::npos) << msg;
  }
}

TEST(pcap_io, open_errors_name_the_file) {
  temp_dir dir;
  const std::string missing = dir.file("missing.pcap");
  try {
    pcap_source s(missing);
    FAIL() << "no error";
  } catch (const trace_error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.find(missing), 0u) << msg;
    EXPECT_EQ(msg.find(missing, 1), std::string::npos) << msg;  // named once
  }
  const std::string text = dir.file("notes.txt");
  append(text, bytes(64, 'x'));
  try {
    pcap_source s(text);
    FAIL() << "no error";
  } catch (const trace_error& e) {
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
  const std::string empty = dir.file("empty.pcap");
  append(empty, {});
  EXPECT_THROW(pcap_source s(empty), trace_error);
}

TEST(pcap_io, sink_errors_name_the_file) {
  temp_dir dir;
  const std::string bad = dir.file("no/such/dir/out.pcap");
  try {
    pcap_sink s(bad, linktype::ethernet);
    FAIL() << "no error";
  } catch (const output_error& e) {
    EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    EXPECT_EQ(e.exit_code(), 5);
  }
}

TEST(pcap_io, pcapng_nanosecond_interface) {
  temp_dir dir;
  const std::string path = dir.file("ns.pcapng");
  append(path, shb() + idb(1, 65535, 9) + epb(0, 1'234'567'890'123'456'789ULL, tcp_frame(1, 2, 2)));
  pcap_source src(path);
  raw_frame f;
  ASSERT_TRUE(src.next(f));
  EXPECT_EQ(f.ts, 1'234'567'890'123'456'789);
  EXPECT_EQ(f.linktype, linktype::ethernet);
  EXPECT_FALSE(src.next(f));
}

TEST(pcap_io, pcapng_interfaces_with_different_link_types) {
  // libpcap 1.10 refuses a second interface with another link type; the source carries on with
  // its own pcapng reader and gives each frame its interface's link type.
  temp_dir dir;
  const std::string path = dir.file("mixed.pcapng");
  const bytes eth = tcp_frame(1111, 80, 0x02);
  append(path, shb() + idb(1, 65535) + epb(0, 1'000'000, eth) +   // 1 s in microseconds
                   idb(101, 65535, 9) + epb(1, 2'000'000'123ULL, raw_udp6()) +
                   epb(0, 3'000'001, eth));
  {
    pcap_source src(path);
    EXPECT_EQ(src.linktype(), linktype::ethernet);
    raw_frame f;
    ASSERT_TRUE(src.next(f));
    EXPECT_EQ(f.frame, 1u);
    EXPECT_EQ(f.linktype, linktype::ethernet);
    EXPECT_EQ(f.ts, 1'000'000'000);
    ASSERT_TRUE(src.next(f));
    EXPECT_EQ(f.frame, 2u);
    EXPECT_EQ(f.linktype, linktype::raw_dlt);
    EXPECT_EQ(f.ts, 2'000'000'123);
    EXPECT_EQ(f.caplen, raw_udp6().size());
    ASSERT_TRUE(src.next(f));
    EXPECT_EQ(f.frame, 3u);
    EXPECT_EQ(f.linktype, linktype::ethernet);
    EXPECT_EQ(f.ts, 3'000'001'000);
    EXPECT_EQ(0, std::memcmp(f.data, eth.data(), eth.size()));
    EXPECT_FALSE(src.next(f));
  }
  trace_reader r(path);
  packet_view p;
  skip_reason why;
  std::vector<std::uint16_t> dports;
  while (r.next(p, why)) {
    ASSERT_EQ(why, skip_reason::none) << p.frame;
    dports.push_back(p.key.dport);
  }
  EXPECT_EQ(dports, (std::vector<std::uint16_t>{80, 53, 80}));
  EXPECT_EQ(r.stats().parsed, 3u);
}

TEST(pcap_io, pcapng_interfaces_with_different_snaplens) {
  temp_dir dir;
  const std::string path = dir.file("snaplens.pcapng");
  append(path, shb() + idb(1, 65535) + idb(1, 128) + epb(1, 5, tcp_frame(1, 2, 2)) +
                   epb(0, 6, tcp_frame(3, 4, 2)));
  pcap_source src(path);
  raw_frame f;
  ASSERT_TRUE(src.next(f));
  EXPECT_EQ(f.frame, 1u);
  EXPECT_EQ(f.ts, 5000);
  ASSERT_TRUE(src.next(f));
  EXPECT_EQ(f.frame, 2u);
  EXPECT_EQ(f.ts, 6000);
  EXPECT_FALSE(src.next(f));
}

TEST(trace_reader, counts_and_clamps_backwards_time) {
  temp_dir dir;
  const std::string path = dir.file("counts.pcap");
  const bytes syn = tcp_frame(1000, 80, 0x02), data = tcp_frame(1000, 80, 0x18, 100);
  {
    pcap_sink sink(path, linktype::ethernet);
    sink.write(1'000'000'001, syn.data(), static_cast<std::uint32_t>(syn.size()),
               static_cast<std::uint32_t>(syn.size()));
    const bytes arp = arp_frame();
    sink.write(1'000'000'000, arp.data(), static_cast<std::uint32_t>(arp.size()),
               static_cast<std::uint32_t>(arp.size()));  // 1 ns backwards
    sink.write(900'000'000, data.data(), 54, static_cast<std::uint32_t>(data.size()));  // headers only
    sink.write(2'000'000'005, syn.data(), 20, static_cast<std::uint32_t>(syn.size()));  // cut in IP
    sink.close();
  }
  trace_reader r(path);
  packet_view p;
  skip_reason why;
  ASSERT_TRUE(r.next(p, why));
  EXPECT_EQ(why, skip_reason::none);
  EXPECT_EQ(p.frame, 1u);
  EXPECT_EQ(p.ts, 1'000'000'001);
  EXPECT_EQ(r.first_ts(), 1'000'000'001);
  ASSERT_TRUE(r.next(p, why));
  EXPECT_EQ(why, skip_reason::not_ip);
  EXPECT_EQ(p.frame, 2u);
  EXPECT_EQ(p.ts, 1'000'000'001);  // clamped
  EXPECT_EQ(p.wire_len, 42u);
  ASSERT_TRUE(r.next(p, why));
  EXPECT_EQ(why, skip_reason::none);
  EXPECT_EQ(p.ts, 1'000'000'001);  // clamped
  EXPECT_TRUE(p.truncated);
  EXPECT_EQ(p.payload_len, 100u);
  ASSERT_TRUE(r.next(p, why));
  EXPECT_EQ(why, skip_reason::truncated_ip);
  EXPECT_EQ(p.frame, 4u);
  EXPECT_EQ(p.ts, 2'000'000'005);
  EXPECT_EQ(p.wire_len, 54u);
  EXPECT_FALSE(r.next(p, why));

  const trace_stats& s = r.stats();
  EXPECT_EQ(s.frames, 4u);
  EXPECT_EQ(s.parsed, 2u);
  EXPECT_EQ(s.skipped_total(), 2u);
  EXPECT_EQ(s.skipped_for(skip_reason::not_ip), 1u);
  EXPECT_EQ(s.skipped_for(skip_reason::truncated_ip), 1u);
  EXPECT_EQ(s.truncated, 2u);
  EXPECT_EQ(s.time_backwards, 2u);
  EXPECT_EQ(s.first_ts, 1'000'000'001);
  EXPECT_EQ(s.last_ts, 2'000'000'005);
  EXPECT_EQ(s.frames, s.parsed + s.skipped_total());
}

TEST(trace_reader, empty_file) {
  temp_dir dir;
  const std::string path = dir.file("empty.pcap");
  write_frames(path, linktype::linux_sll, {});
  trace_reader r(path);
  packet_view p;
  skip_reason why;
  EXPECT_FALSE(r.next(p, why));
  EXPECT_EQ(r.stats().frames, 0u);
  EXPECT_FALSE(r.stats().has_first);
  EXPECT_EQ(r.linktype(), linktype::linux_sll);
}
