#pragma once
/// Forward declarations of the trace room.
namespace sessim {
class pcap_source;
class pcap_sink;
class trace_reader;
class fragment_cache;
struct raw_frame;
}  // namespace sessim
