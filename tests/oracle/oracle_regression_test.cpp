// Kernel-oracle regression test: every tests/oracle/expected/<name>.csv holds the verdicts the
// real Linux conntrack (kernel 6.18, via ct-oracle) gave each frame of a capture with given
// settings. This test replays the same capture through the sessim CLI (`linux` preset,
// --cold-start, the recorded --set list) and asserts that every recorded frame gets the same
// verdict. Disagreements that are understood and reported (tests/oracle/known_differences.csv)
// are tolerated, but only with exactly the recorded sessim verdict; once sessim agrees with the
// kernel on such a frame the test fails until the line is removed, so the list stays true.
//
// How to re-record: tests/oracle/README.md.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "oracle/synth_captures.hpp"

namespace {

namespace fs = std::filesystem;

const fs::path kSourceDir = SESSIM_SOURCE_DIR;
const fs::path kSharedTraces = SESSIM_SHARED_TRACES;
const fs::path kExpectedDir = kSourceDir / "tests" / "oracle" / "expected";
const fs::path kKnownFile = kSourceDir / "tests" / "oracle" / "known_differences.csv";

// ------------------------------------------------------------------------------ SHA-256
// The expectation names the exact capture bytes it was recorded from; a regenerated trace
// with other bytes makes the expectation meaningless (skipped with a re-record hint).
class sha256 {
 public:
  void update(const unsigned char* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      buf_[len_++ % 64] = p[i];
      if (len_ % 64 == 0) block(buf_.data());
    }
  }
  std::string hex() {
    std::uint64_t bits = len_ * 8;
    unsigned char pad = 0x80;
    update(&pad, 1);
    unsigned char zero = 0;
    while (len_ % 64 != 56) update(&zero, 1);
    unsigned char l[8];
    for (int i = 0; i < 8; ++i) l[i] = static_cast<unsigned char>(bits >> (56 - 8 * i));
    update(l, 8);
    std::string out;
    char b[9];
    for (std::uint32_t v : h_) {
      std::snprintf(b, sizeof b, "%08x", v);
      out += b;
    }
    return out;
  }

 private:
  static std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
  void block(const unsigned char* p) {
    static constexpr std::uint32_t k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
    std::uint32_t w[64];
    for (int i = 0; i < 16; ++i)
      w[i] = std::uint32_t{p[4 * i]} << 24 | std::uint32_t{p[4 * i + 1]} << 16 |
             std::uint32_t{p[4 * i + 2]} << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; ++i) {
      std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4], f = h_[5], g = h_[6], h = h_[7];
    for (int i = 0; i < 64; ++i) {
      std::uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
      std::uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h_[0] += a; h_[1] += b; h_[2] += c; h_[3] += d; h_[4] += e; h_[5] += f; h_[6] += g; h_[7] += h;
  }
  std::array<std::uint32_t, 8> h_ = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::array<unsigned char, 64> buf_{};
  std::uint64_t len_ = 0;
};

std::string file_sha256(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  sha256 h;
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    h.update(reinterpret_cast<const unsigned char*>(buf.data()), static_cast<std::size_t>(in.gcount()));
  }
  return h.hex();
}

// ------------------------------------------------------------------------------ expectations
struct expectation {
  std::string name;                       // file stem
  std::map<std::string, std::string> meta;  // header fields: capture, sha256, settings, sessim, ...
  std::vector<std::pair<long, std::string>> frames;  // (frame, forward|drop)
};

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\n')) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

// "# capture=traces/x.pcap, sha256=..., settings=--loose 1 ..., sessim=k=v k=v, ..."
std::map<std::string, std::string> parse_header(const std::string& line) {
  std::map<std::string, std::string> m;
  std::string body = line.substr(line.find('#') + 1);
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t next = body.find(", ", pos);
    std::string field = trim(body.substr(pos, next == std::string::npos ? std::string::npos : next - pos));
    auto eq = field.find('=');
    if (eq != std::string::npos) m[field.substr(0, eq)] = field.substr(eq + 1);
    if (next == std::string::npos) break;
    pos = next + 2;
  }
  return m;
}

