#!/bin/bash
# Re-records every kernel expectation in tests/oracle/expected/ (needs root, the ct-oracle tool
# and its packages; see tests/oracle/README.md). One ct-oracle run at a time; ~2 h in total.
#   sudo tests/oracle/record_all.sh [NAME-GLOB]
# KERNEL_CACHE=DIR keeps each kernel result as DIR/NAME.json and reuses it when present (to
# re-derive the CSVs, e.g. after a format change, without re-running the kernel).
# Names: <capture>-<settings>: e=established, o=other (all other timeouts), u=udp, i=icmp,
# l=loose, lib=be_liberal, def=kernel defaults, nrs=--new-requires-syn (sessim: policy.syn_only=1),
# sp1=--speedup 1 where the capture's other runs use 10, mrcN=--sysctl nf_conntrack_tcp_max_retrans=N
# (sessim: tcp.max_retrans_count=N); timeouts in capture seconds.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
shared=$(cd "$root/../shared/traces" 2>/dev/null && pwd || echo "$root/../shared/traces")
cache=${KERNEL_CACHE:-}
only=${1:-*}
rc=0

run() {  # NAME CAPTURE ARGS...   (CAPTURE synth:X = the synthetic capture X)
  local name=$1 cap=$2; shift 2
  [[ $name == $only ]] || return 0
  local ref=()
  if [[ $cap == synth:* ]]; then ref=(--capture-ref "$cap"); cap=$synth/${cap#synth:}.pcap; fi
  run_one "$name" "$cap" "${ref[@]}" "$@"
}

run_one() {
  local name=$1 cap=$2; shift 2
  [[ $name == $only ]] || return 0
  local kj=()
  if [[ -n $cache ]]; then
    mkdir -p "$cache"
    if [[ -f $cache/$name.json ]]; then kj=(--kernel-json "$cache/$name.json"); else kj=(--save-kernel "$cache/$name.json"); fi
  fi
  "$here/compare.py" "$cap" --max-wall 900 "$@" "${kj[@]}" --record "$name" --summary-only | tail -2 || rc=1
}

# synthetic captures (tests/oracle/synth_captures.hpp), written by the test binary
tests_bin=${SESSIM_TESTS:-$root/build-oracle/tests/sessim_tests}
synth=$(mktemp -d /tmp/oracle-synth.XXXXXX)
trap 'rm -rf "$synth"' EXIT
SESSIM_ORACLE_SYNTH_DIR=$synth "$tests_bin" --gtest_filter=OracleSynth.Write >/dev/null || { echo "cannot write synthetic captures with $tests_bin"; exit 1; }

T=$root/traces
# ---- project traces (sessim-tracegen, traces/regenerate.sh)
run handshake-def-l1      $T/handshake.pcap --loose 1 --speedup 1
run handshake-def-l0      $T/handshake.pcap --loose 0 --speedup 1
run handshake-e05-l1      $T/handshake.pcap --established 0.75 --loose 1 --speedup 0.25
run handshake-e05-l0      $T/handshake.pcap --established 0.75 --loose 0 --speedup 0.25
run synretrans-def-l1     $T/syn-retrans.pcap --loose 1 --speedup 10
run synretrans-def-l0     $T/syn-retrans.pcap --loose 0 --speedup 10
run midstream-def-l1      $T/midstream.pcap --loose 1 --speedup 1
run midstream-def-l0      $T/midstream.pcap --loose 0 --speedup 1
run midstream-e10-l1      $T/midstream.pcap --established 10 --loose 1 --speedup 1
run midstream-e10-o5-l1   $T/midstream.pcap --established 10 --other 5 --loose 1 --speedup 1
run closewait-def-l1      $T/close-wait.pcap --loose 1 --speedup 1
run closewait-e20-l1      $T/close-wait.pcap --established 20 --loose 1 --speedup 1
run closewait-e20-o20-l1  $T/close-wait.pcap --established 20 --other 20 --loose 1 --speedup 1
run closewait-e20-o20-l0  $T/close-wait.pcap --established 20 --other 20 --loose 0 --speedup 1
run rst-def-l1            $T/rst.pcap --loose 1 --speedup 1
run rst-e1-o1-l1          $T/rst.pcap --established 1 --other 1 --loose 1 --speedup 1
run portreuse-def-l1      $T/port-reuse.pcap --loose 1 --speedup 1
run portreuse-o20-l1      $T/port-reuse.pcap --other 20 --loose 1 --speedup 1
run portreuse-o20-l0      $T/port-reuse.pcap --other 20 --loose 0 --speedup 1
run udp-def-l1            $T/udp.pcap --loose 1 --speedup 1
run udp-o30-sp1           $T/udp.pcap --other 30 --loose 1 --speedup 1
run udp-u40-sp1           $T/udp.pcap --udp 40 --loose 1 --speedup 1
run udp-u3-sp1            $T/udp.pcap --udp 3 --udp-stream 50 --loose 1 --speedup 1
run icmp-def-l1           $T/icmp.pcap --loose 1 --speedup 1
run icmp-i1               $T/icmp.pcap --icmp 1 --loose 1 --speedup 1
run odd-def-l1            $T/odd.pcap --loose 1 --speedup 1
run odd-def-l0            $T/odd.pcap --loose 0 --speedup 1
run fragments-nets-l1     $T/fragments.pcap --loose 1 --speedup 1 --client-net 10.1.0.0/16 --server-net 192.0.2.0/24
run linktypes-eth-l1      $T/linktypes-ethernet.pcap --loose 1 --speedup 1
run linktypes-sll2-l1     $T/linktypes-sll2.pcap --loose 1 --speedup 1
run linktypes-vlan-l0     $T/linktypes-vlan.pcap --loose 0 --speedup 1

# ---- shared traces (/work/shared/traces, read-only, not copied into the project)
S=$shared
run missingsyn-def-l1     $S/zeek-tcp-missing-syn.pcap --loose 1 --speedup 1
run missingsyn-def-l0     $S/zeek-tcp-missing-syn.pcap --loose 0 --speedup 1
run wikipedia-def-l1      $S/zeek-wikipedia.pcap --loose 1 --speedup 1
run wikipedia-def-l0      $S/zeek-wikipedia.pcap --loose 0 --speedup 1
run wikipedia-e1-o1-l1    $S/zeek-wikipedia.pcap --established 1 --other 1 --loose 1 --speedup 1
run irc-def-l1            $S/arkime-irc-idle.pcap --loose 1 --speedup 10
run irc-e60-l1            $S/arkime-irc-idle.pcap --established 60 --loose 1 --speedup 10
run irc-e60-l0            $S/arkime-irc-idle.pcap --established 60 --loose 0 --speedup 10
run irc-e30-o20-l1        $S/arkime-irc-idle.pcap --established 30 --other 20 --loose 1 --speedup 10
run ftpbig-def-l1         $S/zeek-ftp-bigtransfer.pcap --loose 1 --speedup 10
run ftpbig-e30-l1         $S/zeek-ftp-bigtransfer.pcap --established 30 --loose 1 --speedup 10
run ftpbig-e30-l0         $S/zeek-ftp-bigtransfer.pcap --established 30 --loose 0 --speedup 10
run retrans-def-l1        $S/zeek-tcp-retransmit-fast009-snaplen.pcap --loose 1 --speedup 1
run retrans-e10-o5-l1     $S/zeek-tcp-retransmit-fast009-snaplen.pcap --established 10 --other 5 --loose 1 --speedup 1
run retrans-e10-o5-l0     $S/zeek-tcp-retransmit-fast009-snaplen.pcap --established 10 --other 5 --loose 0 --speedup 1
run ipfix-def-l1          $S/ipfixprobe-mixed-udp-icmp.pcap --loose 1 --speedup 10
run ipfix-o60             $S/ipfixprobe-mixed-udp-icmp.pcap --other 60 --loose 1 --speedup 10
run ipfix-o15-u7-i25      $S/ipfixprobe-mixed-udp-icmp.pcap --other 15 --udp 7 --icmp 25 --loose 1 --speedup 10  # kernel: 20/10/20 capture s
run webex-def-l1          $S/ndpi-webex-halfclose-rst.pcap --loose 1 --speedup 1
run webex-def-l0          $S/ndpi-webex-halfclose-rst.pcap --loose 0 --speedup 1
run webex-e10-o10-l1      $S/ndpi-webex-halfclose-rst.pcap --established 10 --other 10 --loose 1 --speedup 1
run webex-lib1-l1         $S/ndpi-webex-halfclose-rst.pcap --liberal 1 --loose 1 --speedup 1
run webex-e600-mr5-mrc1-l0 $S/ndpi-webex-halfclose-rst.pcap --established 600 --timeout tcp_max_retrans=5 --loose 0 --speedup 1 --sysctl nf_conntrack_tcp_max_retrans=1
run webex-e600-mr5-mrc0-l0 $S/ndpi-webex-halfclose-rst.pcap --established 600 --timeout tcp_max_retrans=5 --loose 0 --speedup 1 --sysctl nf_conntrack_tcp_max_retrans=0
run kakao-def-l1          $S/ndpi-kakaotalk-chat-sll.pcap --loose 1 --speedup 1
run kakao-def-l0          $S/ndpi-kakaotalk-chat-sll.pcap --loose 0 --speedup 1
run kakao-e5-o5-l1        $S/ndpi-kakaotalk-chat-sll.pcap --established 5 --other 5 --loose 1 --speedup 1
run synscan-def-l1        $S/ndpi-synscan.pcap --loose 1 --speedup 1
run synscan-o5-l0         $S/ndpi-synscan.pcap --other 5 --loose 0 --speedup 1
run smb-def-l1            $S/sv-smb-async-oneside-client.pcap --loose 1 --speedup 1
run smb-def-l0            $S/sv-smb-async-oneside-client.pcap --loose 0 --speedup 1
run smtp-def-l1           $S/zeek-smtp-one-side-only.pcap --loose 1 --speedup 1
run nano-def-l0           $S/tcpdump-tcp-handshake-nano.pcap --loose 0 --speedup 1
run gre-def-l1            $S/zeek-gre-sample.pcap --loose 1 --speedup 1
run gre-def-l0            $S/zeek-gre-sample.pcap --loose 0 --speedup 1
run vxlan-def-l1          $S/zeek-vxlan.pcap --loose 1 --speedup 1
run quic-def-l1           $S/zeek-quic-chromium.pcap --loose 1 --speedup 1
run ntp-def-l1            $S/zeek-ntp-misordered.pcap --loose 1 --speedup 1
run fragsyn-def-l0        $S/zeek-ipv4-fragmented-syn.pcap --loose 0 --speedup 1
run gnutella-def-l1       $S/ndpi-gnutella-mixed.pcap --loose 1 --speedup 10
run gnutella-e30-l0       $S/ndpi-gnutella-mixed.pcap --established 30 --other 30 --loose 0 --speedup 10
run gnutella-e45-o15-u7-l0 $S/ndpi-gnutella-mixed.pcap --established 45 --other 15 --udp 7 --loose 0 --speedup 10  # kernel: 40/20/10 capture s (1 s sysctls)
run ppp4k-def-l1          $S/ppp-4k-http-requests-client-only.pcap --loose 1 --speedup 10
run ppp4k-e30-l0          $S/ppp-4k-http-requests-client-only.pcap --established 30 --loose 0 --speedup 10
run nest-e30-l0           $S/ndpi-nest-log-sink.pcap --established 30 --loose 0 --speedup 10

# ---- synthetic captures (tests/oracle/synth_captures.hpp)
run synth-tcpedge-l1        synth:tcp-edge --loose 1 --speedup 1
run synth-tcpedge-l0        synth:tcp-edge --loose 0 --speedup 1
run synth-tcpedge-lib1      synth:tcp-edge --loose 1 --liberal 1 --speedup 1
run synth-tcptimers-l0      synth:tcp-timers --established 130 --timeout tcp_unacknowledged=20 --timeout tcp_max_retrans=25 --loose 0 --speedup 1
run synth-tcptimers-l1      synth:tcp-timers --established 130 --timeout tcp_unacknowledged=20 --timeout tcp_max_retrans=25 --loose 1 --speedup 1
run synth-miscedge-l1       synth:misc-edge --loose 1 --speedup 1 --client-net 192.0.2.0/24 --server-net 198.51.100.0/24
run synth-miscedge-sctp10-l1 synth:misc-edge --loose 1 --speedup 1 --client-net 192.0.2.0/24 --server-net 198.51.100.0/24 --sysctl nf_conntrack_sctp_timeout_established=10
run synth-unack-e600-u300   synth:unack --established 600 --timeout tcp_unacknowledged=300 --loose 1 --speedup 10
run synth-unack-e600-u300-l0 synth:unack --established 600 --timeout tcp_unacknowledged=300 --loose 0 --speedup 10
run synth-unack-e600-mr100  synth:unack --established 600 --timeout tcp_max_retrans=100 --loose 1 --speedup 10
run synth-tcptimers-mr20-u25-l1 synth:tcp-timers --established 130 --timeout tcp_unacknowledged=25 --timeout tcp_max_retrans=20 --loose 1 --speedup 1
run synth-tcptimers-mrc1-l1 synth:tcp-timers --established 130 --timeout tcp_unacknowledged=20 --timeout tcp_max_retrans=25 --loose 1 --speedup 1 --sysctl nf_conntrack_tcp_max_retrans=1
run synth-tcptimers-mrc1-l0 synth:tcp-timers --established 130 --timeout tcp_unacknowledged=20 --timeout tcp_max_retrans=25 --loose 0 --speedup 1 --sysctl nf_conntrack_tcp_max_retrans=1
run synth-tcptimers-mrc6-l0 synth:tcp-timers --established 130 --timeout tcp_unacknowledged=20 --timeout tcp_max_retrans=25 --loose 0 --speedup 1 --sysctl nf_conntrack_tcp_max_retrans=6
run synth-fragedge-e10-l0   synth:frag-edge --established 10 --loose 0 --speedup 1 --client-net 192.0.2.0/24 --server-net 198.51.100.0/24
run synth-fragedge-e10-l1   synth:frag-edge --established 10 --loose 1 --speedup 1 --client-net 192.0.2.0/24 --server-net 198.51.100.0/24
run synth-sctpedge-l1       synth:sctp-edge --loose 1 --speedup 1 --client-net 192.0.2.0/24 --server-net 198.51.100.0/24
# --checksum 0: ct-oracle does not rewrite UDP-Lite checksums (nf_conntrack_checksum would find them bad)
run synth-udpliteedge-l1    synth:udplite-edge --loose 1 --speedup 1 --checksum 0 --client-net 192.0.2.0/24 --server-net 198.51.100.0/24
# ---- seeded random captures (tests/oracle/synth_fuzz.hpp; speedup 10, timeouts multiples of 10 s)
N="--client-net 192.0.2.0/24 --server-net 198.51.100.0/24"
run synth-fuzz1-def-l1        synth:fuzz-1 --loose 1 --speedup 10 $N
run synth-fuzz1-def-l0        synth:fuzz-1 --loose 0 --speedup 10 $N
run synth-fuzz1-e30-o20-l1    synth:fuzz-1 --established 30 --other 20 --loose 1 --speedup 10 $N
run synth-fuzz2-lib1-l1       synth:fuzz-2 --loose 1 --liberal 1 --speedup 10 $N
run synth-fuzz2-e60-o10-l0    synth:fuzz-2 --established 60 --other 10 --loose 0 --speedup 10 $N
run synth-fuzz3-e100-u60-mr40-l1 synth:fuzz-3 --established 100 --udp 20 --icmp 10 --timeout tcp_unacknowledged=60 --timeout tcp_max_retrans=40 --loose 1 --speedup 10 $N
run synth-fuzz3-e200-u200-mr40-mrc1-l0 synth:fuzz-3 --established 200 --timeout tcp_unacknowledged=200 --timeout tcp_max_retrans=40 --loose 0 --speedup 10 --sysctl nf_conntrack_tcp_max_retrans=1 $N
run synth-fuzz4-def-l1        synth:fuzz-4 --loose 1 --speedup 10 $N
run synth-fuzz4-e30-o20-l0    synth:fuzz-4 --established 30 --other 20 --loose 0 --speedup 10 $N
run synth-fuzz4-e45-o15-u7-l0 synth:fuzz-4 --established 45 --other 15 --udp 7 --loose 0 --speedup 10 $N  # not multiples of 10: the kernel gets 4/2/1 s (Python round: 40/20/10 capture s)
run synth-fuzz5-def-l1        synth:fuzz-5 --loose 1 --speedup 10 $N
run synth-fuzz5-e30-o20-l0    synth:fuzz-5 --established 30 --other 20 --loose 0 --speedup 10 $N
run synth-fuzz6-def-l0        synth:fuzz-6 --loose 0 --speedup 10 $N
run synth-fuzz6-lib1-e60-o30-l1 synth:fuzz-6 --established 60 --other 30 --loose 1 --liberal 1 --speedup 10 $N
run synth-fuzz7-e60-o10-l1    synth:fuzz-7 --established 60 --other 10 --loose 1 --speedup 10 $N
run synth-fuzz8-e20-u60-mr40-l0 synth:fuzz-8 --established 20 --udp 10 --icmp 20 --timeout tcp_unacknowledged=60 --timeout tcp_max_retrans=40 --loose 0 --speedup 10 $N
run synth-fuzzdirected-l1     synth:fuzz-directed --loose 1 --speedup 1 $N
run synth-fuzzdirected-l0     synth:fuzz-directed --loose 0 --speedup 1 $N
run synth-fuzzrst-l1          synth:fuzz-rst --loose 1 --speedup 1 $N
run synth-fuzzicmp-l1         synth:fuzz-icmp --loose 1 --speedup 1 $N
run synth-fuzz7-def-l0        synth:fuzz-7 --loose 0 --speedup 10 $N
run synth-fuzz8-lib1-l1       synth:fuzz-8 --loose 1 --liberal 1 --speedup 10 $N
run synth-fuzz6-e30-o20-l1    synth:fuzz-6 --established 30 --other 20 --loose 1 --speedup 10 $N
run synth-fuzz3-def-l0        synth:fuzz-3 --loose 0 --speedup 10 $N
run synth-fuzz9-def-l1        synth:fuzz-9 --loose 1 --speedup 10 $N
run synth-fuzz9-e40-o30-us50-l0 synth:fuzz-9 --established 40 --other 30 --udp-stream 50 --loose 0 --speedup 10 $N
run synth-fuzz10-e10-o10-l1   synth:fuzz-10 --established 10 --other 10 --loose 1 --speedup 10 $N
run synth-fuzz10-lib1-l0      synth:fuzz-10 --loose 0 --liberal 1 --speedup 10 $N
# ---- profile 3 (fragmented TCP/UDP/SCTP, overlapping / contained / missing fragments, SCTP, GRE).
# --checksum 0: ct-oracle adjusts a TCP checksum for its address rewriting only when the checksum
# field lies in the first fragment; first fragments of 8 or 16 TCP bytes would reach conntrack
# with a bad checksum ("bad checksum", INVALID). ct-oracle recomputes every other checksum, so
# nf_conntrack_checksum=0 changes nothing else.
G="--sysctl nf_conntrack_gre_timeout=3 --sysctl nf_conntrack_gre_timeout_stream=18"
N="$N --checksum 0"
run synth-fuzz11-def-l1       synth:fuzz-11 --loose 1 --speedup 10 $N
run synth-fuzz11-def-l0       synth:fuzz-11 --loose 0 --speedup 10 $N
run synth-fuzz12-e30-o20-l1   synth:fuzz-12 --established 30 --other 20 --loose 1 --speedup 10 $N
run synth-fuzz12-gre3-l1      synth:fuzz-12 --loose 1 --speedup 10 $G $N
run synth-fuzz13-lib1-l1      synth:fuzz-13 --loose 1 --liberal 1 --speedup 10 $N
run synth-fuzz13-gre3-sctp6-l0 synth:fuzz-13 --loose 0 --speedup 10 $G --sysctl nf_conntrack_sctp_timeout_established=6 $N
run synth-fuzz14-def-l1       synth:fuzz-14 --loose 1 --speedup 10 $N
run synth-fuzz14-e60-o10-l0   synth:fuzz-14 --established 60 --other 10 --loose 0 --speedup 10 $N
run synth-fuzz11-e30-o20-l0   synth:fuzz-11 --established 30 --other 20 --loose 0 --speedup 10 $N
run synth-fuzz13-e40-o30-l1   synth:fuzz-13 --established 40 --other 30 --loose 1 --speedup 10 $N
run synth-fuzz14-lib1-gre3-l0 synth:fuzz-14 --loose 0 --liberal 1 --speedup 10 $G $N
# ---- speedup 1 (the 120 s threshold of nf_tcp_handle_invalid with a long established timeout)
N="--client-net 192.0.2.0/24 --server-net 198.51.100.0/24"
run synth-fuzz7-e600-sp1-l1   synth:fuzz-7 --established 600 --loose 1 --speedup 1 --max-wall 1100 $N
# ---- --new-requires-syn: ct-oracle's "ct state new tcp flags & (fin|syn|rst|ack) != syn drop"
# (sessim: policy.syn_only=1, scope unreplied in the linux preset)
run rst-nrs-l1            $T/rst.pcap --loose 1 --speedup 1 --new-requires-syn
run midstream-nrs-l1      $T/midstream.pcap --loose 1 --speedup 1 --new-requires-syn
run portreuse-o20-nrs-l1  $T/port-reuse.pcap --other 20 --loose 1 --speedup 1 --new-requires-syn
run missingsyn-nrs-l1     $S/zeek-tcp-missing-syn.pcap --loose 1 --speedup 1 --new-requires-syn
run missingsyn-nrs-l0     $S/zeek-tcp-missing-syn.pcap --loose 0 --speedup 1 --new-requires-syn
run wikipedia-nrs-l1      $S/zeek-wikipedia.pcap --loose 1 --speedup 1 --new-requires-syn
run synscan-nrs-l1        $S/ndpi-synscan.pcap --loose 1 --speedup 1 --new-requires-syn
run webex-nrs-l1          $S/ndpi-webex-halfclose-rst.pcap --loose 1 --speedup 1 --new-requires-syn
run webex-e10-o10-nrs-l0  $S/ndpi-webex-halfclose-rst.pcap --established 10 --other 10 --loose 0 --speedup 1 --new-requires-syn
run kakao-e5-o5-nrs-l1    $S/ndpi-kakaotalk-chat-sll.pcap --established 5 --other 5 --loose 1 --speedup 1 --new-requires-syn
run synth-tcpedge-nrs-l1  synth:tcp-edge --loose 1 --speedup 1 --new-requires-syn
run synth-tcpedge-nrs-l0  synth:tcp-edge --loose 0 --speedup 1 --new-requires-syn
run synth-fuzzrst-nrs-l1  synth:fuzz-rst --loose 1 --speedup 1 --new-requires-syn $N
run synth-fuzzdirected-nrs-l0 synth:fuzz-directed --loose 0 --speedup 1 --new-requires-syn $N
run synth-fuzz5-nrs-l1    synth:fuzz-5 --loose 1 --speedup 10 --new-requires-syn $N
run synth-fuzz9-e40-o30-nrs-l0 synth:fuzz-9 --established 40 --other 30 --loose 0 --speedup 10 --new-requires-syn $N
run synth-nrsedge-l1      synth:nrs-edge --loose 1 --speedup 1 --new-requires-syn $N
run synth-nrsedge-l0      synth:nrs-edge --loose 0 --speedup 1 --new-requires-syn $N
run synth-nrsedge-plain-l1 synth:nrs-edge --loose 1 --speedup 1 $N
# ---- IPv4 reassembly timeout (ipfrag_time 30 s, not scaled) and GRE version 1 (PPTP, no helper)
run synth-fragtimeout-l1  synth:frag-timeout --loose 1 --speedup 1 --checksum 0 $N
run synth-grev1-l1        synth:gre-v1 --loose 1 --speedup 1 $N
# ---- more speedup 1 runs with short timeouts (the 2 s UDP stream rule and the kernel's 4 ms tick
# in capture time)
run ftpbig-e30-sp1-l0     $S/zeek-ftp-bigtransfer.pcap --established 30 --loose 0 --speedup 1
run irc-e60-o20-sp1-l1    $S/arkime-irc-idle.pcap --established 60 --other 20 --loose 1 --speedup 1
run synth-fuzz2-e30-o20-us50-sp1-l1 synth:fuzz-2 --established 30 --other 20 --udp-stream 50 --loose 1 --speedup 1 --max-wall 1100 $N
run ppp4k-e30-o10-sp1-l1  $S/ppp-4k-http-requests-client-only.pcap --established 30 --other 10 --loose 1 --speedup 1
# ---- fuzz profile 4 (UDP-Lite flows, GRE version 1; --checksum 0 as profile 3)
run synth-fuzz17-gre3-l1  synth:fuzz-17 --loose 1 --speedup 10 $G $N --checksum 0
run synth-fuzz18-e30-o20-gre3-l0 synth:fuzz-18 --established 30 --other 20 --loose 0 --speedup 10 $G $N --checksum 0
run synth-fuzz17-e60-o10-l0 synth:fuzz-17 --established 60 --other 10 --loose 0 --speedup 10 $N --checksum 0
run synth-fuzz11-nrs-l1   synth:fuzz-11 --loose 1 --speedup 10 --new-requires-syn $N --checksum 0
# ---- new seeds of every profile after the seventh session's changes (fuzz-19 and fuzz-26 profile 1,
# fuzz-20 and fuzz-23 profile 2, fuzz-21 and fuzz-24 profile 3, fuzz-22 and fuzz-25 profile 4;
# N is the profile-1/2 set, --checksum 0 as above)
run synth-fuzz19-def-l1   synth:fuzz-19 --loose 1 --speedup 10 $N
run synth-fuzz20-def-l0   synth:fuzz-20 --loose 0 --speedup 10 $N
run synth-fuzz21-def-l1   synth:fuzz-21 --loose 1 --speedup 10 $N --checksum 0
run synth-fuzz22-def-l0   synth:fuzz-22 --loose 0 --speedup 10 $N --checksum 0
run synth-fuzz19-e30-o20-l0 synth:fuzz-19 --established 30 --other 20 --loose 0 --speedup 10 $N
run synth-fuzz20-lib1-l1  synth:fuzz-20 --loose 1 --liberal 1 --speedup 10 $N
run synth-fuzz21-e30-o20-gre3-l0 synth:fuzz-21 --established 30 --other 20 --loose 0 --speedup 10 $G $N --checksum 0
run synth-fuzz22-e40-o30-l1 synth:fuzz-22 --established 40 --other 30 --loose 1 --speedup 10 $N --checksum 0
run synth-fuzz20-e60-o10-l1 synth:fuzz-20 --established 60 --other 10 --loose 1 --speedup 10 $N
run synth-fuzz21-lib1-l1  synth:fuzz-21 --loose 1 --liberal 1 --speedup 10 $N --checksum 0
run synth-fuzz23-def-l1   synth:fuzz-23 --loose 1 --speedup 10 $N
run synth-fuzz24-def-l0   synth:fuzz-24 --loose 0 --speedup 10 $N --checksum 0
run synth-fuzz25-gre3-l1  synth:fuzz-25 --loose 1 --speedup 10 $G $N --checksum 0
run synth-fuzz26-lib1-l0  synth:fuzz-26 --loose 0 --liberal 1 --speedup 10 $N
run synth-fuzz23-e20-o10-l0 synth:fuzz-23 --established 20 --other 10 --loose 0 --speedup 10 $N
run synth-fuzz24-lib1-e40-o20-l1 synth:fuzz-24 --established 40 --other 20 --loose 1 --liberal 1 --speedup 10 $N --checksum 0
run synth-fuzz25-e60-o10-lib1-l0 synth:fuzz-25 --established 60 --other 10 --loose 0 --liberal 1 --speedup 10 $N --checksum 0
run synth-fuzz26-e10-o10-l1 synth:fuzz-26 --established 10 --other 10 --loose 1 --speedup 10 $N
run synth-fuzz23-e20-o10-sp1-l1 synth:fuzz-23 --established 20 --other 10 --loose 1 --speedup 1 --max-wall 1100 $N
run synth-fuzz26-e40-o30-u10-sp1-l0 synth:fuzz-26 --established 40 --other 30 --udp 10 --loose 0 --speedup 1 --max-wall 1100 $N
# ---- shared captures not recorded before: QinQ, SLL2, pcapng with several interfaces, a missing
# SYN on an IRC port, a retransmission across a 300 s gap, raw-IP SYNs over 10 h (eighth session)
run qinq-def-l1           $S/zeek-q-in-q.pcap --loose 1 --speedup 1
run qinq-def-l0           $S/zeek-q-in-q.pcap --loose 0 --speedup 1
run sll2-def-l1           $S/sv-decode-sll2.pcap --loose 1 --speedup 1
run sll2-def-l0           $S/sv-decode-sll2.pcap --loose 0 --speedup 1
run ircmissing-def-l1     $S/zeek-http-on-irc-port-missing-syn.pcapng --loose 1 --speedup 1
run ircmissing-def-l0     $S/zeek-http-on-irc-port-missing-syn.pcapng --loose 0 --speedup 1
run multiif-def-l1        $S/zeek-pcapng-multi-interface.pcapng --loose 1 --speedup 10
run multiif-e30-o20-l0    $S/zeek-pcapng-multi-interface.pcapng --established 30 --other 20 --loose 0 --speedup 10
run rtxtimeout-def-l1     $S/zeek-tcp-retransmit-timeout.pcapng --loose 1 --speedup 10
run rtxtimeout-e60-l0     $S/zeek-tcp-retransmit-timeout.pcapng --established 60 --loose 0 --speedup 10
run rawipsyns-def-l1      $S/zeek-rotation-rawip-syns.pcap --loose 1 --speedup 100
run rawipsyns-e600-o300-l0 $S/zeek-rotation-rawip-syns.pcap --established 600 --other 300 --loose 0 --speedup 100
run portreuse56-def-l1    $S/ndpi-port-reuse-after-56min.pcapng --loose 1 --speedup 10
run portreuse56-e60-o30-l0 $S/ndpi-port-reuse-after-56min.pcapng --established 60 --other 30 --loose 0 --speedup 10
exit $rc
