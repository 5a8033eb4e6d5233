// Replays the wabt differential fuzzer's seed corpus: weir's interpreter and
// wabt's interpreter agree on every generated module (results, trap kinds,
// memory), and the comparison itself notices a difference.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fuzz/wasm_wabt_differential.h"
#include "unit/wasm/seed_corpus_util.h"

namespace weir::wasm::fuzz {
namespace {

TEST(WabtDifferential, SeedCorpusAgreesWithWabtsInterpreter) {
  auto corpus = wasm::testing::seedCorpus("wasm_wabt_differential");
  ASSERT_FALSE(corpus.empty()) << "WEIR_FUZZ_CORPUS_DIR/wasm_wabt_differential is empty or unset";
  WabtDifferential diff;
  for (const auto& input : corpus) EXPECT_EQ(diff.run(input.data(), input.size()), "") << input.size() << " bytes";
}

TEST(WabtDifferential, InputsOfEveryByteValueAgree) {
  // Short inputs drive the generator through its choices one byte at a time.
  WabtDifferential diff;
  for (int b = 0; b < 256; ++b) {
    std::vector<uint8_t> input(64);
    for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<uint8_t>(b * 31 + i * 7);
    EXPECT_EQ(diff.run(input.data(), input.size()), "") << "pattern " << b;
  }
  // The patterns reach both outcomes: calls that return and calls that trap.
  EXPECT_GT(diff.calls, 1000);
  EXPECT_GT(diff.traps, 0);
  EXPECT_LT(diff.traps, diff.calls);
}

TEST(WabtDifferential, WabtTrapMessagesMapToWeirsKinds) {
  EXPECT_EQ(trapKindOfWabtMessage("out of bounds memory access: access at 70000+4 >= max value 65536"),
            runtime::TrapKind::kMemoryOutOfBounds);
  EXPECT_EQ(trapKindOfWabtMessage("integer divide by zero"), runtime::TrapKind::kIntegerDivideByZero);
  EXPECT_EQ(trapKindOfWabtMessage("integer overflow"), runtime::TrapKind::kIntegerOverflow);
  EXPECT_EQ(trapKindOfWabtMessage("unreachable executed"), runtime::TrapKind::kUnreachable);
  EXPECT_EQ(trapKindOfWabtMessage("something new"), runtime::TrapKind::kHostError);
}

}  // namespace
}  // namespace weir::wasm::fuzz
