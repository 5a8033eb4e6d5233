// Binary decoding: header, LEB128 rules, section framing and order, every
// section's contents, the name section, limits and error offsets. Modules
// are assembled byte by byte so each test controls the exact encoding.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "wasm/module.h"

namespace weir::wasm {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes header() { return {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00}; }

void leb(Bytes& b, uint64_t v) {
  do {
    uint8_t byte = v & 0x7F;
    v >>= 7;
    if (v) byte |= 0x80;
    b.push_back(byte);
  } while (v);
}

void name(Bytes& b, const std::string& s) {
  leb(b, s.size());
  b.insert(b.end(), s.begin(), s.end());
}

void section(Bytes& m, uint8_t id, const Bytes& payload) {
  m.push_back(id);
  leb(m, payload.size());
  m.insert(m.end(), payload.begin(), payload.end());
}

// type 0 = [] -> [], one function of that type with the given body bytes
// (locals + instructions, without the size prefix).
Bytes moduleWithBody(const Bytes& body) {
  Bytes m = header();
  section(m, 1, {0x01, 0x60, 0x00, 0x00});
  section(m, 3, {0x01, 0x00});
  Bytes code = {0x01};
  leb(code, body.size());
  code.insert(code.end(), body.begin(), body.end());
  section(m, 10, code);
  return m;
}

std::string errorOf(const Bytes& b, const DecodeLimits& limits = {}) {
  auto r = decodeModule(b, limits);
  return r.isOk() ? "ok" : r.status().message();
}

TEST(WasmDecode, AcceptsEmptyModule) {
  auto r = decodeModule(header());
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_EQ((*r)->bytes.size(), 8u);
  EXPECT_EQ((*r)->numFuncs(), 0u);
}

TEST(WasmDecode, RejectsBadHeaderWithSpecWording) {
  EXPECT_EQ(errorOf({}), "unexpected end at offset 0");
  EXPECT_EQ(errorOf({0x00, 0x61, 0x73}), "unexpected end at offset 3");
  EXPECT_EQ(errorOf({'a', 's', 'm', 0x00}), "magic header not detected at offset 0");
  EXPECT_EQ(errorOf({0x00, 0x61, 0x73, 0x6D, 0x02, 0x00, 0x00, 0x00}), "unknown binary version at offset 4");
  auto r = decodeModule(Bytes{0x00, 0x61});
  EXPECT_EQ(errorKind(r.status()), ErrorKind::kMalformed);
}

TEST(WasmDecode, RejectsUnknownSectionIdAtItsOffset) {
  Bytes m = header();
  section(m, 13, {});
  EXPECT_EQ(errorOf(m), "malformed section id at offset 8");
}

TEST(WasmDecode, RejectsSectionsOutOfOrderOrRepeated) {
  Bytes m = header();
  section(m, 3, {0x00});
  section(m, 1, {0x00});
  EXPECT_NE(errorOf(m).find("unexpected content after last section"), std::string::npos);
  Bytes twice = header();
  section(twice, 1, {0x00});
  section(twice, 1, {0x00});
  EXPECT_NE(errorOf(twice).find("unexpected content after last section"), std::string::npos);
}

TEST(WasmDecode, AcceptsDataCountBetweenElementAndCode) {
  Bytes m = header();
  section(m, 5, {0x01, 0x00, 0x01});                    // memory 1
  section(m, 12, {0x01});                               // data count 1
  section(m, 11, {0x01, 0x01, 0x02, 'h', 'i'});         // one passive segment
  auto r = decodeModule(m);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  ASSERT_EQ((*r)->data.size(), 1u);
  EXPECT_EQ((*r)->data[0].mode, SegmentMode::kPassive);
  auto payload = (*r)->payload((*r)->data[0]);
  EXPECT_EQ(std::string(payload.begin(), payload.end()), "hi");
}

TEST(WasmDecode, RejectsDataCountThatDisagreesWithDataSection) {
  Bytes m = header();
  section(m, 5, {0x01, 0x00, 0x01});
  section(m, 12, {0x02});
  section(m, 11, {0x01, 0x01, 0x00});
  EXPECT_NE(errorOf(m).find("data count and data section have inconsistent lengths"), std::string::npos);
}

TEST(WasmDecode, RejectsSectionWhosePayloadIsLongerThanItsContents) {
  Bytes m = header();
  section(m, 1, {0x00, 0x00});  // count 0 then a stray byte
  EXPECT_EQ(errorOf(m), "section size mismatch at offset 11");
}

TEST(WasmDecode, EnforcesLeb128LengthAndUnusedBits) {
  // Type section count encoded in 5 bytes with a continuation bit: too long.
  Bytes overlong = header();
  section(overlong, 1, {0x80, 0x80, 0x80, 0x80, 0x80, 0x00});
  EXPECT_NE(errorOf(overlong).find("integer representation too long"), std::string::npos);
  // 5-byte u32 with bits above bit 31 set: too large.
  Bytes too_large = header();
  section(too_large, 1, {0x80, 0x80, 0x80, 0x80, 0x10});
  EXPECT_NE(errorOf(too_large).find("integer too large"), std::string::npos);
  // A redundant but in-range 5-byte zero is fine.
  Bytes padded = header();
  section(padded, 1, {0x80, 0x80, 0x80, 0x80, 0x00});
  EXPECT_EQ(errorOf(padded), "ok");
  // i32.const with the unused high bits of the 5th byte not sign-extended.
  EXPECT_NE(errorOf(moduleWithBody({0x00, 0x41, 0xFF, 0xFF, 0xFF, 0xFF, 0x4F, 0x1A, 0x0B})).find("integer too large"),
            std::string::npos);
  // ... and correctly sign-extended (-1 in five bytes) is accepted.
  EXPECT_EQ(errorOf(moduleWithBody({0x00, 0x41, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x1A, 0x0B})), "ok");
}

TEST(WasmDecode, RejectsMalformedUtf8Names) {
  for (Bytes bad : {Bytes{0xC0, 0x80}, Bytes{0xED, 0xA0, 0x80}, Bytes{0xF4, 0x90, 0x80, 0x80}, Bytes{0x80},
                    Bytes{0xE2, 0x82}}) {
    Bytes imp = {0x01};
    leb(imp, bad.size());
    imp.insert(imp.end(), bad.begin(), bad.end());
    name(imp, "f");
    imp.insert(imp.end(), {0x03, 0x7F, 0x00});  // global i32 immutable
    Bytes m = header();
    section(m, 2, imp);
    EXPECT_NE(errorOf(m).find("malformed UTF-8 encoding"), std::string::npos);
  }
  Bytes imp = {0x01};
  name(imp, "m\xC3\xA9\xF0\x9F\x98\x80");  // é and an emoji: valid
  name(imp, "g");
  imp.insert(imp.end(), {0x03, 0x7F, 0x00});
  Bytes m = header();
  section(m, 2, imp);
  auto r = decodeModule(m);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_EQ((*r)->imports[0].module, "m\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ((*r)->num_imported_globals, 1u);
}

TEST(WasmDecode, DecodesImportsOfEveryKind) {
  Bytes m = header();
  section(m, 1, {0x01, 0x60, 0x01, 0x7F, 0x01, 0x7E});  // (i32) -> (i64)
  Bytes imp = {0x04};
  name(imp, "env"), name(imp, "f"), imp.insert(imp.end(), {0x00, 0x00});
  name(imp, "env"), name(imp, "t"), imp.insert(imp.end(), {0x01, 0x6F, 0x01, 0x02, 0x10});
  name(imp, "env"), name(imp, "m"), imp.insert(imp.end(), {0x02, 0x00, 0x01});
  name(imp, "env"), name(imp, "g"), imp.insert(imp.end(), {0x03, 0x7C, 0x01});
  section(m, 2, imp);
  auto r = decodeModule(m);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const Module& mod = **r;
  EXPECT_EQ(mod.funcType(0), FuncType({ValType::kI32}, {ValType::kI64}));
  EXPECT_EQ(mod.tableType(0).elem_type, RefType::kExternRef);
  EXPECT_EQ(mod.tableType(0).limits, (Limits{2, 16, true}));
  EXPECT_EQ(mod.memoryType(0).limits, (Limits{1, 0, false}));
  EXPECT_EQ(mod.globalType(0), (GlobalType{ValType::kF64, true}));
  EXPECT_EQ(mod.importedFunc(0)->field, "f");
  EXPECT_EQ(mod.importedGlobal(0)->field, "g");
}

TEST(WasmDecode, RejectsUnknownImportKindAndMutability) {
  Bytes imp = {0x01};
  name(imp, "a"), name(imp, "b"), imp.insert(imp.end(), {0x04, 0x00});
  Bytes m = header();
  section(m, 2, imp);
  EXPECT_NE(errorOf(m).find("malformed import kind"), std::string::npos);
  Bytes imp2 = {0x01};
  name(imp2, "a"), name(imp2, "b"), imp2.insert(imp2.end(), {0x03, 0x7F, 0x02});
  Bytes m2 = header();
  section(m2, 2, imp2);
  EXPECT_NE(errorOf(m2).find("malformed mutability"), std::string::npos);
}

TEST(WasmDecode, DecodesAllEightElementSegmentEncodings) {
  Bytes m = header();
  section(m, 1, {0x01, 0x60, 0x00, 0x00});
  section(m, 3, {0x01, 0x00});
  section(m, 4, {0x01, 0x70, 0x00, 0x08});  // table funcref min 8
  Bytes elem = {0x08};
  elem.insert(elem.end(), {0x00, 0x41, 0x00, 0x0B, 0x01, 0x00});                    // 0: active, funcidx
  elem.insert(elem.end(), {0x01, 0x00, 0x01, 0x00});                                // 1: passive, elemkind
  elem.insert(elem.end(), {0x02, 0x00, 0x41, 0x01, 0x0B, 0x00, 0x01, 0x00});        // 2: active table 0
  elem.insert(elem.end(), {0x03, 0x00, 0x01, 0x00});                                // 3: declarative
  elem.insert(elem.end(), {0x04, 0x41, 0x02, 0x0B, 0x02, 0xD2, 0x00, 0x0B, 0xD0, 0x70, 0x0B});  // 4: exprs
  elem.insert(elem.end(), {0x05, 0x6F, 0x01, 0xD0, 0x6F, 0x0B});                    // 5: passive externref
  elem.insert(elem.end(), {0x06, 0x00, 0x41, 0x03, 0x0B, 0x70, 0x01, 0xD2, 0x00, 0x0B});  // 6: active exprs
  elem.insert(elem.end(), {0x07, 0x70, 0x01, 0xD2, 0x00, 0x0B});                    // 7: declarative exprs
  section(m, 9, elem);
  section(m, 10, {0x01, 0x02, 0x00, 0x0B});
  auto r = decodeModule(m);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const auto& e = (*r)->elements;
  ASSERT_EQ(e.size(), 8u);
  const SegmentMode kModes[] = {SegmentMode::kActive,  SegmentMode::kPassive, SegmentMode::kActive,
                                SegmentMode::kDeclarative, SegmentMode::kActive,  SegmentMode::kPassive,
                                SegmentMode::kActive,  SegmentMode::kDeclarative};
  for (size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(e[i].mode, kModes[i]) << "flags " << i;
    EXPECT_EQ(e[i].uses_exprs, i >= 4) << "flags " << i;
  }
  EXPECT_EQ(e[2].offset.i32(), 1);
  EXPECT_EQ(e[4].items.size(), 2u);
  EXPECT_EQ(e[4].items[0].kind, ConstExpr::Kind::kRefFunc);
  EXPECT_EQ(e[4].items[1].kind, ConstExpr::Kind::kRefNull);
  EXPECT_EQ(e[5].type, RefType::kExternRef);
  EXPECT_EQ(e[0].items[0].kind, ConstExpr::Kind::kRefFunc);  // funcidx form normalized
}

TEST(WasmDecode, RejectsElementSegmentFlagsAboveSeven) {
  Bytes m = header();
  section(m, 9, {0x01, 0x08});
  EXPECT_NE(errorOf(m).find("malformed elements segment kind"), std::string::npos);
}

TEST(WasmDecode, FunctionBodiesAreRangesOfTheRetainedBinary) {
  Bytes body = {0x02, 0x01, 0x7F, 0x02, 0x7E, 0x41, 0x07, 0x1A, 0x0B};  // 1 i32 + 2 i64 locals
  auto r = decodeModule(moduleWithBody(body));
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const Function& f = (*r)->functions[0];
  EXPECT_EQ(f.num_locals, 3u);
  ASSERT_EQ(f.locals.size(), 2u);
  EXPECT_EQ(f.locals[1].count, 2u);
  EXPECT_EQ(f.locals[1].type, ValType::kI64);
  auto code = (*r)->body(f);
  EXPECT_EQ(Bytes(code.begin(), code.end()), (Bytes{0x41, 0x07, 0x1A, 0x0B}));
  EXPECT_EQ(f.end_offset - f.entry_offset, body.size());
}

TEST(WasmDecode, RejectsFunctionAndCodeCountMismatch) {
  Bytes m = header();
  section(m, 1, {0x01, 0x60, 0x00, 0x00});
  section(m, 3, {0x02, 0x00, 0x00});
  section(m, 10, {0x01, 0x02, 0x00, 0x0B});
  EXPECT_NE(errorOf(m).find("function and code section have inconsistent lengths"), std::string::npos);
  Bytes no_code = header();
  section(no_code, 1, {0x01, 0x60, 0x00, 0x00});
  section(no_code, 3, {0x01, 0x00});
  EXPECT_NE(errorOf(no_code).find("function and code section have inconsistent lengths"), std::string::npos);
}

TEST(WasmDecode, LocalCountsAreBoundedBySpecAndByLimits) {
  // 0xFFFFFFFF + 2 locals overflows u32: malformed per the spec.
  Bytes huge = moduleWithBody({0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x7F, 0x02, 0x7E, 0x0B});
  auto r = decodeModule(huge);
  ASSERT_FALSE(r.isOk());
  EXPECT_NE(r.status().message().find("too many locals"), std::string::npos);
  EXPECT_EQ(errorKind(r.status()), ErrorKind::kMalformed);
  // Within u32 but above the configured limit: a limit error, no allocation.
  DecodeLimits limits;
  limits.max_locals_per_function = 1000;
  auto capped = decodeModule(moduleWithBody({0x01, 0xE9, 0x07, 0x7F, 0x0B}), limits);  // 1001 locals
  ASSERT_FALSE(capped.isOk());
  EXPECT_EQ(errorKind(capped.status()), ErrorKind::kLimit);
  EXPECT_TRUE(decodeModule(moduleWithBody({0x01, 0xE8, 0x07, 0x7F, 0x0B}), limits).isOk());  // exactly 1000
}

TEST(WasmDecode, AppliesModuleSizeAndCountLimits) {
  DecodeLimits small;
  small.max_module_bytes = 8;
  EXPECT_TRUE(decodeModule(header(), small).isOk());
  auto r = decodeModule(moduleWithBody({0x00, 0x0B}), small);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(errorKind(r.status()), ErrorKind::kLimit);

  DecodeLimits few;
  few.max_types = 1;
  Bytes m = header();
  section(m, 1, {0x02, 0x60, 0x00, 0x00, 0x60, 0x00, 0x00});
  auto t = decodeModule(m, few);
  ASSERT_FALSE(t.isOk());
  EXPECT_EQ(errorKind(t.status()), ErrorKind::kLimit);
}

TEST(WasmDecode, CountLargerThanRemainingBytesFailsWithoutHugeAllocation) {
  Bytes m = header();
  section(m, 1, {0xFF, 0xFF, 0xFF, 0x0F});  // ~33M types declared, none present
  DecodeLimits unlimited;
  unlimited.max_types = UINT32_MAX;
  auto r = decodeModule(m, unlimited);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(errorKind(r.status()), ErrorKind::kMalformed);
}

TEST(WasmDecode, ParsesNameSectionForModuleFunctionsAndLocals) {
  Bytes payload;
  name(payload, "name");
  Bytes mod_sub;
  name(mod_sub, "demo");
  payload.push_back(0x00);
  leb(payload, mod_sub.size());
  payload.insert(payload.end(), mod_sub.begin(), mod_sub.end());
  Bytes fn_sub = {0x01, 0x00};
  name(fn_sub, "run");
  payload.push_back(0x01);
  leb(payload, fn_sub.size());
  payload.insert(payload.end(), fn_sub.begin(), fn_sub.end());
  Bytes loc_sub = {0x01, 0x00, 0x01, 0x00};
  name(loc_sub, "counter");
  payload.push_back(0x02);
  leb(payload, loc_sub.size());
  payload.insert(payload.end(), loc_sub.begin(), loc_sub.end());

  Bytes m = moduleWithBody({0x01, 0x01, 0x7F, 0x0B});
  section(m, 0, payload);
  auto r = decodeModule(m);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const Module& mod = **r;
  EXPECT_TRUE(mod.names.has_names);
  EXPECT_EQ(mod.names.module_name, "demo");
  EXPECT_EQ(mod.functionName(0), "run");
  EXPECT_EQ(mod.localName(0, 0), "counter");
  EXPECT_EQ(mod.localName(0, 1), "");
  ASSERT_EQ(mod.customs.size(), 1u);
  EXPECT_EQ(mod.customs[0].name, "name");
}

TEST(WasmDecode, MalformedNameSectionIsIgnoredNotFatal) {
  Bytes payload;
  name(payload, "name");
  payload.insert(payload.end(), {0x01, 0x05, 0x03, 0x00});  // claims 3 names, truncated
  Bytes m = moduleWithBody({0x00, 0x0B});
  section(m, 0, payload);
  auto r = decodeModule(m);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_FALSE((*r)->names.has_names);
  EXPECT_EQ((*r)->functionName(0), "");
}

TEST(WasmDecode, CustomSectionsMayAppearAnywhere) {
  Bytes custom;
  name(custom, "x");
  custom.push_back(0x2A);
  Bytes m = header();
  section(m, 0, custom);
  section(m, 1, {0x01, 0x60, 0x00, 0x00});
  section(m, 0, custom);
  section(m, 3, {0x01, 0x00});
  section(m, 10, {0x01, 0x02, 0x00, 0x0B});
  section(m, 0, custom);
  auto r = decodeModule(m);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_EQ((*r)->customs.size(), 3u);
  EXPECT_EQ((*r)->sections.size(), 6u);
  EXPECT_EQ((*r)->payload((*r)->customs[1])[0], 0x2A);
}

TEST(WasmDecode, DecodeOnlyLeavesBodiesUncheckedUntilValidation) {
  Bytes m = moduleWithBody({0x00, 0x6A, 0x0B});  // i32.add on an empty stack
  auto decoded = decodeModuleUnvalidated(m);
  ASSERT_TRUE(decoded.isOk()) << decoded.status().message();
  Status s = validateModule(**decoded);
  EXPECT_EQ(s.message(), "type mismatch at offset 23");
  EXPECT_EQ(errorKind(s), ErrorKind::kInvalid);
}

}  // namespace
}  // namespace weir::wasm
