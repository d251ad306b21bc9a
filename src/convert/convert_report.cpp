// The convert report (text and JSON "zonnx.convert/1") and the command as the CLI runs it.
#include <filesystem>
#include <iomanip>
#include <sstream>

#include "convert/convert_internal.h"
#include "zonnx/atomic_file.h"
#include "zonnx/convert.h"
#include "zonnx/errors.h"

namespace zonnx {
namespace {

namespace fs = std::filesystem;

std::string pct(double share) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << share * 100 << "%";
  return s.str();
}

std::string summary_line(const Summary& s) {
  return std::to_string(s.counted) + " counted nodes: " + std::to_string(s.nnpa) + " nnpa (" +
         pct(s.nnpa_share) + "), " + std::to_string(s.cpu) + " cpu, " + std::to_string(s.unsupported) +
         " unsupported" + (s.compiles() ? "" : " (would not compile)");
}

nlohmann::ordered_json summary_json(const Summary& s) {
  nlohmann::ordered_json j;
  j["nodes"] = s.nodes;
  j["counted"] = s.counted;
  j["nnpa"] = s.nnpa;
  j["cpu"] = s.cpu;
  j["unsupported"] = s.unsupported;
  j["nnpa_share"] = s.nnpa_share;
  j["compiles"] = s.compiles();
  return j;
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  if (fs::exists(a, ec) && fs::exists(b, ec)) return fs::equivalent(a, b, ec);
  return fs::weakly_canonical(a, ec) == fs::weakly_canonical(b, ec);
}

std::string dir_of(const std::string& p) {
  std::error_code ec;
  fs::path d = fs::weakly_canonical(fs::absolute(p, ec), ec).parent_path();
  return d.string();
}

}  // namespace

void write_convert_text(std::ostream& out, const ConvertResult& r, bool dry_run) {
  out << "convert " << r.input_path << ": ai.onnx opset " << r.from_opset << " -> " << r.to_opset << "\n";
  if (!r.ok()) {
    out << r.refusals.size() << " node(s) cannot be converted; nothing written:\n";
    for (const auto& f : r.refusals)
      out << "  " << f.graph << "  " << f.node << " (" << f.op << ", step " << f.from_opset << "->"
          << f.to_opset << "): " << f.reason << "\n";
    return;
  }
  out << "ir_version " << r.ir_before << " -> " << r.ir_after
      << (r.checker_ran ? ", onnx checker passed" : "") << (dry_run ? " (dry run: nothing written)" : "")
      << "\n";
  if (r.rewritten.empty() && r.relabelled.empty()) out << "no node changes version\n";
  for (const auto& [op, n] : r.rewritten) out << "  rewritten   " << std::setw(6) << n << "  " << op << "\n";
  for (const auto& [op, n] : r.relabelled) out << "  relabelled  " << std::setw(6) << n << "  " << op << "\n";
  if (r.constants_added) out << "  " << r.constants_added << " Constant node(s) added\n";
  if (r.nodes_added) out << "  " << r.nodes_added << " other node(s) added by multi-node rewrites\n";
  if (r.constants_removed)
    out << "  " << r.constants_removed << " Constant node(s) removed (folded into attributes)\n";
  for (const auto& d : r.kept_domains) out << "kept domain: " << d << "\n";
  for (const auto& n : r.notes) out << "note: " << n << "\n";
  out << "NNPA before: " << summary_line(r.before) << "\n";
  if (r.after) out << "NNPA after:  " << summary_line(*r.after) << "\n";
}

nlohmann::ordered_json convert_json(const ConvertResult& r, bool dry_run) {
  nlohmann::ordered_json j;
  j["schema"] = "zonnx.convert/1";
  j["input"] = r.input_path;
  j["from_opset"] = r.from_opset;
  j["to_opset"] = r.to_opset;
  j["convertible"] = r.ok();
  j["dry_run"] = dry_run;
  auto refusals = nlohmann::ordered_json::array();
  for (const auto& f : r.refusals)
    refusals.push_back({{"graph", f.graph},
                        {"node", f.node},
                        {"op", f.op},
                        {"from_opset", f.from_opset},
                        {"to_opset", f.to_opset},
                        {"reason", f.reason}});
  j["refusals"] = refusals;
  j["ir_version"] = {{"before", r.ir_before}, {"after", r.ir_after}};
  j["rewritten"] = r.rewritten;
  j["relabelled"] = r.relabelled;
  j["constants_added"] = r.constants_added;
  j["nodes_added"] = r.nodes_added;
  j["constants_removed"] = r.constants_removed;
  j["kept_domains"] = r.kept_domains;
  j["notes"] = r.notes;
  j["checker_ran"] = r.checker_ran;
  j["nnpa_before"] = summary_json(r.before);
  j["nnpa_after"] = r.after ? summary_json(*r.after) : nlohmann::ordered_json();
  return j;
}

