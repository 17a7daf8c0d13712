// Builds a linux-preset device through the installed headers and tracks one SYN.
#include <sessim/sessim.hpp>

int main() {
  sessim::session_device fw("fw", sessim::find_preset("linux").make());
  sessim::packet_view syn;
  syn.key.src = sessim::ip_addr::v4(0x0a000001);
  syn.key.dst = sessim::ip_addr::v4(0x0a000002);
  syn.key.sport = 40000;
  syn.key.dport = 80;
  syn.key.proto = 6;
  syn.flags = sessim::tcp_flags::syn;
  syn.doff = 20;
  syn.l4_len = 20;
  auto d = fw.process(syn, 0, false, [](const sessim::session_end&) {});
  return d.v == sessim::verdict::forward && fw.sessions() == 1 ? 0 : 1;
}
