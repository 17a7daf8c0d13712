#pragma once
/// Forward declarations of the device room.
namespace sessim {
class session_device;
struct decision;
struct session_end;
struct device_stats;
}  // namespace sessim
