#pragma once
// Running the sessim binary from tests: exit code and output, file contents, golden files.
// SESSIM_SOURCE_DIR and SESSIM_BINARY come from tests/CMakeLists.txt; SESSIM_UPDATE_GOLDEN=1
// rewrites golden files instead of comparing.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace sessim::test {

struct run_result {
  int code = -1;     ///< exit status (-1: did not exit normally)
  std::string out;   ///< what the command wrote to the pipe
};

/// Runs a shell command and collects its standard output.
inline run_result shell(const std::string& cmd) {
  run_result r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[65536];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

/// Runs `sessim ARGS REDIRECT` from the source directory.
inline run_result sessim_cli(const std::string& args, const std::string& redirect = "2>&1") {
  return shell(std::string("cd '") + SESSIM_SOURCE_DIR + "' && '" + SESSIM_BINARY + "' " + args + " " + redirect);
}

/// A whole file (empty when it cannot be read).
inline std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

/// Occurrences of `what` in `s` (overlapping ones too).
inline std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t i = s.find(what); i != std::string::npos; i = s.find(what, i + 1)) ++n;
  return n;
}

/// Compares `actual` with tests/golden/NAME (or rewrites it with SESSIM_UPDATE_GOLDEN=1).
inline void check_golden(const std::string& name, const std::string& actual) {
  const std::string path = std::string(SESSIM_SOURCE_DIR) + "/tests/golden/" + name;
  if (std::getenv("SESSIM_UPDATE_GOLDEN")) {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  ASSERT_TRUE(std::ifstream(path).good()) << "missing golden file " << path << " (run with SESSIM_UPDATE_GOLDEN=1)";
  EXPECT_EQ(slurp(path), actual) << "golden mismatch: " << name;
}

}  // namespace sessim::test
