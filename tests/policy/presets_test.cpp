// Presets: every registered preset is complete and findable, and key values match their
// documented sources (docs/presets.md).
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "sessim/policy/presets/all.hpp"

namespace sessim {
namespace {

using S = timeout_slot;

device_config make(std::string_view name) { return find_preset(name).make(); }

TEST(Presets, EveryPresetHasANameProductAndSource) {
  std::set<std::string_view> names;
  for (const auto& p : all_presets()) {
    SCOPED_TRACE(std::string(p.name));
    EXPECT_FALSE(p.name.empty());
    EXPECT_FALSE(p.product.empty());
    EXPECT_FALSE(p.source.empty());
    ASSERT_NE(p.make, nullptr);
    EXPECT_TRUE(names.insert(p.name).second) << "duplicate preset name";
  }
}

TEST(Presets, AllExpectedPresetsAreRegistered) {
  for (std::string_view n : {"linux", "pf", "ipvs", "cisco-asa", "panos", "fortigate", "srx", "cilium",
                             "aws-sg", "aws-nlb", "azure-lb", "f5"}) {
    SCOPED_TRACE(std::string(n));
    EXPECT_NO_THROW(find_preset(n));
  }
}

TEST(Presets, AllTimeoutsArePositive) {
  for (const auto& p : all_presets()) {
    const device_config c = p.make();
    for (std::size_t i = 0; i < timeout_slot_count; ++i) {
      auto slot = static_cast<timeout_slot>(i);
      EXPECT_GT(c.timeout(slot), 0) << p.name << " " << timeout_key(slot);
    }
  }
}

TEST(Presets, ConfigCarriesItsPresetName) {
  for (const auto& p : all_presets()) EXPECT_EQ(p.make().preset, p.name);
}

TEST(Presets, FindPresetReturnsTheRegisteredEntry) {
  for (const auto& p : all_presets()) {
    const preset_info& found = find_preset(p.name);
    EXPECT_EQ(found.name, p.name);
    EXPECT_EQ(found.make, p.make);
  }
}

TEST(Presets, UnknownNameThrowsConfigError) {
  EXPECT_THROW(find_preset("no-such-product"), config_error);
  EXPECT_THROW(find_preset(""), config_error);
  EXPECT_THROW(find_preset("PF"), config_error);  // names are case-sensitive
  try {
    find_preset("nope");
    FAIL() << "expected config_error";
  } catch (const config_error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("nope"), std::string::npos);
    EXPECT_NE(msg.find("cisco-asa"), std::string::npos) << "message lists the known presets";
  }
}

// Products without conntrack's unacknowledged / max-retrans timers must never shorten a session.
TEST(Presets, NonLinuxPresetsNeverShortenOnRetransmissions) {
  for (const auto& p : all_presets()) {
    if (p.name == "linux") continue;
    const device_config c = p.make();
    SCOPED_TRACE(std::string(p.name));
    EXPECT_EQ(c.timeout(S::tcp_unacknowledged), c.timeout(S::tcp_established));
    EXPECT_EQ(c.timeout(S::tcp_max_retrans), c.timeout(S::tcp_established));
  }
}

TEST(Presets, Pf) {
  auto c = make("pf");
  EXPECT_EQ(c.timeout(S::tcp_established), seconds(86400));  // PFTM_TCP_ESTABLISHED_VAL 24*60*60
  EXPECT_EQ(c.timeout(S::tcp_syn_sent), seconds(120));       // tcp.first
  EXPECT_EQ(c.timeout(S::tcp_syn_recv), seconds(30));        // tcp.opening
  EXPECT_EQ(c.timeout(S::tcp_fin_wait), seconds(900));       // tcp.closing
  EXPECT_EQ(c.timeout(S::tcp_last_ack), seconds(45));        // tcp.finwait
  EXPECT_EQ(c.timeout(S::tcp_close), seconds(90));           // tcp.closed
  EXPECT_EQ(c.timeout(S::udp_stream), seconds(60));          // udp.multiple
  EXPECT_EQ(c.timeout(S::icmp), seconds(20));                // icmp.first
  EXPECT_EQ(c.no_session, no_session_policy::drop);
  EXPECT_TRUE(c.syn_only);
  EXPECT_FALSE(c.be_liberal);
  EXPECT_EQ(c.capacity, 100000u);
  EXPECT_EQ(c.table_full, table_full_policy::drop_new);
}

TEST(Presets, Ipvs) {
  auto c = make("ipvs");
  EXPECT_EQ(c.timeout(S::tcp_established), seconds(900));  // ipvsadm --set tcp
  EXPECT_EQ(c.timeout(S::tcp_fin_wait), seconds(120));     // tcpfin
  EXPECT_EQ(c.timeout(S::udp_unreplied), seconds(300));    // udp
  EXPECT_EQ(c.timeout(S::udp_stream), seconds(300));
  EXPECT_EQ(c.timeout(S::tcp_close), seconds(10));
  EXPECT_EQ(c.no_session, no_session_policy::reject);
  EXPECT_TRUE(c.be_liberal);
  EXPECT_EQ(c.capacity, 0u);
}

TEST(Presets, CiscoAsa) {
  auto c = make("cisco-asa");
  EXPECT_EQ(c.timeout(S::tcp_established), seconds(3600));  // timeout conn 1:00:00
  EXPECT_EQ(c.timeout(S::tcp_syn_sent), seconds(30));       // embryonic 0:00:30
  EXPECT_EQ(c.timeout(S::tcp_fin_wait), seconds(600));      // half-closed 0:10:00
  EXPECT_EQ(c.timeout(S::udp_stream), seconds(120));        // udp 0:02:00
  EXPECT_EQ(c.timeout(S::icmp), seconds(2));                // icmp 0:00:02
  EXPECT_EQ(c.no_session, no_session_policy::drop);
  EXPECT_FALSE(c.rst_on_expiry);
}

TEST(Presets, Panos) {
  auto c = make("panos");
  EXPECT_EQ(c.timeout(S::tcp_established), seconds(3600));
  EXPECT_EQ(c.timeout(S::tcp_syn_sent), seconds(5));    // TCP init
  EXPECT_EQ(c.timeout(S::tcp_syn_recv), seconds(10));   // TCP handshake
  EXPECT_EQ(c.timeout(S::tcp_fin_wait), seconds(120));  // TCP half closed
  EXPECT_EQ(c.timeout(S::tcp_time_wait), seconds(15));  // TCP time wait
  EXPECT_EQ(c.timeout(S::udp_stream), seconds(30));
  EXPECT_EQ(c.timeout(S::icmp), seconds(6));
  EXPECT_EQ(c.timeout(S::generic), seconds(30));
  EXPECT_EQ(c.no_session, no_session_policy::drop);  // Reject Non-SYN TCP
}

TEST(Presets, Fortigate) {
  auto c = make("fortigate");
  EXPECT_EQ(c.timeout(S::tcp_established), seconds(3600));  // session-ttl default
  EXPECT_EQ(c.timeout(S::tcp_syn_sent), seconds(10));       // tcp-halfopen-timer
  EXPECT_EQ(c.timeout(S::tcp_fin_wait), seconds(120));      // tcp-halfclose-timer
  EXPECT_EQ(c.timeout(S::tcp_time_wait), seconds(1));       // tcp-timewait-timer
  EXPECT_EQ(c.timeout(S::tcp_close), seconds(5));           // tcp-rst-timer
  EXPECT_EQ(c.timeout(S::udp_stream), seconds(180));        // udp-idle-timer
  EXPECT_EQ(c.no_session, no_session_policy::drop);         // tcp-session-without-syn disable
  EXPECT_FALSE(c.rst_on_expiry);                            // timeout-send-rst disable
}

TEST(Presets, Srx) {
  auto c = make("srx");
  EXPECT_EQ(c.timeout(S::tcp_established), seconds(1800));
  EXPECT_EQ(c.timeout(S::tcp_syn_sent), seconds(20));  // tcp-initial-timeout
  EXPECT_EQ(c.timeout(S::tcp_time_wait), seconds(10)); // invalidated session
  EXPECT_EQ(c.timeout(S::udp_stream), seconds(60));
  EXPECT_EQ(c.timeout(S::icmp), seconds(60));
  EXPECT_EQ(c.timeout(S::generic), seconds(1800));
  EXPECT_EQ(c.no_session, no_session_policy::drop);  // no-syn-check off
}

TEST(Presets, Cilium) {
  auto c = make("cilium");
  EXPECT_EQ(c.timeout(S::tcp_established), seconds(8000));  // bpf-ct-timeout-regular-tcp
  EXPECT_EQ(c.timeout(S::tcp_syn_sent), seconds(60));       // ...-tcp-syn
  EXPECT_EQ(c.timeout(S::tcp_last_ack), seconds(10));       // ...-tcp-fin
  EXPECT_EQ(c.timeout(S::udp_stream), seconds(60));         // ...-any
  EXPECT_EQ(c.no_session, no_session_policy::pickup);
  EXPECT_EQ(c.capacity, 524288u);                           // bpf-ct-global-tcp-max
  EXPECT_EQ(c.table_full, table_full_policy::lru);
}

TEST(Presets, AwsSecurityGroup) {
  auto c = make("aws-sg");
  EXPECT_EQ(c.timeout(S::tcp_established), seconds(432000));  // TcpEstablishedTimeout
  EXPECT_EQ(c.timeout(S::udp_unreplied), seconds(30));         // UdpTimeout
  EXPECT_EQ(c.timeout(S::udp_stream), seconds(180));           // UdpStreamTimeout
  EXPECT_EQ(c.timeout(S::generic), seconds(600));
  EXPECT_EQ(c.no_session, no_session_policy::pickup);
}

TEST(Presets, AwsNlb) {
  auto c = make("aws-nlb");
  EXPECT_EQ(c.timeout(S::tcp_established), seconds(350));
  EXPECT_EQ(c.timeout(S::tcp_syn_sent), seconds(350));
  EXPECT_EQ(c.no_session, no_session_policy::reject);  // next packet after expiry gets RST
  EXPECT_FALSE(c.rst_on_expiry);                       // expiry itself is silent
}

TEST(Presets, AzureLb) {
  auto c = make("azure-lb");
  EXPECT_EQ(c.timeout(S::tcp_established), seconds(240));  // 4 minutes
  EXPECT_FALSE(c.rst_on_expiry);                           // TCP reset on idle disabled by default
  EXPECT_EQ(c.no_session, no_session_policy::drop);
}

TEST(Presets, F5FastL4) {
  auto c = make("f5");
  EXPECT_EQ(c.timeout(S::tcp_established), seconds(300));  // fastL4 idle-timeout
  EXPECT_EQ(c.timeout(S::udp_stream), seconds(300));
  EXPECT_TRUE(c.rst_on_expiry);                            // reset-on-timeout enabled
  EXPECT_EQ(c.no_session, no_session_policy::reject);      // loose-initialization disabled
}

// A preset is only a starting point: `--set` keys still apply on top of it.
TEST(Presets, SettingsApplyOnTopOfAPreset) {
  auto c = make("aws-nlb");
  apply_setting(c, "tcp.established", "6000");
  EXPECT_EQ(c.timeout(S::tcp_established), seconds(6000));
  EXPECT_EQ(c.preset, "aws-nlb");
}

}  // namespace
}  // namespace sessim
