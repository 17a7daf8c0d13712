#pragma once
/// Hosts and conversations: a `network` of hosts behind one capture point, and `tcp_flow`,
/// which keeps both ends' sequence numbers, windows and timestamps so every segment is what a
/// Linux stack would send.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "packet_build.hpp"
#include "pcap_out.hpp"
#include "util.hpp"

namespace sessim::tracegen {

/// One end host as seen at the capture point.
struct host {
  ip_addr ip;
  mac_addr mac{};
  bool client_side = true;    ///< on the capture's LAN (its frames carry its own MAC)
  std::uint8_t ttl = 64;      ///< TTL/hop limit its packets have at the capture point
  std::uint16_t ip_id = 0;    ///< next IPv4 identification
  std::uint32_t ts_base = 0;  ///< TCP timestamp clock offset (ms)
};

/// The hosts of one scenario and the frame sink they send into.
class network {
 public:
  /// Hosts draw their random values from `seed` (stream per address).
  network(frame_sink& sink, std::uint64_t seed) : sink_(sink), seed_(seed) {}
  /// The host with address `ip`, created on first use; `client_side` hosts are on the LAN,
  /// others behind the gateway (their frames carry the gateway MAC, TTL 56 / hop limit 56).
  host& at(std::string_view ip, bool client_side);
  /// The sink frames go to.
  frame_sink& sink() { return sink_; }
  /// The global seed.
  std::uint64_t seed() const { return seed_; }
  /// Wraps and records an IP packet from `from` to `to`.
  void send_ip(sim_time t, const host& from, const host& to, std::span<const std::uint8_t> ip_pkt);
  /// Builds and sends one IP packet carrying `l4` (checksum computed).
  void send(sim_time t, host& from, host& to, std::uint8_t proto, bytes l4, bool df = true,
            bool hop_by_hop = false, std::uint32_t flow_label = 0);
  /// IP fields for a packet from `from` to `to` (consumes one IPv4 identification).
  ip_fields fields(host& from, host& to, bool df = true);

 private:
  frame_sink& sink_;
  std::uint64_t seed_;
  std::map<ip_addr, std::unique_ptr<host>> hosts_;
};

/// Which end of a conversation.
enum class side : std::uint8_t { client, server };

/// One TCP connection between a client and a server host.
class tcp_flow {
 public:
  /// Initial sequence numbers are drawn from the seed unless given.
  struct params {
    std::uint16_t cport = 0, sport = 0;   ///< 0: ephemeral client port / required server port
    std::optional<std::uint32_t> cisn, sisn;
    std::string name = "tcp";             ///< random stream name (distinct per flow)
  };
  tcp_flow(network& net, host& client, host& server, params p);

  /// Client SYN (a retransmission when called again before syn_ack).
  void syn(sim_time t);
  /// Server SYN/ACK.
  void syn_ack(sim_time t);
  /// SYN, SYN/ACK after rtt/2... as seen near the client: SYN at t, SYN/ACK at t+rtt, ACK at
  /// t+rtt+ack_delay. Returns the time of the final ACK.
  sim_time handshake(sim_time t, sim_time rtt);
  /// A data segment (ACK|PSH unless `flags` given) of `payload` from `from`, acking all received.
  void send(side from, sim_time t, std::span<const std::uint8_t> payload,
            std::uint8_t flags = 0x18);
  /// A data segment of `len` random bytes.
  void send(side from, sim_time t, std::size_t len, std::uint8_t flags = 0x18);
  /// A data segment with ASCII text.
  void send_text(side from, sim_time t, std::string_view text);
  /// A pure ACK.
  void ack(side from, sim_time t);
  /// FIN|ACK (consumes one sequence number).
  void fin(side from, sim_time t);
  /// RST|ACK (with_ack) or RST with the current sequence number.
  void rst(side from, sim_time t, bool with_ack = true);
  /// Resends the last data segment `from` sent (same sequence number and bytes).
  void retransmit(side from, sim_time t);
  /// A segment with explicit flags and payload at the current sequence numbers; advances the
  /// sequence by the payload (+1 for SYN/FIN) only when `advance`.
  void custom(side from, sim_time t, std::uint8_t flags, std::span<const std::uint8_t> payload,
              bool advance);
  /// Marks the next segment to carry an IPv6 hop-by-hop header.
  void hop_by_hop_next() { hbh_next_ = true; }
  /// Next sequence number of one side.
  std::uint32_t nxt(side s) const { return end(s).nxt; }
  /// Initial sequence number of one side.
  std::uint32_t isn(side s) const { return end(s).isn; }
  /// Port of one side.
  std::uint16_t port(side s) const { return end(s).port; }

 private:
  struct end_state {
    host* h = nullptr;
    std::uint16_t port = 0;
    std::uint32_t isn = 0, nxt = 0;
    std::uint16_t mss = 1460;
    std::uint8_t wscale = 7;
    std::uint16_t win = 502;         ///< scaled window field after the handshake
    std::uint32_t last_tsval = 0;    ///< last TSval this end sent
    std::uint32_t flow_label = 0;
    bytes last_payload;
    std::uint32_t last_seq = 0;
    std::uint8_t last_flags = 0;
  };
  end_state& end(side s) { return s == side::client ? c_ : s_; }
  const end_state& end(side s) const { return s == side::client ? c_ : s_; }
  end_state& peer(side s) { return s == side::client ? s_ : c_; }
  std::uint32_t tsval(const end_state& e, sim_time t) const;
  void emit(side from, sim_time t, const tcp_fields& f, std::span<const std::uint8_t> payload);

  network& net_;
  rng rng_;
  end_state c_, s_;
  bool hbh_next_ = false;
};

/// Builds a DNS query (`answer` empty) or response with one A/AAAA answer.
bytes dns_message(std::uint16_t id, std::string_view name, bool v6, const ip_addr* answer);
/// A TXT query (`size` 0) or a TXT response of about `size` bytes (EDNS-sized, gets fragmented).
bytes dns_txt(std::uint16_t id, std::string_view name, std::size_t size);

}  // namespace sessim::tracegen
