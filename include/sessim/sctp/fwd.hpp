#pragma once
/// Forward declarations of the sctp room.
namespace sessim::sctp {
struct sctp_track;
struct sctp_outcome;
enum class sctp_state : unsigned char;
}  // namespace sessim::sctp
