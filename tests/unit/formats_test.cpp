// Tests of the CI formats (SARIF, CSV, Markdown, DOT) on the bundled models:
// each is checked against the JSON report of the same model, and SARIF against
// what the SARIF 2.1.0 schema requires of the objects zonnx writes.

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "test_support.h"
#include "zonnx/inspect.h"
#include "zonnx/loader.h"
#include "zonnx/report.h"

namespace zonnx {
namespace {

using nlohmann::json;
using test::bundled_model;
using test::run_zonnx;

constexpr int kFloat = onnx::TensorProto::FLOAT;
const std::vector<std::string> kModels = {"squeezenet1_1_op13.onnx", "gru_op13.onnx",
                                          "transformer_encoder_op17.onnx", "silero_vad_16k_op15.onnx"};

Inspection inspect(const std::string& path, March march = March::Z16) {
  InspectOptions options;
  options.analysis.march = march;
  return inspect_model(path, options);
}

json report_json(const Inspection& in) { return json(inspect_json(in.view, in.analysis)); }

// ---- SARIF -------------------------------------------------------------------

// What the SARIF 2.1.0 schema (sarif-schema-2.1.0.json) requires of the
// objects zonnx writes: required properties, types, enums, and no property the
// schema does not define (it sets additionalProperties: false on all of them).
class SarifChecker {
 public:
  void log(const json& j) {
    object(j, "sarifLog", {"version", "runs"}, {"$schema", "version", "runs", "properties"});
    EXPECT_EQ(j["version"], "2.1.0");
    EXPECT_TRUE(j["$schema"].is_string());
    ASSERT_TRUE(j["runs"].is_array());
    for (const json& r : j["runs"]) run(r);
  }

