// Packaging: the man page and the shell completions must name every option and choice the binary's
// --help prints (so they cannot silently fall behind the CLI), --version must name the onnx-mlir
// profile built into the tables, and `cmake --install` must lay out what the Debian package ships.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "test_support.h"
#include "zonnx/tables.h"

namespace zonnx::test {
namespace {

namespace fs = std::filesystem;

// What one `--help` screen offers: option spellings ("-o", "--output") and the values of options
// restricted to a set ("text", "json" from "--format TEXT:{text,json}").
struct HelpScreen {
  std::set<std::string> options;
  std::set<std::string> choices;
  std::set<std::string> subcommands;
};

HelpScreen parse_help(const std::string& help) {
  HelpScreen screen;
  std::istringstream in(help);
  std::string section;
  static const std::regex option_re(R"(--?[A-Za-z][A-Za-z0-9-]*)");
  static const std::regex choices_re(R"(:\{([^}]*)\})");
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != ' ') {
      section = line;
      continue;
    }
    if (line.rfind("  ", 0) != 0 || line.size() < 3 || line[2] == ' ') continue;  // continuation line
    std::string first = line.substr(2, line.find(' ', 2) - 2);
    if (section == "Subcommands:") {
      screen.subcommands.insert(first);
    } else if (section == "Options:" && first[0] == '-') {
      for (std::sregex_iterator it(first.begin(), first.end(), option_re), end; it != end; ++it)
        screen.options.insert(it->str());
      std::smatch m;
      if (std::regex_search(line, m, choices_re)) {
        std::istringstream values(m[1].str());
        for (std::string v; std::getline(values, v, ',');) screen.choices.insert(v);
      }
    }
  }
  return screen;
}

// The help of the program and of each subcommand, keyed by subcommand ("" for the program).
std::map<std::string, HelpScreen> all_help_screens() {
  std::map<std::string, HelpScreen> screens;
  RunResult top = run_zonnx({"--help"});
  EXPECT_EQ(top.exit_code, 0) << top.err;
  screens[""] = parse_help(top.out);
  for (const auto& cmd : screens[""].subcommands) {
    RunResult r = run_zonnx({cmd, "--help"});
    EXPECT_EQ(r.exit_code, 0) << cmd << ": " << r.err;
    screens[cmd] = parse_help(r.out);
  }
  return screens;
}

// The man page as plain words: troff writes a minus sign as "\-".
std::string man_page_text() {
  std::string text = read_file(source_dir() + "/packaging/zonnx.1");
  return std::regex_replace(text, std::regex(R"(\\-)"), "-");
}

// True when `word` occurs in `text` not as part of a longer option or word.
bool mentions(const std::string& text, const std::string& word) {
  auto is_word_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  };
  for (size_t pos = text.find(word); pos != std::string::npos; pos = text.find(word, pos + 1)) {
    bool starts = pos == 0 || !is_word_char(text[pos - 1]);
    size_t after = pos + word.size();
    bool ends = after == text.size() || !is_word_char(text[after]);
    if (starts && ends) return true;
  }
  return false;
}

class PackagedText : public ::testing::TestWithParam<const char*> {};

// Each file that documents or completes the command line knows every subcommand, option and choice.
TEST_P(PackagedText, NamesEveryCommandOptionAndChoiceOfTheHelp) {
  std::string file = GetParam();
  std::string text = file == "packaging/zonnx.1" ? man_page_text() : read_file(source_dir() + "/" + file);
  auto screens = all_help_screens();
  ASSERT_GE(screens[""].subcommands.size(), 4u) << "the top-level help lists the commands";
  ASSERT_TRUE(screens.count("inspect") && screens["inspect"].options.count("--march"))
      << "the help format changed: this test no longer reads it";
  size_t checked = 0;
  for (const auto& [cmd, screen] : screens) {
    std::string where = cmd.empty() ? "zonnx --help" : "zonnx " + cmd + " --help";
    for (const auto& sub : screen.subcommands)
      EXPECT_TRUE(mentions(text, sub)) << file << ": command " << sub;
    for (const auto& opt : screen.options) {
      EXPECT_TRUE(mentions(text, opt)) << file << " does not mention " << opt << " (" << where << ")";
      ++checked;
    }
    for (const auto& value : screen.choices)
      EXPECT_TRUE(mentions(text, value))
          << file << " does not mention the value " << value << " (" << where << ")";
  }
  EXPECT_GE(checked, 30u);
}

