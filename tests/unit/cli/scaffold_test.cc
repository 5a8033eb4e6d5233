#include "cli/scaffold.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace weir::cli {
namespace {

namespace fs = std::filesystem;

#define FILE_OF(path, text) EmbeddedFile{path, reinterpret_cast<const unsigned char*>(text), sizeof(text) - 1}

const EmbeddedFile kFiles[] = {
    FILE_OF("rust/add-header/src/lib.rs", "proxy_wasm::main! {{ }} // {{name}} {{root_id}}\n"),
    FILE_OF("rust/add-header/test/run.sh", "#!/bin/sh\necho {{name}}\n"),
    FILE_OF("rust/auth/Cargo.toml", "name = \"{{name}}\"\n"),
    FILE_OF("tinygo/add-header/go.mod", "module {{name}}\n"),
};

class ScaffoldTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("weir-scaffold-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  fs::path dir_;
};

TEST_F(ScaffoldTest, ListsLanguagesAndTemplates) {
  EXPECT_EQ(templateLanguages(kFiles), (std::vector<std::string>{"rust", "tinygo"}));
  EXPECT_EQ(templateNames(kFiles, "rust"), (std::vector<std::string>{"add-header", "auth"}));
  EXPECT_TRUE(templateNames(kFiles, "cpp").empty());
}

TEST_F(ScaffoldTest, SubstitutesNameAndRootIdAndKeepsOtherBraces) {
  auto written = scaffoldProject(kFiles, dir_.string(), "rust", "add-header", "my-filter");
  ASSERT_TRUE(written.isOk()) << written.status().message();
  EXPECT_EQ(*written, (std::vector<std::string>{"src/lib.rs", "test/run.sh"}));
  EXPECT_EQ(read(dir_ / "src/lib.rs"), "proxy_wasm::main! {{ }} // my-filter my_filter\n");
  struct stat st{};
  ASSERT_EQ(::stat((dir_ / "test/run.sh").c_str(), &st), 0);
  EXPECT_TRUE(st.st_mode & S_IXUSR);
}

TEST_F(ScaffoldTest, RefusesANonEmptyDirectory) {
  ASSERT_TRUE(scaffoldProject(kFiles, dir_.string(), "rust", "auth", "a").isOk());
  auto again = scaffoldProject(kFiles, dir_.string(), "rust", "auth", "a");
  ASSERT_FALSE(again.isOk());
  EXPECT_NE(again.status().message().find("not empty"), std::string::npos);
}

TEST_F(ScaffoldTest, UnknownLanguageOrTemplateListsWhatExists) {
  auto lang = scaffoldProject(kFiles, dir_.string(), "cobol", "add-header", "a");
  ASSERT_FALSE(lang.isOk());
  EXPECT_NE(lang.status().message().find("languages: rust, tinygo"), std::string::npos) << lang.status().message();
  auto tmpl = scaffoldProject(kFiles, dir_.string(), "tinygo", "auth", "a");
  ASSERT_FALSE(tmpl.isOk());
  EXPECT_NE(tmpl.status().message().find("templates: add-header"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_));
}

TEST_F(ScaffoldTest, ProjectNamesAreSafeEverywhereTheyGo) {
  EXPECT_TRUE(validateProjectName("hello-filter2").isOk());
  for (const char* bad : {"", "Hello", "2x", "a_b", "a/b", "a b", "a-", "../x", "a\"b"}) {
    EXPECT_FALSE(validateProjectName(bad).isOk()) << bad;
    EXPECT_FALSE(scaffoldProject(kFiles, dir_.string(), "rust", "auth", bad).isOk()) << bad;
  }
  EXPECT_FALSE(validateProjectName(std::string(65, 'a')).isOk());
  EXPECT_EQ(rootIdFor("my-cool-filter"), "my_cool_filter");
}

TEST_F(ScaffoldTest, LanguageAliases) {
  EXPECT_EQ(canonicalLanguage("as"), "assemblyscript");
  EXPECT_EQ(canonicalLanguage("go"), "tinygo");
  EXPECT_EQ(canonicalLanguage("c++"), "cpp");
  EXPECT_EQ(canonicalLanguage("rust"), "rust");
}

}  // namespace
}  // namespace weir::cli