expectation load_expectation(const fs::path& p) {
  expectation e;
  e.name = p.stem().string();
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty()) continue;
    if (line[0] == '#') {
      if (e.meta.empty()) e.meta = parse_header(line);
      continue;
    }
    if (line.rfind("frame", 0) == 0) continue;
    auto comma = line.find(',');
    if (comma == std::string::npos) continue;
    e.frames.emplace_back(std::stol(line.substr(0, comma)), trim(line.substr(comma + 1)));
  }
  return e;
}

std::vector<std::string> expectation_names() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& de : fs::directory_iterator(kExpectedDir, ec))
    if (de.path().extension() == ".csv") out.push_back(de.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

// known_differences.csv: name,frame,sessim_verdict,issue   (issue: short id, see
// docs/kernel-fidelity.md)
struct known_difference {
  std::string sessim_verdict, issue;
};
std::map<std::pair<std::string, long>, known_difference> load_known() {
  std::map<std::pair<std::string, long>, known_difference> m;
  std::ifstream in(kKnownFile);
  std::string line;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line.rfind("name,", 0) == 0) continue;
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string x;
    while (std::getline(ss, x, ',')) f.push_back(trim(x));
    if (f.size() < 3) continue;
    m[{f[0], std::stol(f[1])}] = {f[2], f.size() > 3 ? f[3] : ""};
  }
  return m;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::vector<std::string> split_ws(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string x;
  while (ss >> x) out.push_back(x);
  return out;
}

class OracleRegression : public ::testing::TestWithParam<std::string> {};

TEST_P(OracleRegression, VerdictsMatchKernel) {
  const expectation e = load_expectation(kExpectedDir / (GetParam() + ".csv"));
  ASSERT_TRUE(e.meta.count("capture")) << "no '# capture=...' header in " << e.name;
  ASSERT_TRUE(e.meta.count("sessim")) << "no 'sessim=' settings in the header of " << e.name;
  ASSERT_FALSE(e.frames.empty()) << e.name << " records no frames";

  const std::string& cap = e.meta.at("capture");
  fs::path trace;
  std::unique_ptr<fs::path, void (*)(fs::path*)> synth_file(nullptr, [](fs::path* p) {
    std::error_code ec;
    fs::remove(*p, ec);
    delete p;
  });
  if (cap.rfind("synth:", 0) == 0) {
    const auto& gens = oracle_synth::all();
    auto g = gens.find(cap.substr(6));
    ASSERT_NE(g, gens.end()) << "unknown synthetic capture " << cap;
    trace = fs::temp_directory_path() / ("sessim-oracle-" + e.name + "-" + std::to_string(::getpid()) + ".pcap");
    synth_file.reset(new fs::path(trace));
    const auto pcap = g->second().pcap();
    std::ofstream(trace, std::ios::binary).write(reinterpret_cast<const char*>(pcap.data()),
                                                 static_cast<std::streamsize>(pcap.size()));
  } else if (cap.rfind("shared:", 0) == 0) {
    trace = kSharedTraces / cap.substr(7);
    if (!fs::exists(trace)) GTEST_SKIP() << "shared trace not available: " << trace;
  } else {
    trace = kSourceDir / cap;
    ASSERT_TRUE(fs::exists(trace)) << "project trace missing: " << trace;
  }
  if (e.meta.count("sha256") && file_sha256(trace) != e.meta.at("sha256"))
    GTEST_SKIP() << trace << " is not the capture " << e.name
                 << " was recorded from (sha256 differs): re-record it (tests/oracle/README.md)";

  // Run the CLI with the recorded settings.
  const fs::path out = fs::temp_directory_path() /
                       ("sessim-oracle-" + e.name + "-" + std::to_string(::getpid()) + ".csv");
  std::string cmd = shell_quote(SESSIM_BINARY) + " run " + shell_quote(trace.string()) +
                    " --preset linux --cold-start";
  for (const auto& kv : split_ws(e.meta.at("sessim"))) cmd += " --set " + shell_quote(kv);
  cmd += " --verdicts " + shell_quote(out.string()) + " -o /dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;

  std::map<long, std::pair<std::string, std::string>> got;  // frame -> (verdict, reason)
  {
    std::ifstream in(out);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::vector<std::string> f;
      std::stringstream ss(line);
      std::string x;
      while (std::getline(ss, x, ',')) f.push_back(x);
      if (f.size() >= 5) got[std::stol(f[0])] = {f[3], f[4]};
    }
  }
  fs::remove(out);

  const auto known = load_known();
  int agree = 0, tolerated = 0;
  for (const auto& [frame, kernel] : e.frames) {
    auto it = got.find(frame);
    ASSERT_NE(it, got.end()) << e.name << ": sessim printed no verdict for frame " << frame;
    const auto& [verdict, why] = it->second;
    auto kd = known.find({e.name, frame});
    if (verdict == kernel) {
      ++agree;
      EXPECT_EQ(kd, known.end()) << e.name << " frame " << frame << ": sessim now agrees with the kernel ("
                                 << kernel << "); known difference '" << kd->second.issue
                                 << "' is fixed: remove it from tests/oracle/known_differences.csv";
      continue;
    }
    if (kd != known.end() && kd->second.sessim_verdict == verdict) {
      ++tolerated;
      continue;
    }
    ADD_FAILURE() << e.name << " frame " << frame << ": kernel " << kernel << ", sessim " << verdict << " ("
                  << why << ")  [capture " << cap << ", settings " << e.meta.at("sessim") << "]";
  }
  RecordProperty("agree", agree);
  RecordProperty("known_differences", tolerated);
}

