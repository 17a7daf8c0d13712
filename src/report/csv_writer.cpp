// CSV report: one row per connection, streamed.
#include <fmt/compile.h>
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <string_view>

#include "report/writers.hpp"

namespace sessim::report {

namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string o = "\"";
  for (char ch : s) { if (ch == '"') o += '"'; o += ch; }
  return o + "\"";
}

class csv_writer final : public writer {
 public:
  csv_writer(std::ostream& out, const run_info& info) : out_(out), info_(info) {
    out_.buf().append(std::string_view("id,proto,client,server,first_frame,last_frame,first_time,last_time,client_pkts,server_pkts,"
            "client_bytes,server_bytes,conn_state,history,warm_start,broken,break_frame,break_time,cause,"
            "device,reason,experience,experience_time,idle_gap,fix_key,timeout_above,keepalive_below\n"));
  }
  void on_connection(const connection& c) override {
    const auto& b = c.brk;
    auto secs = [](sim_time t) { return t < 0 ? std::string() : format_seconds(t); };
    fmt::memory_buffer& buf = out_.buf();
    fmt::appender it(buf);  // compiled formats into the block buffer
    fmt::format_to(it, FMT_COMPILE("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},"), c.id, proto_name(c.proto()),
               csv_field(c.client()), csv_field(c.server()), c.first_frame, c.last_frame,
               rel(info_, c.first_ts), rel(info_, c.last_ts), c.pkts[0], c.pkts[1], c.bytes[0], c.bytes[1],
               c.conn_state(), c.history.str(), c.warm ? 1 : 0, c.broken ? 1 : 0);
    if (!c.broken) {
      buf.append(std::string_view(",,,,,,,,,,\n"));
    } else {
      fmt::format_to(it, FMT_COMPILE("{},{},{},{},{},{},{},{},{},{},{}\n"), b.frame ? std::to_string(b.frame) : "",
               rel(info_, b.time), cause_name(b.cause), csv_field(b.device), reason_name(b.why),
               experience_name(b.exp), rel(info_, b.exp_time), secs(b.idle_gap), b.fix_key,
               secs(b.timeout_above), secs(b.keepalive_below));
    }
    out_.row_done();
  }
  void end(const run_summary&) override { out_.finish(); }

 private:
  block_output out_;
  const run_info& info_;
};

}  // namespace

std::unique_ptr<writer> make_csv_writer(std::ostream& out, const run_info& info) {
  return std::make_unique<csv_writer>(out, info);
}

}  // namespace sessim::report
