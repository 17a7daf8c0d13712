#pragma once
/// Forward declarations of the sim room.
namespace sessim {
template <class E> class event_queue;
class replay;
class replay_sink;
struct replay_options;
struct device_spec;
}  // namespace sessim
