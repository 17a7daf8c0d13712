#!/bin/sh
# Regenerates every small trace in traces/ with the built sessim-tracegen (default seed 1).
#   traces/regenerate.sh build/sim/tracegen/sessim-tracegen
# The output is deterministic: running it again must leave `git status traces/` clean.
set -eu
gen=${1:?usage: traces/regenerate.sh PATH/TO/sessim-tracegen}
dir=$(cd "$(dirname "$0")" && pwd)

for s in idle-demo handshake syn-retrans midstream close-wait rst port-reuse udp icmp ipv6 asym \
         fragments odd corrupt vip; do
  "$gen" "$s" "$dir/$s.pcap"
done
for l in ethernet vlan qinq sll sll2 raw null; do
  "$gen" linktypes "$dir/linktypes-$l.pcap" --opt linktype="$l"
done
echo "regenerated $(ls "$dir"/*.pcap | wc -l) traces in $dir"
