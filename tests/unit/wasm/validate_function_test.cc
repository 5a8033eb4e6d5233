// Validation of function bodies and module-level rules. Modules are written
// in the text format and assembled with wabt's wat2wasm (--no-check, so
// invalid modules can be produced); a few encodings wat2wasm cannot express
// are written as bytes.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "wasm/module.h"

namespace weir::wasm {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

bool haveWat2Wasm() { return std::system("wat2wasm --version >/dev/null 2>&1") == 0; }

// Assembles WAT text to a binary; empty on assembler failure.
Bytes assemble(const std::string& wat) {
  std::string dir_tmpl = (fs::temp_directory_path() / "weir-validate-XXXXXX").string();
  char* dir = mkdtemp(dir_tmpl.data());
  if (!dir) return {};
  fs::path in = fs::path(dir) / "m.wat", out = fs::path(dir) / "m.wasm";
  std::ofstream(in) << wat;
  std::string cmd = "wat2wasm --enable-all --no-check '" + in.string() + "' -o '" + out.string() + "' 2>&1";
  Bytes bytes;
  if (std::system(cmd.c_str()) == 0) {
    std::ifstream f(out, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(f), {});
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return bytes;
}

class WasmValidate : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!haveWat2Wasm()) GTEST_SKIP() << "wat2wasm (wabt) is not installed";
  }
  // "ok" or the error message.
  static std::string check(const std::string& wat) {
    Bytes b = assemble(wat);
    if (b.empty()) return "assembler failed";
    auto r = decodeModule(b);
    return r.isOk() ? "ok" : r.status().message();
  }
  static bool rejectedWith(const std::string& wat, const std::string& reason) {
    std::string msg = check(wat);
    if (msg.find(reason) == std::string::npos) {
      ADD_FAILURE() << "expected \"" << reason << "\", got \"" << msg << "\" for " << wat;
      return false;
    }
    return true;
  }
};

TEST_F(WasmValidate, AcceptsWellTypedArithmeticAndControlFlow) {
  EXPECT_EQ(check(R"((module
    (func (export "fac") (param i64) (result i64)
      (if (result i64) (i64.eqz (local.get 0))
        (then (i64.const 1))
        (else (i64.mul (local.get 0) (call 0 (i64.sub (local.get 0) (i64.const 1))))))))
  )"),
            "ok");
}

TEST_F(WasmValidate, ReportsTypeMismatchWithItsOffset) {
  Bytes b = assemble("(module (func (result i32) (i64.const 1)))");
  ASSERT_FALSE(b.empty());
  auto r = decodeModule(b);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(errorKind(r.status()), ErrorKind::kInvalid);
  // The error points into the function body (after the 8-byte header and the
  // type/function/code section framing), not at 0.
  EXPECT_NE(r.status().message().find("type mismatch at offset "), std::string::npos);
  size_t offset = std::stoul(r.status().message().substr(r.status().message().rfind(' ') + 1));
  EXPECT_GT(offset, 20u);
  EXPECT_LT(offset, b.size());
}

TEST_F(WasmValidate, RejectsUnknownIndices) {
  rejectedWith("(module (func (drop (local.get 3))))", "unknown local");
  rejectedWith("(module (func (drop (global.get 0))))", "unknown global");
  rejectedWith("(module (func (call 5)))", "unknown function");
  rejectedWith("(module (func (br 1)))", "unknown label");
  rejectedWith("(module (func (drop (i32.load (i32.const 0)))))", "unknown memory");
  rejectedWith("(module (func (drop (table.size 0))))", "unknown table");
  rejectedWith("(module (type (func)) (func (call_indirect (type 7) (i32.const 0))) (table 1 funcref))",
               "unknown type");
}

TEST_F(WasmValidate, UnreachableMakesTheStackPolymorphic) {
  EXPECT_EQ(check("(module (func (result i32) unreachable i32.add))"), "ok");
  EXPECT_EQ(check("(module (func (result f64) (block (result f64) (br 0 (unreachable)))))"), "ok");
  rejectedWith("(module (func (result i32) unreachable (i64.const 0) i32.add))", "type mismatch");
}

TEST_F(WasmValidate, ChecksMultiValueBlocksAndBranchArity) {
  EXPECT_EQ(check(R"((module (func (result i32 i64)
      (i32.const 1) (i64.const 2) (block (param i32 i64) (result i32 i64) nop))))"),
            "ok");
  rejectedWith("(module (func (result i32 i64) (block (param i32 i64) (result i32 i64) nop)))", "type mismatch");
  rejectedWith(R"((module (func (block (result i32) (block (result i64)
      (br_table 0 1 (i64.const 0) (i32.const 0)))))))",
               "type mismatch");
  rejectedWith("(module (func (if (result i32) (i32.const 1) (then (i32.const 1)))))", "type mismatch");
}