std::string param_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string s;
  for (char c : info.param) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return s;
}

INSTANTIATE_TEST_SUITE_P(Kernel, OracleRegression, ::testing::ValuesIn(expectation_names()), param_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(OracleRegression);

// The synthetic captures are deterministic (their expectations pin the sha256), and
// SESSIM_ORACLE_SYNTH_DIR=DIR writes them there for a kernel run (record_all.sh does this).
TEST(OracleSynth, Write) {
  for (const auto& [name, gen] : oracle_synth::all()) {
    const auto a = gen().pcap(), b = gen().pcap();
    EXPECT_EQ(a, b) << name << " is not deterministic";
    EXPECT_GT(a.size(), 24u) << name;
  }
  const char* dir = std::getenv("SESSIM_ORACLE_SYNTH_DIR");
  if (!dir || !*dir) GTEST_SKIP() << "set SESSIM_ORACLE_SYNTH_DIR to write the synthetic captures";
  fs::create_directories(dir);
  for (const auto& [name, gen] : oracle_synth::all()) {
    const auto pcap = gen().pcap();
    std::ofstream(fs::path(dir) / (name + ".pcap"), std::ios::binary)
        .write(reinterpret_cast<const char*>(pcap.data()), static_cast<std::streamsize>(pcap.size()));
  }
}

// The known-differences list may only name recorded expectations.
TEST(OracleRegressionList, KnownDifferencesNameRecordedFrames) {
  for (const auto& [key, kd] : load_known()) {
    const fs::path p = kExpectedDir / (key.first + ".csv");
    ASSERT_TRUE(fs::exists(p)) << "known_differences.csv names " << key.first << ", which has no expectation";
    const expectation e = load_expectation(p);
    bool found = false;
    for (const auto& f : e.frames) found = found || f.first == key.second;
    EXPECT_TRUE(found) << "known_differences.csv: " << key.first << " has no recorded frame " << key.second;
    EXPECT_TRUE(kd.sessim_verdict == "forward" || kd.sessim_verdict == "drop")
        << "known_differences.csv: bad sessim verdict '" << kd.sessim_verdict << "'";
  }
}

}  // namespace
