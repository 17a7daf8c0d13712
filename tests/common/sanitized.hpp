#pragma once
// Whether this test binary runs under AddressSanitizer (+UBSan): the asan preset (SESSIM_SANITIZE=ON)
// compiles with -fsanitize=address, for which GCC defines __SANITIZE_ADDRESS__ and Clang reports
// __has_feature(address_sanitizer); -DSESSIM_SANITIZED=1 forces it for other sanitizer builds.
//
// The sanitizer build is there to find memory errors and undefined behaviour on every code path,
// not to repeat a randomized or exhaustive equivalence check many times over at 20-40x the cost:
// the few tests that loop over seeds x configurations x traces use `sanitized` to run each
// configuration, trace and option set at least once (rotating through the seeds / option sets)
// instead of every combination. The normal build (preset ci) keeps the full counts.
#include <cstddef>

namespace sessim::test {

#if defined(SESSIM_SANITIZED) || defined(__SANITIZE_ADDRESS__)
inline constexpr bool sanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool sanitized = true;
#else
inline constexpr bool sanitized = false;
#endif
#else
inline constexpr bool sanitized = false;
#endif

/// Under sanitizers, whether combination `i` of a `k`-fold repetition is the one that runs
/// (`i % k == pick`); without sanitizers, always.
constexpr bool runs(std::size_t i, std::size_t k, std::size_t pick) { return !sanitized || i % k == pick; }

}  // namespace sessim::test