TEST_F(WasmValidate, SelectNeedsAnExplicitTypeForReferences) {
  EXPECT_EQ(check("(module (func (result funcref) (select (result funcref) (ref.null func) (ref.null func) (i32.const 1))))"),
            "ok");
  rejectedWith("(module (func (result externref) (select (ref.null extern) (ref.null extern) (i32.const 1))))",
               "type mismatch");
}

TEST_F(WasmValidate, EnforcesNaturalAlignment) {
  EXPECT_EQ(check("(module (memory 1) (func (drop (i64.load align=8 (i32.const 0)))))"), "ok");
  rejectedWith("(module (memory 1) (func (drop (i32.load8_u align=2 (i32.const 0)))))",
               "alignment must not be larger than natural");
  rejectedWith("(module (memory 1) (func (drop (v128.load64_splat align=16 (i32.const 0)))))",
               "alignment must not be larger than natural");
}

TEST_F(WasmValidate, ChecksSimdLaneIndices) {
  EXPECT_EQ(check("(module (func (result i32) (i8x16.extract_lane_u 15 (v128.const i64x2 0 0))))"), "ok");
  rejectedWith("(module (func (result i32) (i8x16.extract_lane_u 16 (v128.const i64x2 0 0))))",
               "invalid lane index");
  rejectedWith("(module (func (result i64) (i64x2.extract_lane 2 (v128.const i64x2 0 0))))", "invalid lane index");
  rejectedWith(R"((module (memory 1) (func (result v128)
      (v128.load32_lane 4 (i32.const 0) (v128.const i64x2 0 0)))))",
               "invalid lane index");
  rejectedWith(R"((module (func (result v128)
      (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 32 (v128.const i64x2 0 0) (v128.const i64x2 0 0)))))",
               "invalid lane index");
  rejectedWith("(module (func (result v128) (i32x4.add (v128.const i64x2 0 0) (i32.const 0))))", "type mismatch");
}

TEST_F(WasmValidate, FunctionReferencesMustBeDeclared) {
  rejectedWith("(module (func $f) (func (drop (ref.func $f))))", "undeclared function reference");
  EXPECT_EQ(check("(module (func $f) (elem declare func $f) (func (drop (ref.func $f))))"), "ok");
  EXPECT_EQ(check("(module (func $f (export \"f\")) (func (drop (ref.func $f))))"), "ok");
}

TEST_F(WasmValidate, BulkMemoryRulesForSegmentsAndTables) {
  EXPECT_EQ(check("(module (memory 1) (data \"x\") (func (memory.init 0 (i32.const 0) (i32.const 0) (i32.const 1)) (data.drop 0)))"),
            "ok");
  rejectedWith("(module (memory 1) (data \"x\") (func (data.drop 1)))", "unknown data segment");
  rejectedWith("(module (table 1 funcref) (elem externref) (func (table.init 0 0 (i32.const 0) (i32.const 0) (i32.const 0))))",
               "type mismatch");
  rejectedWith("(module (func (elem.drop 0)))", "unknown elem segment");
  rejectedWith("(module (table 1 funcref) (table 1 externref) (func (table.copy 0 1 (i32.const 0) (i32.const 0) (i32.const 0))))",
               "type mismatch");
}

TEST_F(WasmValidate, GlobalsAndConstantExpressions) {
  rejectedWith("(module (global i32 (i32.const 0)) (func (global.set 0 (i32.const 1))))", "global is immutable");
  rejectedWith("(module (global (mut i32) (i32.const 0)) (global i32 (global.get 0)))", "unknown global");
  rejectedWith("(module (global (import \"m\" \"g\") (mut i32)) (global i32 (global.get 0)))",
               "constant expression required");
  EXPECT_EQ(check("(module (global (import \"m\" \"g\") i32) (global i32 (global.get 0)))"), "ok");
  rejectedWith("(module (global i32 (i32.add (i32.const 1) (i32.const 2))))", "constant expression required");
  rejectedWith("(module (global i64 (i32.const 0)))", "type mismatch");
  rejectedWith("(module (memory 1) (data (i64.const 0) \"x\"))", "type mismatch");
}

TEST_F(WasmValidate, ModuleLevelRules) {
  rejectedWith("(module (func (export \"a\")) (func (export \"a\")))", "duplicate export name");
  rejectedWith("(module (func (param i32)) (start 0))", "start function");
  rejectedWith("(module (memory 1) (memory 1))", "multiple memories");
  rejectedWith("(module (memory 65537))", "memory size must be at most 65536 pages (4GiB)");
  rejectedWith("(module (table 2 1 funcref))", "size minimum must not be greater than maximum");
  rejectedWith("(module (table 1 externref) (elem (i32.const 0) func 0) (func))", "type mismatch");
}