int run_convert(const ConvertRequest& req, std::ostream& report) {
  ConvertOptions options;
  options.fix_byte_order = req.fix_byte_order;
  if (!req.opset.empty()) {
    options.target_opset = parse_target_opset(req.opset);
  } else if (req.fix_byte_order) {
    // --fix-byte-order alone keeps the opset: read it from the structure (weights stay unread).
    const LoadedModel structure = load_model(req.input, options.load);
    for (const auto& o : structure.proto().opset_import())
      if (o.domain().empty() || o.domain() == "ai.onnx") options.target_opset = static_cast<int>(o.version());
  } else {
    throw UsageError("convert: give --opset N|nnpa (or --fix-byte-order alone, which keeps the opset)");
  }
  auto march = parse_march(req.march);
  if (!march) throw UsageError("--march: unknown value '" + req.march + "' (use z16 or z17)");
  options.march = *march;
  if (req.external_data != "auto" && req.external_data != "reference" && req.external_data != "copy")
    throw UsageError("--external-data: '" + req.external_data + "' is not auto, reference or copy");
  std::string output = req.output;
  if (output.empty() && req.in_place) output = req.input;
  if (!req.dry_run && output.empty()) throw UsageError("convert: give -o OUT.onnx, --in-place or --dry-run");
  if (!output.empty()) {
    const bool same = same_file(output, req.input);
    if (same && !req.in_place)
      throw UsageError("convert: -o names the input file; add --in-place to replace it");
    if (!same && req.in_place) throw UsageError("convert: --in-place conflicts with -o naming another file");
  }

  ConvertResult result = convert_model(req.input, options);
  // External data: reference keeps the relative locations, which only resolve from IN's folder;
  // copy gives OUT its own weight file. auto picks copy exactly when OUT is elsewhere.
  const bool external = result.ok() && has_external_data(result.converted->proto());
  const bool same_dir = output.empty() || dir_of(output) == dir_of(req.input);
  const bool copy = external && (req.external_data == "copy" || (req.external_data == "auto" && !same_dir));
  if (external && !copy && !req.dry_run && !same_dir)
    throw UsageError(
        "convert: the model uses external data and --external-data reference keeps its relative "
        "locations, which only resolve from the input's folder: write OUT there or use --external-data copy");
  if (external && !output.empty())
    for (const std::string& weights : external_data_files(*result.converted))
      if (same_file(output, weights))
        throw UsageError("convert: -o names " + weights +
                         ", a weight file the input uses; choose another OUT");
  if (external && !copy)
    result.notes.push_back("external data: locations kept (reference), OUT uses the input's weight files");
  if (result.ok() && !req.dry_run) {
    if (copy) {
      const ExternalCopyStats s = write_with_copied_external_data(*result.converted, output, req.durability);
      result.notes.push_back("external data: " + std::to_string(s.tensors) + " tensor(s), " +
                             std::to_string(s.bytes) + " bytes copied to " + s.file + " next to OUT");
    } else {
      write_file_atomically(
          output, [&](std::ostream& out) { write_converted_model(*result.converted, out, req.durability); },
          req.durability);
    }
  } else if (copy) {
    result.notes.push_back("external data: would be copied to " +
                           (output.empty() ? std::string("OUT.data") : external_data_file_name(output)) +
                           " next to OUT");
  }
  if (req.format == "json")
    report << convert_json(result, req.dry_run).dump(2) << "\n";
  else
    write_convert_text(report, result, req.dry_run);
  return result.ok() ? kExitOk : kExitNotConvertible;
}

}  // namespace zonnx