 private:
  void object(const json& j, const std::string& what, const std::set<std::string>& required,
              const std::set<std::string>& allowed) {
    ASSERT_TRUE(j.is_object()) << what << " is not an object";
    for (const auto& key : required)
      EXPECT_TRUE(j.contains(key)) << what << " lacks required \"" << key << "\"";
    for (const auto& [key, value] : j.items())
      EXPECT_TRUE(allowed.count(key)) << what << " has \"" << key << "\", which SARIF 2.1.0 does not define";
  }
  void message(const json& j, const std::string& what) {
    object(j, what, {}, {"text", "markdown", "id", "arguments", "properties"});
    EXPECT_TRUE(j.contains("text") || j.contains("id")) << what << " needs text or id";
    if (j.contains("text")) {
      EXPECT_TRUE(j["text"].is_string());
    }
  }
  void multiformat(const json& j, const std::string& what) {
    object(j, what, {"text"}, {"text", "markdown", "properties"});
    EXPECT_TRUE(j["text"].is_string());
  }
  void properties(const json& j, const std::string& what) {
    ASSERT_TRUE(j.is_object()) << what;
    if (j.contains("tags")) {
      ASSERT_TRUE(j["tags"].is_array());
      std::set<std::string> tags;
      for (const json& t : j["tags"]) {
        ASSERT_TRUE(t.is_string());
        EXPECT_TRUE(tags.insert(t.get<std::string>()).second) << what << ": tags must be unique";
      }
    }
  }
  void artifact_location(const json& j) {
    object(j, "artifactLocation", {}, {"uri", "uriBaseId", "index", "description", "properties"});
    ASSERT_TRUE(j["uri"].is_string());
    // uri-reference: no spaces, no characters outside RFC 3986.
    EXPECT_TRUE(std::regex_match(j["uri"].get<std::string>(),
                                 std::regex("[A-Za-z0-9\\-._~:/?#\\[\\]@!$&'()*+,;=%]+")))
        << j["uri"];
  }
  void level(const json& j) {
    ASSERT_TRUE(j.is_string());
    EXPECT_TRUE(std::set<std::string>({"none", "note", "warning", "error"}).count(j.get<std::string>())) << j;
  }
  void rule(const json& j) {
    object(j, "reportingDescriptor", {"id"},
           {"id", "deprecatedIds", "guid", "deprecatedGuids", "name", "deprecatedNames", "shortDescription",
            "fullDescription", "messageStrings", "defaultConfiguration", "helpUri", "help", "relationships",
            "properties"});
    EXPECT_TRUE(j["id"].is_string());
    for (const char* key : {"shortDescription", "fullDescription", "help"})
      if (j.contains(key)) multiformat(j[key], key);
    if (j.contains("defaultConfiguration")) {
      object(j["defaultConfiguration"], "reportingConfiguration", {},
             {"enabled", "level", "rank", "parameters", "properties"});
      level(j["defaultConfiguration"]["level"]);
    }
    if (j.contains("properties")) properties(j["properties"], "rule properties");
  }
  void location(const json& j) {
    object(j, "location", {},
           {"id", "physicalLocation", "logicalLocations", "message", "annotations", "relationships",
            "properties"});
    if (j.contains("physicalLocation")) {
      const json& p = j["physicalLocation"];
      object(p, "physicalLocation", {},
             {"address", "artifactLocation", "region", "contextRegion", "properties"});
      EXPECT_TRUE(p.contains("artifactLocation") || p.contains("address"));
      if (p.contains("artifactLocation")) artifact_location(p["artifactLocation"]);
      if (p.contains("region")) {
        object(p["region"], "region", {},
               {"startLine", "startColumn", "endLine", "endColumn", "charOffset", "charLength", "byteOffset",
                "byteLength", "snippet", "message", "sourceLanguage", "properties"});
        EXPECT_GE(p["region"]["startLine"].get<int>(), 1);
      }
    }
    if (j.contains("logicalLocations")) {
      ASSERT_TRUE(j["logicalLocations"].is_array());
      for (const json& l : j["logicalLocations"]) {
        object(l, "logicalLocation", {},
               {"name", "index", "fullyQualifiedName", "decoratedName", "parentIndex", "kind", "properties"});
        EXPECT_TRUE(l["name"].is_string());
        EXPECT_TRUE(l["fullyQualifiedName"].is_string());
      }
    }
  }
  void result(const json& j, size_t rule_count) {
    object(j, "result", {"message"},
           {"guid",
            "correlationGuid",
            "ruleId",
            "ruleIndex",
            "rule",
            "taxa",
            "kind",
            "level",
            "message",
            "analysisTarget",
            "locations",
            "webRequest",
            "webResponse",
            "fingerprints",
            "partialFingerprints",
            "codeFlows",
            "graphs",
            "graphTraversals",
            "stacks",
            "relatedLocations",
            "suppressions",
            "baselineState",
            "rank",
            "attachments",
            "hostedViewerUri",
            "workItemUris",
            "provenance",
            "fixes",
            "occurrenceCount",
            "properties"});
    message(j["message"], "result.message");
    level(j["level"]);
    ASSERT_TRUE(j["ruleIndex"].is_number_integer());
    EXPECT_LT(j["ruleIndex"].get<size_t>(), rule_count);
    ASSERT_TRUE(j["partialFingerprints"].is_object());
    for (const auto& [key, value] : j["partialFingerprints"].items()) EXPECT_TRUE(value.is_string()) << key;
    if (j.contains("baselineState")) {
      EXPECT_TRUE(std::set<std::string>({"new", "unchanged", "updated", "absent"}).count(j["baselineState"]));
    }
    ASSERT_TRUE(j["locations"].is_array());
    for (const json& l : j["locations"]) location(l);
    if (j.contains("properties")) properties(j["properties"], "result properties");
  }
  void run(const json& j) {
    object(j, "run", {"tool"},
           {"tool",
            "invocations",
            "conversion",
            "language",
            "versionControlProvenance",
            "originalUriBaseIds",
            "artifacts",
            "logicalLocations",
            "graphs",
            "results",
            "automationDetails",
            "runAggregates",
            "baselineGuid",
            "redactionTokens",
            "defaultEncoding",
            "defaultSourceLanguage",
            "newlineSequences",
            "columnKind",
            "externalPropertyFileReferences",
            "threadFlowLocations",
            "taxonomies",
            "addresses",
            "translations",
            "policies",
            "webRequests",
            "webResponses",
            "specialLocations",
            "properties"});
    object(j["tool"], "tool", {"driver"}, {"driver", "extensions", "properties"});
    const json& driver = j["tool"]["driver"];
    object(driver, "toolComponent", {"name"},
           {"guid",
            "name",
            "organization",
            "product",
            "productSuite",
            "shortDescription",
            "fullDescription",
            "fullName",
            "version",
            "semanticVersion",
            "dottedQuadFileVersion",
            "releaseDateUtc",
            "downloadUri",
            "informationUri",
            "globalMessageStrings",
            "notifications",
            "rules",
            "taxa",
            "locations",
            "language",
            "contents",
            "isComprehensive",
            "localizedDataSemanticVersion",
            "minimumRequiredLocalizedDataSemanticVersion",
            "associatedComponent",
            "translationMetadata",
            "supportedTaxonomies",
            "properties"});
    EXPECT_EQ(driver["name"], "zonnx");
    ASSERT_TRUE(driver["rules"].is_array());
    std::set<std::string> ids;
    for (const json& r : driver["rules"]) {
      rule(r);
      EXPECT_TRUE(ids.insert(r["id"].get<std::string>()).second) << "rule listed twice: " << r["id"];
    }
    if (j.contains("automationDetails"))
      object(j["automationDetails"], "runAutomationDetails", {},
             {"description", "id", "guid", "correlationGuid", "properties"});
    if (j.contains("invocations"))
      for (const json& inv : j["invocations"]) {
        ASSERT_TRUE(inv.is_object());
        EXPECT_TRUE(inv["executionSuccessful"].is_boolean()) << "invocation requires executionSuccessful";
        if (inv.contains("toolExecutionNotifications"))
          for (const json& n : inv["toolExecutionNotifications"]) {
            ASSERT_TRUE(n.contains("message"));
            message(n["message"], "notification.message");
            for (const json& l : n["locations"]) location(l);
          }
      }
    if (j.contains("artifacts"))
      for (const json& a : j["artifacts"]) artifact_location(a["location"]);
    ASSERT_TRUE(j["results"].is_array());
    for (const json& r : j["results"]) result(r, driver["rules"].size());
  }
};

TEST(Sarif, RunMatchesTheJsonReportNodeForNode) {
  for (const std::string& file : kModels) {
    SCOPED_TRACE(file);
    const Inspection in = inspect(bundled_model(file));
    const json report = report_json(in);
    const json log = json(sarif_log({sarif_run(in.view, in.analysis)}));
    SarifChecker().log(log);
    if (HasFatalFailure()) return;
    ASSERT_EQ(log["runs"].size(), 1u);
    const json& run = log["runs"][0];

    std::set<std::string> heavy;
    for (const json& op : report["summary"]["heavy_cpu_ops"]) heavy.insert(op["op"].get<std::string>());
    std::map<size_t, const json*> expected;  // counted nodes off the NNPA, by index
    for (const json& n : report["nodes"])
      if (n["counted"] == true && n["placement"] != "nnpa") expected[n["index"].get<size_t>()] = &n;
    ASSERT_EQ(run["results"].size(), expected.size());

    std::set<std::string> fingerprints;
    std::set<std::string> used_rules;
    for (const json& r : run["results"]) {
      const size_t index = r["properties"]["nodeIndex"];
      ASSERT_TRUE(expected.count(index)) << index;
      const json& node = *expected[index];
      EXPECT_EQ(r["ruleId"], node["reasons"][0]["rule"]);
      EXPECT_EQ(run["tool"]["driver"]["rules"][r["ruleIndex"].get<size_t>()]["id"], r["ruleId"]);
      used_rules.insert(r["ruleId"].get<std::string>());
      const std::string level = r["level"];
      if (node["placement"] == "unsupported")
        EXPECT_EQ(level, "error");
      else
        EXPECT_EQ(level, heavy.count(node["op_type"].get<std::string>()) ? "warning" : "note");
      const std::string text = r["message"]["text"];
      EXPECT_NE(text.find(node["op_type"].get<std::string>()), std::string::npos) << text;
      if (!node["name"].get<std::string>().empty()) {
        EXPECT_NE(text.find(node["name"].get<std::string>()), std::string::npos) << text;
      }
      EXPECT_NE(text.find(node["reasons"][0]["message"].get<std::string>()), std::string::npos) << text;
      const json& logical = r["locations"][0]["logicalLocations"][0];
      EXPECT_EQ(
          logical["fullyQualifiedName"].get<std::string>().rfind(node["graph"].get<std::string>() + "/", 0),
          0u);
      EXPECT_EQ(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                "file://" + report["model"]["path"].get<std::string>());
      EXPECT_TRUE(fingerprints.insert(r["partialFingerprints"]["zonnxNode/v1"].get<std::string>()).second)
          << "two nodes share a fingerprint: " << node["name"];
    }
    // rules[] is exactly the rules used, each described from the catalog.
    EXPECT_EQ(run["tool"]["driver"]["rules"].size(), used_rules.size());
    for (const json& rule : run["tool"]["driver"]["rules"]) {
      const RuleInfo* info = find_rule(rule["id"].get<std::string>());
      ASSERT_NE(info, nullptr) << rule["id"];
      EXPECT_EQ(rule["shortDescription"]["text"], info->title);
      EXPECT_NE(rule["help"]["text"].get<std::string>().find(info->hint), std::string::npos);
      EXPECT_EQ(rule["defaultConfiguration"]["level"],
                info->outcome == Placement::Unsupported ? "error" : "note");
    }
  }
}

TEST(Sarif, FingerprintsFollowTheNodeNotTheVerdict) {
  // The same node keeps its fingerprint on z16 and z17, even when its rule changes.
  const std::string model = bundled_model("transformer_encoder_op17.onnx");
  const Inspection z16 = inspect(model, March::Z16);
  const Inspection z17 = inspect(model, March::Z17);
  const json a = json(sarif_run(z16.view, z16.analysis));
  const json b = json(sarif_run(z17.view, z17.analysis));
  std::map<size_t, std::string> by_node;
  for (const json& r : a["results"])
    by_node[r["properties"]["nodeIndex"]] = r["partialFingerprints"]["zonnxNode/v1"];
  size_t shared = 0;
  for (const json& r : b["results"]) {
    auto it = by_node.find(r["properties"]["nodeIndex"]);
    if (it == by_node.end()) continue;
    ++shared;
    EXPECT_EQ(it->second, r["partialFingerprints"]["zonnxNode/v1"]);
  }
  EXPECT_GT(shared, 0u);
  EXPECT_NE(a["automationDetails"]["id"], b["automationDetails"]["id"])
      << "z16 and z17 runs are separate categories";
}

TEST(Sarif, RelativePathStaysRelativeAndIsEncoded) {
  const std::string dir = test::temp_dir();
  const std::string path = dir + "/my model #1.onnx";
  std::filesystem::copy_file(bundled_model("squeezenet1_1_op13.onnx"), path);
  const std::string relative = std::filesystem::relative(path).string();
  ASSERT_NE(relative.front(), '/');
  const Inspection in = inspect(relative);
  const json run = json(sarif_run(in.view, in.analysis));
  ASSERT_FALSE(run["results"].empty());
  const std::string uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
  EXPECT_EQ(uri.find("file:"), std::string::npos) << uri;
  EXPECT_NE(uri.find("my%20model%20%231.onnx"), std::string::npos) << uri;
}

TEST(Sarif, CliBatchGivesOneRunPerModelAndAFailedRunForABadOne) {
  const std::string dir = test::temp_dir();
  test::write_file(dir + "/broken.onnx", "not a model");
  test::RunResult r = run_zonnx({"inspect", "--format", "sarif", bundled_model("squeezenet1_1_op13.onnx"),
                                 bundled_model("gru_op13.onnx"), dir + "/broken.onnx"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  const json log = json::parse(r.out);
  SarifChecker().log(log);
  ASSERT_EQ(log["runs"].size(), 3u);
  EXPECT_EQ(log["runs"][0]["invocations"][0]["executionSuccessful"], true);
  EXPECT_EQ(log["runs"][2]["invocations"][0]["executionSuccessful"], false);
  EXPECT_NE(log["runs"][2]["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
                .get<std::string>()
                .find("broken.onnx"),
            std::string::npos);
  std::set<std::string> categories;
  for (const json& run : log["runs"]) categories.insert(run["automationDetails"]["id"].get<std::string>());
  EXPECT_EQ(categories.size(), 3u) << "GitHub needs a distinct category per run";
  // The single-model log is the first run of the batch log.
  test::RunResult one = run_zonnx({"inspect", "--format", "sarif", bundled_model("squeezenet1_1_op13.onnx")});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(json::parse(one.out)["runs"][0], log["runs"][0]);
}

// ---- CSV ---------------------------------------------------------------------

// RFC 4180 reader: records end in CRLF; a quoted field may hold commas, quotes
// (doubled) and line breaks. Fails the test on a bare LF outside quotes.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, was_quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      EXPECT_TRUE(field.empty() && !was_quoted) << "quote inside an unquoted field at byte " << i;
      quoted = was_quoted = true;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
      was_quoted = false;
    } else if (c == '\r') {
      EXPECT_TRUE(i + 1 < text.size() && text[i + 1] == '\n') << "CR without LF at byte " << i;
      row.push_back(field);
      rows.push_back(row);
      row.clear();
      field.clear();
      was_quoted = false;
      ++i;
    } else {
      EXPECT_NE(c, '\n') << "bare LF at byte " << i;
      field += c;
    }
  }
  EXPECT_FALSE(quoted) << "unterminated quoted field";
  EXPECT_TRUE(row.empty() && field.empty()) << "last record without CRLF";
  return rows;
}

TEST(Csv, FieldsAreQuotedOnlyWhenNeeded) {
  EXPECT_EQ(csv_field("Conv"), "Conv");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\r\nlines"), "\"two\r\nlines\"");
  EXPECT_EQ(csv_field(""), "");
}

TEST(Csv, RowsParseBackToTheJsonReport) {
  for (const std::string& file : kModels) {
    SCOPED_TRACE(file);
    const Inspection in = inspect(bundled_model(file));
    const json report = report_json(in);
    std::ostringstream out;
    write_csv_header(out);
    write_csv_rows(out, in.view, in.analysis);
    const auto rows = parse_csv(out.str());
    ASSERT_EQ(rows.size(), report["nodes"].size() + 1);
    const std::vector<std::string> header = {"model",  "graph",   "index",     "node",    "op",
                                             "domain", "version", "placement", "counted", "rule_id",
                                             "reason", "hint",    "macs"};
    ASSERT_EQ(rows[0], header);
    uint64_t mac_nnpa = 0, mac_total = 0, unknown = 0;
    for (size_t i = 1; i < rows.size(); ++i) {
      const auto& row = rows[i];
      const json& n = report["nodes"][i - 1];
      ASSERT_EQ(row.size(), header.size()) << "row " << i;
      EXPECT_EQ(row[0], report["model"]["path"]);
      EXPECT_EQ(row[1], n["graph"]);
      EXPECT_EQ(row[2], std::to_string(n["index"].get<size_t>()));
      EXPECT_EQ(row[3], n["name"]);
      EXPECT_EQ(row[4], n["op_type"]);
      EXPECT_EQ(row[5], n["domain"]);
      EXPECT_EQ(row[6], std::to_string(n["version"].get<int>()));
      EXPECT_EQ(row[7], n["placement"]);
      EXPECT_EQ(row[8], n["counted"] == true ? "true" : "false");
      const bool has_reason = !n["reasons"].empty();
      EXPECT_EQ(row[9], has_reason ? n["reasons"][0]["rule"].get<std::string>() : "");
      EXPECT_EQ(row[10], has_reason ? n["reasons"][0]["message"].get<std::string>() : "");
      EXPECT_EQ(row[11], has_reason ? n["reasons"][0]["hint"].get<std::string>() : "");
      if (n["counted"] != true) {
        EXPECT_EQ(row[12], "");
      } else if (row[12].empty()) {
        ++unknown;
      } else {
        const uint64_t macs = std::stoull(row[12]);
        mac_total += macs;
        if (n["placement"] == "nnpa") mac_nnpa += macs;
      }
    }
    // The per-node costs add up to the report's totals.
    EXPECT_EQ(mac_nnpa, report["summary"]["mac"]["nnpa"].get<uint64_t>());
    EXPECT_EQ(mac_total, report["summary"]["mac"]["total_known"].get<uint64_t>());
    EXPECT_EQ(unknown, report["summary"]["mac"]["unknown_nodes"].get<uint64_t>());
  }
}

TEST(Csv, AwkwardNamesSurviveTheRoundTrip) {
  test::ModelBuilder b(13);
  b.input("x", kFloat, {1, 4});
  b.node("Relu", {"x"}, {"y"}, "relu, \"first\"\nline two");
  b.node("Sigmoid", {"y"}, {"z"}, "=cmd|' /C calc'!A0");
  b.output("z", kFloat, {1, 4});
  const std::string path = b.save(test::temp_dir() + "/awkward.onnx");
  const Inspection in = inspect(path);
  std::ostringstream out;
  write_csv_header(out);
  write_csv_rows(out, in.view, in.analysis);
  const auto rows = parse_csv(out.str());
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1][3], "relu, \"first\"\nline two");
  EXPECT_EQ(rows[2][3], "=cmd|' /C calc'!A0");
}

