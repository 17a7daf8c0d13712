// Includes every public header; linked with include_all_b_test.cpp, catches ODR/inline mistakes.
#include <gtest/gtest.h>

#include "sessim/sessim.hpp"

TEST(odr, umbrella_header_compiles_in_two_tus) { EXPECT_EQ(sizeof(sessim::session), 128u); }
