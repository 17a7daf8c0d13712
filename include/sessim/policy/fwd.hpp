#pragma once
/// Forward declarations of the policy room.
namespace sessim {
struct device_config;
struct preset_info;
struct config_key;
enum class timeout_slot : unsigned char;
enum class no_session_policy : unsigned char;
enum class table_full_policy : unsigned char;
}  // namespace sessim
