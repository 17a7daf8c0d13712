#pragma once
/// Forward declarations of the report room.
namespace sessim {
struct connection;
struct break_info;
struct run_summary;
class connection_log;
enum class break_cause : unsigned char;
}  // namespace sessim
