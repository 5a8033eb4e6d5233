// The SIMD expectations of simd_ops_test.cc run against the portable lane-loop
// implementation (the one non-x86 builds get), which the default x86-64 build
// otherwise never executes.

#define WEIR_SIMD_PORTABLE 1
#define WEIR_SIMD_TEST_SUITE SimdPortable
#include "unit/wasm/simd_ops_test.cc"  // NOLINT(bugprone-suspicious-include)
