// sessim_pcap_loop FILE: the bare baseline for the end-to-end replay benchmark. A plain libpcap
// read loop (nanosecond precision, pcap_next_ex) that touches the first byte of every frame and
// counts frames; prints "packets N seconds S bytes B". Anything sessim does per frame is on top
// of this loop, so `sessim run` time / this time is the cost of the model.
#include <pcap/pcap.h>

#include <chrono>
#include <cstdint>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: sessim_pcap_loop FILE.pcap\n");
    return 2;
  }
  const auto t0 = std::chrono::steady_clock::now();
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (!p) {
    std::fprintf(stderr, "sessim_pcap_loop: %s\n", errbuf);
    return 4;
  }
  std::uint64_t packets = 0, bytes = 0;
  unsigned sum = 0;  // keeps the first-byte reads from being optimised away
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  int rc;
  while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
    ++packets;
    bytes += h->caplen;
    if (h->caplen) sum += data[0];
  }
  if (rc != PCAP_ERROR_BREAK) {
    std::fprintf(stderr, "sessim_pcap_loop: %s: frame %llu: %s\n", argv[1],
                 static_cast<unsigned long long>(packets + 1), pcap_geterr(p));
    pcap_close(p);
    return 4;
  }
  pcap_close(p);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("packets %llu seconds %.6f bytes %llu checksum %u\n", static_cast<unsigned long long>(packets), s,
              static_cast<unsigned long long>(bytes), sum & 0xff);
  return 0;
}
