#pragma once
/// Forward declarations of the tcp room.
namespace sessim::tcp {
struct tcp_track;
struct tcp_outcome;
enum class ct_state : unsigned char;
}  // namespace sessim::tcp
