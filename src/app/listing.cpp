#include "zonnx/listing.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "zonnx/rules.h"

namespace zonnx {
namespace {

std::string range_text(int min_opset, int max_opset) {
  return fmt::format("{} - {}", min_opset, max_opset ? std::to_string(max_opset) : "*");
}

// Limitation text is multi-line ("\n- item"); one line in the text listing.
std::string one_line(std::string s, size_t width) {
  for (auto& c : s)
    if (c == '\n') c = ' ';
  if (s.size() > width) s = s.substr(0, width - 3) + "...";
  return s;
}

}  // namespace

void write_ops(std::ostream& out, OpsTarget target, std::optional<March> march, bool json) {
  const SupportTables& tables = SupportTables::embedded();
  const ProfileInfo& profile = tables.profile();
  nlohmann::ordered_json doc;
  doc["schema"] = "zonnx.ops/1";
  doc["profile"] = {{"name", profile.name},
                    {"onnx_mlir_commit", profile.onnx_mlir_commit},
                    {"onnx_mlir_version", profile.onnx_mlir_version},
                    {"table_max_opset", profile.table_max_opset}};
  doc["target"] = target == OpsTarget::Nnpa ? "nnpa" : "cpu";
  if (march) doc["march"] = std::string(march_name(*march));
  auto rows = nlohmann::ordered_json::array();
  std::string text;
  if (target == OpsTarget::Nnpa) {
    text += fmt::format("{:<20} {:<9} {:<6} {}\n", "Op", "Opsets", "Level", "Limitations");
    for (const NnpaEntry& e : tables.nnpa()) {
      if (march && *march == March::Z16 && e.min_level == March::Z17) continue;
      rows.push_back(
          {{"op", e.op},
           {"min_opset", e.min_opset},
           {"max_opset", e.max_opset ? nlohmann::ordered_json(e.max_opset) : nlohmann::ordered_json("*")},
           {"min_level", std::string(march_name(e.min_level))},
           {"limitations", e.limitations},
           {"notes", e.notes}});
      text += fmt::format("{:<20} {:<9} {:<6} {}\n", e.op, range_text(e.min_opset, e.max_opset),
                          std::string(march_name(e.min_level)) + "+", one_line(e.limitations, 60));
    }
  } else {
    text += fmt::format("{:<28} {:<9} {}\n", "Op", "Opsets", "Limitations");
    for (const CpuEntry& e : tables.cpu()) {
      rows.push_back(
          {{"op", e.op},
           {"supported", e.supported},
           {"min_opset", e.min_opset},
           {"max_opset", e.max_opset ? nlohmann::ordered_json(e.max_opset) : nlohmann::ordered_json("*")},
           {"limitations", e.limitations},
           {"notes", e.notes}});
      text +=
          fmt::format("{:<28} {:<9} {}\n", e.op, e.supported ? range_text(e.min_opset, e.max_opset) : "none",
                      one_line(e.limitations, 60));
    }
  }
  doc["ops"] = rows;
  if (json) {
    out << doc.dump(2) << "\n";
    return;
  }
  out << fmt::format("onnx-mlir {} ({}), {} table, up to opset {}{}\n\n", profile.onnx_mlir_version,
                     profile.onnx_mlir_commit.substr(0, 12), target == OpsTarget::Nnpa ? "NNPA" : "CPU",
                     profile.table_max_opset, march ? fmt::format(", --march {}", march_name(*march)) : "");
  out << text;
  out << fmt::format("\n{} ops\n", rows.size());
}

void write_rules_markdown(std::ostream& out) {
  out << "# Rule IDs\n\n"
         "Every placement decision in `zonnx inspect` carries one of these IDs (JSON: "
         "`nodes[].reasons[].rule`).\n"
         "IDs are stable: a rule may get better wording, but its ID keeps its meaning. `zonnx rules` prints "
         "this\n"
         "list; this file is generated with `zonnx rules --format markdown > docs/rules.md` and a test "
         "keeps\n"
         "it in sync.\n\n"
         "Outcome `unsupported` means onnx-mlir would not compile the model; `cpu` means the node runs on "
         "the\n"
         "CPU instead of the NNPA. The source column names the onnx-mlir fact (at the profile commit) each "
         "rule\n"
         "encodes.\n\n"
         "| ID | Outcome | Meaning | Fix hint | onnx-mlir source |\n|---|---|---|---|---|\n";
  auto cell = [](std::string s) {
    std::string r;
    for (char c : s) r += c == '|' ? std::string("\\|") : std::string(1, c);
    return r;
  };
  for (const RuleInfo& r : rule_catalog())
    out << "| `" << r.id << "` | " << placement_name(r.outcome) << " | " << cell(r.title) << " | "
        << cell(r.hint) << " | " << cell(r.source) << " |\n";
}

void write_rules(std::ostream& out, bool json) {
  if (json) {
    auto rows = nlohmann::ordered_json::array();
    for (const RuleInfo& r : rule_catalog())
      rows.push_back({{"id", r.id},
                      {"outcome", std::string(placement_name(r.outcome))},
                      {"title", r.title},
                      {"hint", r.hint},
                      {"source", r.source}});
    out << nlohmann::ordered_json{{"schema", "zonnx.rules/1"}, {"rules", rows}}.dump(2) << "\n";
    return;
  }
  for (const RuleInfo& r : rule_catalog())
    out << fmt::format("{:<28} {:<11} {}\n{:<40} fix: {}\n", r.id, placement_name(r.outcome), r.title, "",
                       r.hint);
}

}  // namespace zonnx
