#pragma once
/// Forward declarations of the core room.
namespace sessim {
struct ip_addr;
struct flow_key;
struct packet_view;
struct session;
class session_table;
enum class verdict : unsigned char;
enum class reason : unsigned char;
}  // namespace sessim