INSTANTIATE_TEST_SUITE_P(Files, PackagedText,
                         ::testing::Values("packaging/zonnx.1", "packaging/completions/zonnx.bash",
                                           "packaging/completions/_zonnx"),
                         [](const auto& info) {
                           std::string name = fs::path(info.param).filename().string();
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

TEST(Packaging, ManPageNamesEveryExitCode) {
  std::string text = man_page_text();
  size_t exit_status = text.find(".SH EXIT STATUS");
  ASSERT_NE(exit_status, std::string::npos);
  std::string section = text.substr(exit_status, text.find(".SH", exit_status + 1) - exit_status);
  for (const char* code : {"0", "1", "2", "3", "4"})
    EXPECT_NE(section.find(std::string(".B ") + code + "\n"), std::string::npos) << "exit code " << code;
}

// The title line names the release, so a version bump must touch the man page too.
TEST(Packaging, ManPageTitleNamesThisVersion) {
  std::string text = read_file(source_dir() + "/packaging/zonnx.1");
  std::smatch title;
  ASSERT_TRUE(std::regex_search(text, title, std::regex(R"(\n\.TH ZONNX 1 [^\n]*)")));
  EXPECT_NE(title.str().find(std::string("\"zonnx ") + ZONNX_VERSION + "\""), std::string::npos)
      << title.str();
}

TEST(Packaging, VersionNamesTheOnnxMlirProfile) {
  RunResult r = run_zonnx({"--version"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const ProfileInfo& profile = SupportTables::embedded().profile();
  ASSERT_EQ(profile.onnx_mlir_commit.size(), 40u);
  EXPECT_EQ(r.out.rfind(std::string("zonnx ") + ZONNX_VERSION + "\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find(profile.onnx_mlir_commit), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("onnx-mlir " + profile.onnx_mlir_version), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("up to " + std::to_string(profile.table_max_opset)), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("targets opset " + std::to_string(profile.nnpa_recommended_opset)), std::string::npos)
      << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(onnx library: \d+\.\d+\.\d+)"))) << r.out;
}

// Runs a shell command; returns its exit status and stdout.
std::pair<int, std::string> shell(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return {-1, out};
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string shell_quoted(const std::string& s) { return "'" + s + "'"; }

// `cmake --install` puts the program, its man page, completions and docs where Debian expects them,
// and nothing for developers (the static library and headers stay in the build tree).
TEST(Packaging, InstallLaysOutWhatThePackageShips) {
  std::string prefix = temp_dir() + "/usr";
  auto [rc, out] = shell(shell_quoted(ZONNX_CMAKE_COMMAND) + " --install " + shell_quoted(ZONNX_BUILD_DIR) +
                         " --prefix " + shell_quoted(prefix) + " 2>&1");
  ASSERT_EQ(rc, 0) << out;
  for (const char* file :
       {"bin/zonnx", "share/man/man1/zonnx.1.gz", "share/bash-completion/completions/zonnx",
        "share/zsh/vendor-completions/_zonnx", "share/doc/zonnx/LICENSE", "share/doc/zonnx/copyright",
        "share/doc/zonnx/README.md", "share/doc/zonnx/cli.md", "share/doc/zonnx/exit-codes.md",
        "share/doc/zonnx/json-schema.md"})
    EXPECT_TRUE(fs::is_regular_file(prefix + "/" + file)) << file;
  EXPECT_FALSE(fs::exists(prefix + "/include"));
  EXPECT_FALSE(fs::exists(prefix + "/lib"));
  EXPECT_EQ(read_file(prefix + "/share/bash-completion/completions/zonnx"),
            read_file(source_dir() + "/packaging/completions/zonnx.bash"));

  // The man page is the source, compressed.
  auto [gz_rc, man] = shell("gzip -dc " + shell_quoted(prefix + "/share/man/man1/zonnx.1.gz"));
  ASSERT_EQ(gz_rc, 0);
  EXPECT_EQ(man, read_file(source_dir() + "/packaging/zonnx.1"));

  // The installed program runs on its own (under the emulator of a cross build, as the tests do).
  std::string installed;
  std::istringstream launcher(ZONNX_BINARY_LAUNCHER);
  for (std::string part; std::getline(launcher, part, '|');)
    if (!part.empty()) installed += shell_quoted(part) + " ";
  installed += shell_quoted(prefix + "/bin/zonnx");
  auto [v_rc, version] = shell(installed + " --version");
  EXPECT_EQ(v_rc, 0);
  EXPECT_EQ(version.rfind(std::string("zonnx ") + ZONNX_VERSION, 0), 0u) << version;
  auto [i_rc, report] =
      shell(installed + " inspect " + shell_quoted(bundled_model("squeezenet1_1_op13.onnx")));
  EXPECT_EQ(i_rc, 0);
  EXPECT_NE(report.find("squeezenet1_1_op13.onnx"), std::string::npos);
}

}  // namespace
}  // namespace zonnx::test
