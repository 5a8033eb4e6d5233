#include "cli/project.h"

#include <gtest/gtest.h>

namespace weir::cli {
namespace {

TEST(ProjectFileTest, ParsesEveryKey) {
  auto p = parseProjectFile(
      "name: hello\nlanguage: assemblyscript\nsdk: \"@solo-io/proxy-runtime 0.1.8\"\nroot_ids: [a, b]\n"
      "build: npm run build\noutput: build/filter.wasm\ndescription: d\nversion: 1.2.3\n");
  ASSERT_TRUE(p.isOk()) << p.status().message();
  EXPECT_EQ(p->name, "hello");
  EXPECT_EQ(p->language, "assemblyscript");
  EXPECT_EQ(p->sdk, "@solo-io/proxy-runtime 0.1.8");
  EXPECT_EQ(p->root_ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(p->build, "npm run build");
  EXPECT_EQ(p->output, "build/filter.wasm");
  EXPECT_EQ(p->version, "1.2.3");
}

TEST(ProjectFileTest, RejectsUnknownKeysNamingThem) {
  auto p = parseProjectFile("name: a\nlanguage: rust\nbuild: x\noutput: y\nroot_id: [a]\n");
  ASSERT_FALSE(p.isOk());
  EXPECT_NE(p.status().message().find("unknown key 'root_id'"), std::string::npos) << p.status().message();
}

TEST(ProjectFileTest, RequiresNameLanguageBuildOutput) {
  auto p = parseProjectFile("name: a\nlanguage: rust\nbuild: x\n");
  ASSERT_FALSE(p.isOk());
  EXPECT_NE(p.status().message().find("'output' is required"), std::string::npos);
}

TEST(ProjectFileTest, RejectsWrongTypesAndBadYaml) {
  EXPECT_FALSE(parseProjectFile("name: [a]\nlanguage: r\nbuild: x\noutput: y\n").isOk());
  EXPECT_FALSE(parseProjectFile("name: a\nlanguage: r\nbuild: x\noutput: y\nroot_ids: a\n").isOk());
  EXPECT_FALSE(parseProjectFile("- a\n- b\n").isOk());
  auto bad = parseProjectFile("name: a\n  : : [\n");
  ASSERT_FALSE(bad.isOk());
  EXPECT_NE(bad.status().message().find("weir.yaml:"), std::string::npos);
}

TEST(ProjectFileTest, OutputStaysInsideTheProject) {
  EXPECT_FALSE(parseProjectFile("name: a\nlanguage: r\nbuild: x\noutput: /etc/passwd\n").isOk());
  EXPECT_FALSE(parseProjectFile("name: a\nlanguage: r\nbuild: x\noutput: ../x.wasm\n").isOk());
}

TEST(ProjectFileTest, MissingFileSaysHowToMakeOne) {
  auto p = loadProjectFile("/nonexistent-dir");
  ASSERT_FALSE(p.isOk());
  EXPECT_NE(p.status().message().find("weir init"), std::string::npos);
}

}  // namespace
}  // namespace weir::cli
