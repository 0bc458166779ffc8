// Skipping a test in the sanitizer build (make asan-test) with the reason, for the few tests
// that the Release suite runs anyway and that would take minutes under AddressSanitizer
// without reaching code that faster tests do not.
#pragma once

#include <gtest/gtest.h>

#if defined(__SANITIZE_ADDRESS__)
#define NANODECOH_SKIP_UNDER_SANITIZERS(reason) GTEST_SKIP() << "under AddressSanitizer: " << reason
#else
#define NANODECOH_SKIP_UNDER_SANITIZERS(reason) (void)0
#endif
