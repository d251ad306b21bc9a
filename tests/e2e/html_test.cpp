// The HTML report in a real headless browser (Debian's chromium, installed by
// tools/install-deps): the page's own script counts what it drew into
// #zonnx-selftest, and the counts must equal the JSON report's, with no script
// error, for a bundled model and a generated graph of 5,000 nodes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "test_support.h"

namespace zonnx::test {
namespace {

using nlohmann::json;

constexpr const char* kChromium = "/usr/bin/chromium";

// The DOM after the page's scripts ran. Paths come from temp_dir() and the
// checkout, so they need no shell quoting beyond single quotes.
std::string dump_dom(const std::string& html_path) {
  const std::string profile = temp_dir();
  const std::string cmd = std::string("timeout 120 ") + kChromium +
                          " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run"
                          " --user-data-dir='" +
                          profile + "' --virtual-time-budget=10000 --dump-dom 'file://" + html_path +
                          "' 2>/dev/null";
  std::string out;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return out;
  std::array<char, 65536> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  pclose(pipe);
  return out;
}

// The page's self-check: {"nodes_drawn": {...}, "table_rows": N, "transitions_drawn": N, "errors": [...]}.
json self_check(const std::string& dom) {
  const std::string open = "<pre id=\"zonnx-selftest\"";
  const size_t at = dom.find(open);
  const size_t start = at == std::string::npos ? at : dom.find('>', at);
  const size_t end = start == std::string::npos ? start : dom.find("</pre>", start);
  if (end == std::string::npos) return nullptr;
  std::string text = dom.substr(start + 1, end - start - 1);
  // textContent comes back HTML-escaped in the dump.
  for (auto [from, to] :
       {std::pair<std::string, std::string>{"&quot;", "\""}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}}) {
    for (size_t p = text.find(from); p != std::string::npos; p = text.find(from, p + to.size()))
      text.replace(p, from.size(), to);
  }
  return json::parse(text, nullptr, false);
}

// The data block the page was built from.
json embedded_data(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"zonnx-data\">";
  const size_t start = html.find(open);
  if (start == std::string::npos) return nullptr;
  const size_t end = html.find("</script>", start);
  return json::parse(html.substr(start + open.size(), end - start - open.size()), nullptr, false);
}

// Runs inspect as JSON and as HTML, opens the page, and checks the drawing against the report.
void check_page(const std::string& model, const std::vector<std::string>& extra = {}) {
  ASSERT_TRUE(std::filesystem::exists(kChromium)) << kChromium << " is missing: run tools/install-deps";
  const std::string dir = temp_dir();
  const std::string html_path = dir + "/report.html";
  std::vector<std::string> json_args = {"inspect", "--format", "json", model};
  std::vector<std::string> html_args = {"inspect", "--format", "html", "-o", html_path, model};
  json_args.insert(json_args.end(), extra.begin(), extra.end());
  html_args.insert(html_args.end(), extra.begin(), extra.end());
  RunResult as_json = run_zonnx(json_args);
  ASSERT_EQ(as_json.exit_code, 0) << as_json.err;
  const json report = json::parse(as_json.out);
  RunResult as_html = run_zonnx(html_args);
  ASSERT_EQ(as_html.exit_code, 0) << as_html.err;
  const std::string html = read_file(html_path);

  // Self-contained: nothing is fetched from anywhere.
  EXPECT_EQ(html.find("<script src"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg")) << "only the SVG namespace URI";
  EXPECT_EQ(html.find("https://"), std::string::npos);

  std::map<std::string, uint64_t> expected = {{"nnpa", 0}, {"cpu", 0}, {"unsupported", 0}, {"folded", 0}};
  for (const auto& n : report["nodes"])
    expected[n["counted"].get<bool>() ? n["placement"].get<std::string>() : "folded"]++;
  ASSERT_EQ(expected["nnpa"], report["summary"]["nnpa"].get<uint64_t>());
  ASSERT_EQ(expected["cpu"], report["summary"]["cpu"].get<uint64_t>());

  const json data = embedded_data(html);
  ASSERT_FALSE(data.is_discarded()) << "the data block must be valid JSON";
  // Transitions drawn: producer -> consumer pairs with one end on the NNPA and the
  // other on the CPU, worked out here from the JSON report (single-graph models).
  std::map<std::string, size_t> producer;
  const json& nodes = report["nodes"];
  for (size_t i = 0; i < nodes.size(); ++i)
    for (const auto& out : nodes[i]["outputs"]) producer[out["name"].get<std::string>()] = i;
  auto side = [&](size_t i) {
    return nodes[i]["counted"].get<bool>() ? (nodes[i]["placement"] == "nnpa" ? 1 : 2) : 0;
  };
  uint64_t marked = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    std::set<size_t> from;
    for (const auto& in : nodes[i]["inputs"]) {
      const auto p = producer.find(in["name"].get<std::string>());
      if (p != producer.end() && p->second != i) from.insert(p->second);
    }
    for (size_t p : from) marked += side(p) && side(i) && side(p) != side(i);
  }

  const std::string dom = dump_dom(html_path);
  const json check = self_check(dom);
  ASSERT_FALSE(check.is_null() || check.is_discarded())
      << "no self-check in the page; DOM starts: " << dom.substr(0, 500);
  EXPECT_TRUE(check["errors"].empty()) << check["errors"].dump();
  for (const auto& [placement, count] : expected)
    EXPECT_EQ(check["nodes_drawn"][placement].get<uint64_t>(), count) << placement;
  EXPECT_EQ(check["table_rows"].get<uint64_t>(), report["nodes"].size());
  EXPECT_EQ(check["transitions_drawn"].get<uint64_t>(), marked);
  EXPECT_EQ(data["edges"].size(), check["edges_drawn"].get<uint64_t>());
}

TEST(Html, SqueezenetPageDrawsEveryNodeAsTheJsonReportPlacesIt) {
  check_page(bundled_model("squeezenet1_1_op13.onnx"));
}

TEST(Html, GruWithFoldedConstants) { check_page(bundled_model("gru_op13.onnx")); }

TEST(Html, TransformerEncoderOnZ17) {
  check_page(bundled_model("transformer_encoder_op17.onnx"), {"--march", "z17"});
}

// 5,000 nodes in 1,250 blocks (MatMul and Relu on the NNPA, Abs on the CPU,
// Add joining two branches): the page must stay fast and exact at that size.
TEST(Html, FiveThousandNodeGraph) {
  ModelBuilder b(13);
  b.input("x0", onnx::TensorProto::FLOAT, {4, 64});
  b.initializer_floats("w", {64, 64});
  std::string prev = "x0";
  for (int i = 0; i < 1250; ++i) {
    const std::string s = std::to_string(i);
    b.node("MatMul", {prev, "w"}, {"m" + s}, "matmul_" + s);
    b.node("Relu", {"m" + s}, {"r" + s}, "relu_" + s);
    b.node("Abs", {"r" + s}, {"a" + s}, "abs_" + s);
    b.node("Add", {"a" + s, prev}, {"x" + std::to_string(i + 1)}, "add_" + s);
    prev = "x" + std::to_string(i + 1);
  }
  b.output(prev, onnx::TensorProto::FLOAT, {4, 64});
  const std::string model = b.save(temp_dir() + "/big.onnx");
  check_page(model);
}

TEST(Html, HtmlNeedsASingleModel) {
  RunResult r = run_zonnx({"inspect", "--format", "html", bundled_model("squeezenet1_1_op13.onnx"),
                           bundled_model("gru_op13.onnx")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("single model"), std::string::npos) << r.err;
}

// A node name that tries to close the data block stays inside it.
TEST(Html, NodeNamesCannotBreakOutOfTheDataBlock) {
  ModelBuilder b(13);
  b.input("x", onnx::TensorProto::FLOAT, {1, 8});
  b.node("Relu", {"x"}, {"y"}, "</script><script>window.zonnxErrors.push('injected')</script><!--");
  b.output("y", onnx::TensorProto::FLOAT, {1, 8});
  const std::string model = b.save(temp_dir() + "/evil.onnx");
  check_page(model);
  const std::string html_path = temp_dir() + "/evil.html";
  ASSERT_EQ(run_zonnx({"inspect", "--format", "html", "-o", html_path, model}).exit_code, 0);
  const json data = embedded_data(read_file(html_path));
  ASSERT_FALSE(data.is_discarded());
  EXPECT_EQ(data["nodes"][0][0], "</script><script>window.zonnxErrors.push('injected')</script><!--");
}

}  // namespace
}  // namespace zonnx::test
