// Static conformance of the decoder and validator against the official spec
// test suite: every module the suite expects to load must decode and
// validate, every assert_invalid binary must fail validation and every
// binary assert_malformed must fail decoding. Execution is the conformance
// runner's job; this test covers only what can be judged without running.
//
// The suite is found through WEIR_SPEC_DIR, defaulting to the checkout's
// sibling ../shared/wasm-spec-testsuite (relative to this source file).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "wasm/module.h"

namespace weir::wasm {
namespace {

namespace fs = std::filesystem;

fs::path specDir() {
  if (const char* env = std::getenv("WEIR_SPEC_DIR")) return env;
  return fs::path(__FILE__).parent_path() / "../../../../shared/wasm-spec-testsuite";
}

bool haveWast2Json() { return std::system("wast2json --version >/dev/null 2>&1") == 0; }

std::vector<uint8_t> readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

struct Counts {
  int valid_ok = 0, valid_total = 0;
  int invalid_ok = 0, invalid_total = 0;
  int malformed_ok = 0, malformed_total = 0;
  int wrong_category = 0;  // rejected, but as malformed instead of invalid or vice versa
  int text_mismatch = 0;   // rejected, but our reason does not contain the suite's text
};

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "weir-spec-static-XXXXXX").string();
    if (char* p = mkdtemp(tmpl.data())) path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(WasmSpecStatic, EveryModuleDecodesAndEveryInvalidOrMalformedBinaryIsRejected) {
  if (!haveWast2Json()) GTEST_SKIP() << "wast2json (wabt) is not installed; cannot convert the spec suite";
  fs::path dir = specDir();
  ASSERT_TRUE(fs::is_directory(dir)) << "spec test suite not found at " << dir
                                     << " (set WEIR_SPEC_DIR)";
  std::vector<fs::path> wasts;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".wast") wasts.push_back(e.path());
  }
  std::sort(wasts.begin(), wasts.end());
  ASSERT_GT(wasts.size(), 100u);

  const bool verbose = std::getenv("WEIR_SPEC_VERBOSE") != nullptr;
  TempDir tmp;
  ASSERT_FALSE(tmp.path().empty());
  Counts total;
  std::vector<std::string> failures;
  for (const fs::path& wast : wasts) {
    std::string stem = wast.stem().string();
    fs::path json = tmp.path() / (stem + ".json");
    std::string cmd = "wast2json --enable-all '" + wast.string() + "' -o '" + json.string() + "' 2>/dev/null";
    if (std::system(cmd.c_str()) != 0) {
      failures.push_back(stem + ": wast2json failed");
      continue;
    }
    std::ifstream in(json);
    nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
    if (doc.is_discarded()) {
      failures.push_back(stem + ": unreadable wast2json output");
      continue;
    }
    Counts c;
    for (const auto& command : doc["commands"]) {
      std::string type = command.value("type", "");
      std::string file = command.value("filename", "");
      if (file.empty()) continue;
      bool expect_valid =
          type == "module" || type == "assert_unlinkable" || type == "assert_uninstantiable";
      bool expect_invalid = type == "assert_invalid";
      bool expect_malformed = type == "assert_malformed" && command.value("module_type", "") == "binary";
      if (!expect_valid && !expect_invalid && !expect_malformed) continue;
      if (command.value("module_type", "binary") != "binary") continue;
      std::vector<uint8_t> bytes = readFile(tmp.path() / file);
      auto result = decodeModule(bytes);
      std::string where = stem + ".wast:" + std::to_string(command.value("line", 0));
      if (expect_valid) {
        ++c.valid_total;
        if (result.isOk()) {
          ++c.valid_ok;
        } else {
          failures.push_back(where + ": valid module rejected: " + result.status().message());
        }
        continue;
      }
      std::string expected = command.value("text", "");
      int& ok = expect_invalid ? c.invalid_ok : c.malformed_ok;
      ++(expect_invalid ? c.invalid_total : c.malformed_total);
      if (result.isOk()) {
        failures.push_back(where + ": accepted, expected \"" + expected + "\"");
        continue;
      }
      ++ok;
      ErrorKind kind = errorKind(result.status());
      bool right_kind = expect_invalid ? kind == ErrorKind::kInvalid
                                       : (kind == ErrorKind::kMalformed || kind == ErrorKind::kLimit);
      if (!right_kind) ++c.wrong_category;
      if (result.status().message().find(expected) == std::string::npos) {
        ++c.text_mismatch;
        if (verbose) std::printf("  %s: expected \"%s\", got \"%s\"\n", where.c_str(), expected.c_str(),
                                 result.status().message().c_str());
      }
    }
    std::printf("%-40s valid %d/%d  invalid %d/%d  malformed %d/%d%s\n", stem.c_str(), c.valid_ok,
                c.valid_total, c.invalid_ok, c.invalid_total, c.malformed_ok, c.malformed_total,
                c.wrong_category ? ("  (" + std::to_string(c.wrong_category) + " other category)").c_str() : "");
    total.valid_ok += c.valid_ok;
    total.valid_total += c.valid_total;
    total.invalid_ok += c.invalid_ok;
    total.invalid_total += c.invalid_total;
    total.malformed_ok += c.malformed_ok;
    total.malformed_total += c.malformed_total;
    total.wrong_category += c.wrong_category;
    total.text_mismatch += c.text_mismatch;
  }
  // Category and wording are reported, not asserted: the spec only requires
  // rejection, and runners compare messages loosely.
  std::printf(
      "TOTAL %zu files: valid %d/%d  invalid %d/%d  malformed %d/%d  other-category %d  "
      "reason-text differs %d (WEIR_SPEC_VERBOSE=1 lists them)\n",
      wasts.size(), total.valid_ok, total.valid_total, total.invalid_ok, total.invalid_total, total.malformed_ok,
      total.malformed_total, total.wrong_category, total.text_mismatch);
  for (size_t i = 0; i < failures.size() && i < 200; ++i) ADD_FAILURE() << failures[i];
  EXPECT_TRUE(failures.empty()) << failures.size() << " spec expectations not met";
  EXPECT_GT(total.valid_total, 1000);
  EXPECT_GT(total.invalid_total, 1000);
}

}  // namespace
}  // namespace weir::wasm