TEST(Csv, CliBatchHasOneHeaderAndTheRowsOfEveryModel) {
  test::RunResult r = run_zonnx({"inspect", "--format", "csv", bundled_model("squeezenet1_1_op13.onnx"),
                                 bundled_model("gru_op13.onnx")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = parse_csv(r.out);
  const json a = report_json(inspect(bundled_model("squeezenet1_1_op13.onnx")));
  const json b = report_json(inspect(bundled_model("gru_op13.onnx")));
  ASSERT_EQ(rows.size(), 1 + a["nodes"].size() + b["nodes"].size());
  EXPECT_EQ(rows[0][0], "model");
  EXPECT_EQ(rows[1][0], a["model"]["path"]);
  EXPECT_EQ(rows.back()[0], b["model"]["path"]);
}

// ---- Markdown ----------------------------------------------------------------

TEST(Markdown, SummaryTablesAndFoldedNodes) {
  const Inspection in = inspect(bundled_model("squeezenet1_1_op13.onnx"));
  const json report = report_json(in);
  std::ostringstream out;
  write_markdown(out, in.view, in.analysis, {GateResult{"--fail-on cpu", true, "30 node(s) on CPU"}});
  const std::string md = out.str();
  const json& s = report["summary"];
  EXPECT_NE(md.find("## zonnx: "), std::string::npos);
  EXPECT_NE(md.find("on z16"), std::string::npos);
  EXPECT_NE(md.find("| nnpa | " + std::to_string(s["nnpa"].get<int>()) + " |"), std::string::npos) << md;
  EXPECT_NE(md.find("| cpu | " + std::to_string(s["cpu"].get<int>()) + " |"), std::string::npos) << md;
  // Every op off the NNPA has a row with its rule.
  for (const json& n : report["nodes"]) {
    if (n["counted"] != true || n["placement"] == "nnpa") continue;
    const std::string row =
        "| " + n["op_type"].get<std::string>() + " | " + n["placement"].get<std::string>() + " | ";
    EXPECT_NE(md.find(row), std::string::npos) << row;
    EXPECT_NE(md.find("`" + n["reasons"][0]["rule"].get<std::string>() + "`"), std::string::npos);
  }
  EXPECT_NE(md.find("❌ `--fail-on cpu`"), std::string::npos) << md;
  const size_t details = md.find("<details><summary>");
  ASSERT_NE(details, std::string::npos);
  EXPECT_NE(md.find("</details>", details), std::string::npos);
  EXPECT_NE(md.find(std::to_string(s["cpu"].get<int>()) + " node(s) off the NNPA"), std::string::npos);
}

TEST(Markdown, NamesCannotInjectHtmlOrBreakTables) {
  test::ModelBuilder b(13);
  b.input("x", kFloat, {1, 4});
  b.node("Relu", {"x"}, {"y"}, "r");
  test::set_attr(b.node("Concat", {"y", "y"}, {"z"}, "a|b<img src=x onerror=alert(1)>\n## heading"), "axis",
                 int64_t{0});
  b.output("z", kFloat, {2, 4});
  const Inspection in = inspect(b.save(test::temp_dir() + "/html.onnx"));
  std::ostringstream out;
  write_markdown(out, in.view, in.analysis, {});
  const std::string md = out.str();
  EXPECT_EQ(md.find("<img"), std::string::npos) << md;
  EXPECT_NE(md.find("a\\|b&lt;img src=x onerror=alert(1)&gt; \\#\\# heading"), std::string::npos) << md;
}

TEST(Markdown, CliBatchOpensWithATableOfModels) {
  const std::string dir = test::temp_dir();
  test::write_file(dir + "/broken.onnx", "not a model");
  test::RunResult r = run_zonnx({"inspect", "--format", "markdown", bundled_model("squeezenet1_1_op13.onnx"),
                                 bundled_model("gru_op13.onnx"), dir + "/broken.onnx"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(r.out.rfind("## zonnx: 3 model(s)", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("### zonnx: "), std::string::npos);
  size_t sections = 0;
  for (size_t at = r.out.find("### zonnx: "); at != std::string::npos; at = r.out.find("### zonnx: ", at + 1))
    ++sections;
  EXPECT_EQ(sections, 2u) << "one section per inspected model";
  EXPECT_NE(r.out.find("broken.onnx"), std::string::npos);
}

// ---- DOT ---------------------------------------------------------------------

struct DotCounts {
  size_t nodes = 0;
  std::map<std::string, size_t> fills;
  size_t edges = 0;
  size_t marked_edges = 0;
  size_t clusters = 0;
};

DotCounts count_dot(const std::string& dot) {
  DotCounts c;
  std::istringstream in(dot);
  std::string line;
  const std::regex node_line("^\\s*n\\d+ \\[label=.*fillcolor=\"(#[0-9a-f]{6})\".*\\];$");
  const std::regex edge_line("^\\s*n\\d+ -> n\\d+( \\[.*\\])?;$");
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, node_line)) {
      ++c.nodes;
      ++c.fills[m[1]];
    } else if (std::regex_match(line, edge_line)) {
      ++c.edges;
      if (line.find("style=bold") != std::string::npos) ++c.marked_edges;
    } else if (line.find("subgraph cluster_") != std::string::npos) {
      ++c.clusters;
    }
  }
  return c;
}

TEST(Dot, NodesColouredByPlacementAndCrossingsMarked) {
  for (const std::string& file : kModels) {
    SCOPED_TRACE(file);
    const Inspection in = inspect(bundled_model(file));
    const json report = report_json(in);
    std::ostringstream out;
    write_dot(out, in.view, in.analysis);
    const std::string dot = out.str();
    ASSERT_EQ(dot.rfind("digraph zonnx {", 0), 0u);
    ASSERT_EQ(dot.substr(dot.size() - 2), "}\n");
    const DotCounts c = count_dot(dot);

    // From the JSON report: fills per placement, and the producer -> consumer
    // edges (values by name, inner scopes first) that cross NNPA/CPU.
    std::map<std::string, size_t> fills;
    std::map<std::pair<std::string, std::string>, size_t> producer;  // (graph, value) -> node
    for (const json& n : report["nodes"]) {
      const std::string p = n["counted"] == true ? n["placement"].get<std::string>() : "not counted";
      ++fills[p == "nnpa" ? "#a6dba0" : p == "cpu" ? "#fdb863" : p == "unsupported" ? "#e34a33" : "#dddddd"];
      for (const json& o : n["outputs"])
        if (!o["name"].get<std::string>().empty()) producer[{n["graph"], o["name"]}] = n["index"];
    }
    std::set<std::pair<size_t, size_t>> edges;
    size_t crossing = 0;
    for (const json& n : report["nodes"]) {
      for (const json& i : n["inputs"]) {
        const std::string value = i["name"];
        if (value.empty()) continue;
        // Look the value up in the node's graph, then in the enclosing ones ("main/If_0.then_branch" ->
        // "main").
        std::string graph = n["graph"];
        auto it = producer.end();
        while (true) {
          it = producer.find({graph, value});
          if (it != producer.end()) break;
          const size_t slash = graph.rfind('/');
          if (slash == std::string::npos) break;
          graph = graph.substr(0, slash);
        }
        if (it == producer.end() || it->second == n["index"].get<size_t>()) continue;
        if (!edges.insert({it->second, n["index"].get<size_t>()}).second) continue;
        const json& from = report["nodes"][it->second];
        if (from["counted"] == true && n["counted"] == true &&
            (from["placement"] == "nnpa") != (n["placement"] == "nnpa"))
          ++crossing;
      }
    }
    EXPECT_EQ(c.nodes, report["nodes"].size());
    EXPECT_EQ(c.fills, fills);
    EXPECT_EQ(c.edges, edges.size());
    EXPECT_EQ(c.marked_edges, crossing);
    if (file == "squeezenet1_1_op13.onnx") {
      // MaxPool (ceil_mode) and Concat sit between NNPA Convs: the picture must show crossings.
      EXPECT_GT(c.marked_edges, 0u);
      EXPECT_EQ(c.clusters, 0u);
    }
    if (file == "silero_vad_16k_op15.onnx") {
      EXPECT_GT(c.clusters, 0u) << "If bodies are clusters";
    }
  }
}

TEST(Dot, QuotesAndLineBreaksInNamesAreEscaped) {
  test::ModelBuilder b(13);
  b.input("x", kFloat, {1, 4});
  b.node("Relu", {"x"}, {"y"}, "evil\"];\nn0 -> n0 [label=\"x");
  b.output("y", kFloat, {1, 4});
  const Inspection in = inspect(b.save(test::temp_dir() + "/dot.onnx"));
  std::ostringstream out;
  write_dot(out, in.view, in.analysis);
  const DotCounts c = count_dot(out.str());
  EXPECT_EQ(c.nodes, 1u);
  EXPECT_EQ(c.edges, 0u) << out.str();
  EXPECT_NE(out.str().find("evil\\\"];?n0"), std::string::npos) << out.str();
}

TEST(Dot, CliRefusesSeveralModels) {
  test::RunResult r = run_zonnx({"inspect", "--format", "dot", bundled_model("squeezenet1_1_op13.onnx"),
                                 bundled_model("gru_op13.onnx")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--format dot"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

}  // namespace
}  // namespace zonnx
