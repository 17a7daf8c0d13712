#pragma once
/// SESSIM_ASSERT: checks a precondition in debug builds (aborts with file and line).
#include <cstdio>
#include <cstdlib>

#ifndef NDEBUG
#define SESSIM_ASSERT(cond)                                                                 \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "sessim: assertion failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)
#else
#define SESSIM_ASSERT(cond) ((void)0)
#endif