TEST_F(WasmValidate, RecordsFactsForTheInterpreter) {
  Bytes b = assemble(R"((module (memory 1)
    (func $leaf (param i32) (result i32) (local.get 0))
    (func $deep (result i32)
      (i32.add (i32.const 1) (i32.add (i32.const 2) (i32.add (i32.const 3) (i32.load (i32.const 0))))))
    (func $caller (block (block (block (drop (call $leaf (i32.const 1)))))))))");
  ASSERT_FALSE(b.empty());
  auto r = decodeModule(b);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const auto& f = (*r)->functions;
  EXPECT_EQ(f[0].max_stack_height, 1u);
  EXPECT_FALSE(f[0].uses_memory);
  EXPECT_FALSE(f[0].has_calls);
  EXPECT_EQ(f[1].max_stack_height, 4u);
  EXPECT_TRUE(f[1].uses_memory);
  EXPECT_EQ(f[2].max_control_depth, 4u);  // function frame + 3 blocks
  EXPECT_TRUE(f[2].has_calls);
}

// Bytes: type [] -> [], one function with `body` (no locals).
Bytes moduleWithInstructions(const Bytes& instrs, bool with_memory = false) {
  Bytes m = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00};
  if (with_memory) m.insert(m.end(), {0x05, 0x03, 0x01, 0x00, 0x01});
  Bytes body = {0x00};
  body.insert(body.end(), instrs.begin(), instrs.end());
  m.push_back(0x0A);
  Bytes code = {0x01};
  // sizes here stay < 128 except in the nesting test, which uses leb below
  auto leb = [](Bytes& out, uint64_t v) {
    do {
      uint8_t byte = v & 0x7F;
      v >>= 7;
      if (v) byte |= 0x80;
      out.push_back(byte);
    } while (v);
  };
  leb(code, body.size());
  code.insert(code.end(), body.begin(), body.end());
  leb(m, code.size());
  m.insert(m.end(), code.begin(), code.end());
  return m;
}

TEST(WasmValidateBytes, MalformedEncodingsInsideBodies) {
  auto kindOf = [](const Bytes& b) { return errorKind(decodeModule(b).status()); };
  EXPECT_EQ(kindOf(moduleWithInstructions({0xFF, 0x0B})), ErrorKind::kMalformed);              // illegal opcode
  EXPECT_EQ(kindOf(moduleWithInstructions({0x3F, 0x01, 0x1A, 0x0B}, true)), ErrorKind::kMalformed);  // memory.size 1
  EXPECT_EQ(kindOf(moduleWithInstructions({0xFC, 0x09, 0x00, 0x0B}, true)), ErrorKind::kMalformed);  // no data count
  EXPECT_EQ(kindOf(moduleWithInstructions({0xFD, 0x9A, 0x01, 0x0B})), ErrorKind::kMalformed);  // unassigned SIMD
  EXPECT_EQ(kindOf(moduleWithInstructions({0x01})), ErrorKind::kMalformed);  // body ends without `end`
  EXPECT_EQ(kindOf(moduleWithInstructions({0x0B, 0x01})), ErrorKind::kMalformed);  // bytes after final `end`
  EXPECT_EQ(decodeModule(moduleWithInstructions({0x3F, 0x00, 0x1A, 0x0B}, true)).status().message(), "");
}

TEST(WasmValidateBytes, DeepNestingIsBoundedAndNeverRecurses) {
  const int depth = 200000;
  Bytes instrs;
  instrs.reserve(depth * 3 + 2);
  for (int i = 0; i < depth; ++i) instrs.insert(instrs.end(), {0x02, 0x40});
  for (int i = 0; i < depth; ++i) instrs.push_back(0x0B);
  instrs.push_back(0x0B);
  Bytes m = moduleWithInstructions(instrs);
  DecodeLimits deep;
  deep.max_nesting_depth = depth + 1;
  auto ok = decodeModule(m, deep);
  ASSERT_TRUE(ok.isOk()) << ok.status().message();
  EXPECT_EQ((*ok)->functions[0].max_control_depth, static_cast<uint32_t>(depth + 1));
  auto limited = decodeModule(m);  // default limit is far below 200000
  ASSERT_FALSE(limited.isOk());
  EXPECT_EQ(errorKind(limited.status()), ErrorKind::kLimit);
}

}  // namespace
}  // namespace weir::wasm
