// Agreement with onnx-mlir's own NNPA backend tests.
//
// data/nnpa_backend_tests.json (tools/gen_nnpa_backend_list.py) lists the ONNX
// node tests onnx-mlir's NNPA backend runs at --march=z16 and --march=arch15
// (z17). Each enabled entry compiles the node test model alone and, when the
// entry names a zDNN symbol, checks that the library calls it
// (test/backend/common.py check_instruction): the tested op is placed on NNPA.
// An entry without a symbol (test_pow_bcast_scalar_cpu) only checks numerics
// and claims nothing about placement; it is counted, not asserted. Commented-out
// entries whose comment (or curated section limitation) states a legality
// limit are cases where the op stays off the NNPA. zonnx must agree with both,
// except for the documented expected disagreements in the JSON.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "test_support.h"
#include "zonnx/inspect.h"

namespace {
namespace fs = std::filesystem;
using Json = nlohmann::json;

const Json& backend_list() {
  static const Json doc = [] {
    std::ifstream f(zonnx::test::source_dir() + "/data/nnpa_backend_tests.json");
    return Json::parse(f);
  }();
  return doc;
}

std::string find_model(const std::string& folder) {
  std::string system = "/usr/share/libonnx-testdata/data/node/" + folder + "/model.onnx";
  if (fs::exists(system)) return system;
  std::string shared = zonnx::test::shared_dir();
  if (!shared.empty()) {
    std::string p = shared + "/onnx-node-tests/" + folder + "/model.onnx";
    if (fs::exists(p)) return p;
  }
  return {};
}

// Expected disagreements: test name at a march -> documented reason.
std::map<std::pair<std::string, std::string>, std::string> expected_disagreements() {
  std::map<std::pair<std::string, std::string>, std::string> out;
  for (const auto& e : backend_list().at("expected_disagreements"))
    out[{e.at("march").get<std::string>(), e.at("test").get<std::string>()}] =
        e.at("reason").get<std::string>();
  return out;
}

struct Outcome {
  bool skipped = false;
  bool agrees = false;
  std::string detail;
};

// Places the tested op's nodes: the main-graph nodes of the test's op (all
// counted compute nodes when there are none, e.g. whole-model tests).
Outcome check_entry(const Json& entry, zonnx::March march, bool expect_nnpa) {
  Outcome r;
  std::string path = find_model(entry.at("model").get<std::string>());
  if (path.empty()) {
    r.skipped = true;
    return r;
  }
  zonnx::InspectOptions options;
  options.analysis.march = march;
  try {
    zonnx::Inspection ins = zonnx::inspect_model(path, options);
    std::string op = entry.at("op").is_null() ? std::string() : entry.at("op").get<std::string>();
    std::vector<size_t> tested;
    for (const auto& n : ins.view.nodes())
      if (n.graph == 0 && n.op_type() != "Constant" && n.op_type() == op) tested.push_back(n.index);
    if (tested.empty())
      for (const auto& n : ins.view.nodes())
        if (n.op_type() != "Constant" && ins.analysis.verdicts[n.index].counted) tested.push_back(n.index);
    r.agrees = !tested.empty();
    for (size_t i : tested) {
      const auto& v = ins.analysis.verdicts[i];
      bool on_nnpa = v.placement == zonnx::Placement::Nnpa;
      if (on_nnpa != expect_nnpa) {
        r.agrees = false;
        r.detail +=
            " " + ins.view.nodes()[i].op_type() + "->" + std::string(zonnx::placement_name(v.placement));
        for (const auto& reason : v.reasons) r.detail += " [" + reason.rule + ": " + reason.message + "]";
      }
    }
    if (tested.empty()) r.detail = " no node of the tested op";
  } catch (const std::exception& e) {
    r.detail = std::string(" inspect failed: ") + e.what();
  }
  return r;
}

void run_agreement(bool enabled) {
  const auto expected = expected_disagreements();
  std::set<std::pair<std::string, std::string>> seen_expected;
  int agree = 0, disagree = 0, known = 0, skipped = 0, unchecked = 0;
  for (const auto& [march_text, list] : backend_list().at("lists").items()) {
    zonnx::March march = *zonnx::parse_march(march_text);
    for (const auto& entry : list.at(enabled ? "enabled" : "commented_out")) {
      if (!enabled && entry.at("legality_limit").is_null()) continue;
      if (enabled && entry.at("instruction").is_null()) {
        ++unchecked;
        continue;
      }
      std::string test = entry.at("test").get<std::string>();
      Outcome o = check_entry(entry, march, enabled);
      if (o.skipped) {
        ++skipped;
        continue;
      }
      auto key = std::make_pair(march_text, test);
      auto it = expected.find(key);
      if (it != expected.end()) {
        seen_expected.insert(key);
        EXPECT_FALSE(o.agrees)
            << test << " at " << march_text
            << " is listed as an expected disagreement but now agrees; drop it from the list";
        if (!o.agrees) ++known;
        continue;
      }
      if (o.agrees) {
        ++agree;
      } else {
        ++disagree;
        ADD_FAILURE() << test << " at " << march_text << ": onnx-mlir places the op "
                      << (enabled ? "on NNPA" : "off the NNPA") << ", zonnx:" << o.detail;
      }
    }
  }
  std::cout << (enabled ? "enabled entries" : "commented-out legality limits") << ": agree " << agree
            << " / disagree " << disagree << " / expected disagreements " << known << " / skipped (no model) "
            << skipped;
  if (enabled) std::cout << " / no instruction check " << unchecked;
  std::cout << "\n";
  EXPECT_EQ(disagree, 0);
  EXPECT_GT(agree + known + skipped, 0);
}

TEST(NnpaBackendAgreement, ListRecordsItsSource) {
  const Json& doc = backend_list();
  EXPECT_EQ(doc.at("source").at("commit").get<std::string>().size(), 40u);
  EXPECT_GT(doc.at("lists").at("z16").at("enabled").size(), 30u);
  EXPECT_GT(doc.at("lists").at("z17").at("enabled").size(), 5u);
  for (const auto& e : doc.at("expected_disagreements"))
    EXPECT_FALSE(e.at("reason").get<std::string>().empty());
}

TEST(NnpaBackendAgreement, EnabledEntriesRunOnNnpa) { run_agreement(true); }

TEST(NnpaBackendAgreement, CommentedOutLegalityLimitsStayOffNnpa) { run_agreement(false); }

}  // namespace
