// zonnx command line: a thin layer over the library (include/zonnx/).
// Data goes to stdout (or -o FILE), logs and errors to stderr.
// Exit codes: 0 ok, 1 gate failed, 2 usage error, 3 bad model, 4 not convertible.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "zonnx/atomic_file.h"
#include "zonnx/baseline.h"
#include "zonnx/batch.h"
#include "zonnx/compiler_report.h"
#include "zonnx/convert.h"
#include "zonnx/errors.h"
#include "zonnx/inspect.h"
#include "zonnx/listing.h"
#include "zonnx/placement_config.h"
#include "zonnx/tables.h"
#include "zonnx/truncation_guard.h"

namespace {

using namespace zonnx;

bool no_color_env() {
  const char* v = std::getenv("NO_COLOR");
  return v && *v;
}

struct InspectArgs {
  std::string model;
  std::vector<std::string> models;  // as given: files and directories (batch when not one file)
  unsigned jobs = 0;
  std::string march = "z16";
  std::string format = "text";
  std::string output;
  std::string color = "auto";
  bool verbose = false;
  bool no_shape_inference = false;
  std::vector<std::string> input_shapes;
  std::string shape_information;
  std::vector<std::string> fail_on;
  double min_coverage = -1;
  bool compare_march = false;  // --compare-march: also analyse z16 and z17 and report what moves
  std::string baseline;        // --baseline OLD.json: compare with an earlier JSON report
  std::string emit_config;     // --emit-config FILE: onnx-mlir device-placement JSON
  std::string config_format = "nnpa_ops_config";
};

// Width of the terminal when writing to one, else $COLUMNS, else 100.
int terminal_width(bool to_terminal) {
  struct winsize ws {};
  if (to_terminal && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (const char* cols = std::getenv("COLUMNS")) {
    int n = std::atoi(cols);
    if (n > 0) return n;
  }
  return 100;
}

March march_or_throw(const std::string& s) {
  auto m = parse_march(s);
  if (!m) throw UsageError("--march: unknown value '" + s + "' (use z16 or z17; arch14/arch15 also work)");
  return *m;
}

// Writes the report to -o FILE atomically, or to stdout.
void emit(const std::string& output, const std::function<void(std::ostream&)>& write) {
  if (output.empty() || output == "-") {
    write(std::cout);
    std::cout.flush();
  } else {
    write_file_atomically(output, write);
  }
}

// The settings single-model and batch inspect share, from the command line.
InspectOptions inspect_options(const InspectArgs& args) {
  InspectOptions options;
  options.analysis.march = march_or_throw(args.march);
  for (const auto& spec : args.input_shapes) options.view.input_shapes.push_back(parse_input_shape(spec));
  if (!args.shape_information.empty())
    for (auto& s : parse_shape_information(args.shape_information)) options.view.input_shapes.push_back(s);
  options.view.infer_shapes = !args.no_shape_inference;
  // One job means one thread, also for a single large model's passes.
  if (args.jobs == 1) options.use_one_thread();
  return options;
}

Gates gates_from(const InspectArgs& args) {
  Gates gates;
  for (const auto& f : args.fail_on)
    if (f != "regression") add_fail_on(gates, f);  // --fail-on regression: see regression_gate()
  if (args.baseline.empty() && std::count(args.fail_on.begin(), args.fail_on.end(), "regression"))
    throw UsageError("--fail-on regression: needs --baseline OLD.json (an earlier --format json report)");
  if (args.min_coverage >= 0) {
    if (args.min_coverage > 100) throw UsageError("--min-nnpa-coverage: PCT must be between 0 and 100");
    gates.min_nnpa_coverage = args.min_coverage;
  }
  return gates;
}

TextOptions text_options(const InspectArgs& args) {
  bool to_terminal = (args.output.empty() || args.output == "-") && isatty(STDOUT_FILENO);
  TextOptions text;
  text.verbose = args.verbose;
  text.width = terminal_width(to_terminal);
  text.color = !no_color_env() && (args.color == "always" || (args.color == "auto" && to_terminal));
  return text;
}

int run_inspect(const InspectArgs& args) {
  InspectOptions options = inspect_options(args);
  Gates gates = gates_from(args);
  const PlacementConfigFormat config_format = parse_placement_config_format(args.config_format);

  spdlog::debug("inspecting {}", args.model);
  // Intentionally never freed: tearing down a 200,000-node view and analysis costs ~15% of the run
  // and the process exits right after (docs/performance.md). The static keeps it reachable, so
  // leak checkers do not report it; volatile keeps the optimizer from dropping that store.
  static Inspection* volatile kept_until_exit = nullptr;
  kept_until_exit = new Inspection(inspect_model(args.model, options));
  Inspection& result = *kept_until_exit;
  for (const auto& w : result.view.warnings()) spdlog::debug("{}", w);
  auto gate_results = evaluate_gates(result.analysis, gates);
  std::optional<MarchComparison> compare;
  if (args.compare_march) compare = compare_march(result.view);
  std::optional<BaselineDiff> baseline;
  if (!args.baseline.empty()) {
    baseline = compare_with_baseline(load_baseline(args.baseline), result.view, result.analysis);
    if (std::count(args.fail_on.begin(), args.fail_on.end(), "regression"))
      gate_results.push_back(regression_gate(*baseline));
  }

  if (!args.emit_config.empty()) {
    PlacementConfig config = placement_config(result.view, result.analysis, config_format);
    write_file_atomically(args.emit_config, [&](std::ostream& out) { out << config.json.dump(2) << "\n"; });
    if (config.unnamed_skipped)
      spdlog::warn("--emit-config: {} nodes have no name; onnx-mlir cannot match them, left out",
                   config.unnamed_skipped);
    for (const auto& name : config.duplicate_names)
      spdlog::warn("--emit-config: several nodes are named '{}' with different placements; the first wins",
                   name);
  }

  TextOptions text = text_options(args);
  emit(args.output, [&](std::ostream& out) {
    const BaselineDiff* base = baseline ? &*baseline : nullptr;
    if (args.format == "json") {
      // The nodes are streamed by write_inspect_json, not built into the tree.
      auto report = inspect_json(result.view, result.analysis, gate_results, compare ? &*compare : nullptr,
                                 /*include_nodes=*/false);
      write_inspect_json(out, base ? with_baseline(report, *base) : std::move(report), result.view,
                         result.analysis);
    } else if (args.format == "sarif") {
      out << sarif_log({sarif_run(result.view, result.analysis, base)}).dump(2) << "\n";
    } else if (args.format == "csv") {
      write_csv_header(out);
      write_csv_rows(out, result.view, result.analysis);
    } else if (args.format == "markdown") {
      write_markdown(out, result.view, result.analysis, gate_results, base);
    } else if (args.format == "dot") {
      write_dot(out, result.view, result.analysis);
    } else if (args.format == "html") {
      write_html(out, result.view, result.analysis, gate_results);
    } else {
      write_text(out, result.view, result.analysis, gate_results, text, compare ? &*compare : nullptr);
      if (base) write_baseline_text(out, *base, text.width);
    }
  });
  for (const auto& g : gate_results)
    if (g.failed) spdlog::error("gate failed: {} ({})", g.gate, g.detail);
  return any_gate_failed(gate_results) ? kExitGateFailed : kExitOk;
}

// --format sarif|csv|markdown over several models (docs/formats.md): one SARIF run, the CSV rows
// or one Markdown section per model, in input order; a model that cannot be read becomes a failed
// SARIF run or an error line of the Markdown table.
int run_inspect_batch_formats(const InspectArgs& args, BatchOptions options) {
  options.render = [&](const BatchItem& item) -> std::string {
    if (!item.inspection)
      return args.format == "sarif" ? sarif_run_text(sarif_error_run(item.path, item.error)) : "";
    const Inspection& in = *item.inspection;
    if (args.format == "sarif") return sarif_run_text(sarif_run(in.view, in.analysis));
    std::ostringstream s;
    if (args.format == "csv")
      write_csv_rows(s, in.view, in.analysis);
    else
      write_markdown(s, in.view, in.analysis, item.gates, nullptr, 3);
    return s.str();
  };
  std::vector<MarkdownModelRow> rows;
  std::vector<std::string> sections;
  BatchSummary summary;
  emit(args.output, [&](std::ostream& out) {
    std::optional<SarifLogWriter> sarif;
    if (args.format == "sarif") sarif.emplace(out);
    if (args.format == "csv") write_csv_header(out);
    summary = inspect_batch(expand_model_paths(args.models), options, [&](BatchItem& item) {
      if (!item.error.empty()) spdlog::error("{}", item.error);
      for (const auto& g : item.gates)
        if (g.failed) spdlog::error("gate failed: {}: {} ({})", item.path, g.gate, g.detail);
      if (sarif) {
        sarif->add(item.rendered);
      } else if (args.format == "csv") {
        out << item.rendered;
      } else {
        rows.push_back({item.path, item.error, item.summary, item.exit_code == kExitGateFailed});
        sections.push_back(std::move(item.rendered));
      }
    });
    if (sarif) sarif->finish();
    if (args.format == "markdown") {
      write_markdown_batch_table(out, rows);
      for (const std::string& section : sections) out << section;
    }
  });
  return summary.exit_code;
}

// Several models (or a directory, or --format jsonl): src/app/batch.cpp does the work, in order.
int run_inspect_batch(const InspectArgs& args) {
  if (!args.baseline.empty()) throw UsageError("--baseline: give a single model file");
  if (args.format == "dot") throw UsageError("--format dot: give a single model file (one graph per file)");
  if (args.compare_march) throw UsageError("--compare-march: give a single model file");
  if (!args.emit_config.empty()) throw UsageError("--emit-config: give a single model file");
  if (args.format == "html") throw UsageError("--format html: give a single model file");
  BatchOptions options;
  options.inspect = inspect_options(args);
  options.gates = gates_from(args);
  options.jobs = args.jobs;
  if (args.format == "sarif" || args.format == "csv" || args.format == "markdown")
    return run_inspect_batch_formats(args, std::move(options));
  TextOptions text = text_options(args);
  const BatchFormat format = args.format == "jsonl"  ? BatchFormat::Jsonl
                             : args.format == "json" ? BatchFormat::Json
                                                     : BatchFormat::Text;
  options.render = [&](const BatchItem& item) { return render_batch_item(item, format, text); };
  BatchSummary summary;
  emit(args.output, [&](std::ostream& out) {
    BatchReportWriter writer(out, format, text.width);
    summary = inspect_batch(expand_model_paths(args.models), options, [&](BatchItem& item) {
      if (!item.error.empty()) spdlog::error("{}", item.error);
      for (const auto& g : item.gates)
        if (g.failed) spdlog::error("gate failed: {}: {} ({})", item.path, g.gate, g.detail);
      writer.add(item);
    });
    writer.finish(summary);
  });
  return summary.exit_code;
}

// One model file and not --format jsonl: the single-model path, unchanged.
bool single_model(InspectArgs& args) {
  std::error_code ec;
  if (args.models.size() != 1 || args.format == "jsonl" || std::filesystem::is_directory(args.models[0], ec))
    return false;
  args.model = args.models[0];
  return true;
}

struct CompareReportArgs {
  std::string model;
  std::vector<std::string> reports;
  std::string march = "z16";
  std::string format = "text";
  std::vector<std::string> input_shapes;
  std::string shape_information;
};

// compare-report: 0 the compiler and zonnx agree, 1 they disagree, 3 unreadable model or report.
int run_compare_report(const CompareReportArgs& args) {
  InspectArgs ia;
  ia.march = args.march;
  ia.input_shapes = args.input_shapes;
  ia.shape_information = args.shape_information;
  InspectOptions options = inspect_options(ia);
  CompilerReport report;
  for (const auto& path : args.reports) read_compiler_report(path, report);
  Inspection result = inspect_model(args.model, options);
  ReportComparison comparison = compare_with_compiler(result.view, result.analysis, report);
  if (args.format == "json")
    std::cout << comparison_json(result.view, result.analysis, report, comparison).dump(2) << "\n";
  else
    write_comparison_text(std::cout, result.view, result.analysis, report, comparison);
  std::cout.flush();
  return comparison.agree() ? kExitOk : kExitGateFailed;
}

}  // namespace

int main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("zonnx");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("zonnx: %l: %v");
  spdlog::set_level(spdlog::level::warn);
  install_truncation_guard();  // a model truncated under its mapping: exit 3, not a crash
  if (no_color_env()) logger->sinks().front()->set_pattern("zonnx: %l: %v");

  CLI::App app{
      "zonnx: see where onnx-mlir (IBM Z Deep Learning Compiler) runs each ONNX node on IBM z16/z17 - on "
      "the\n"
      "NNPA accelerator, on the CPU, or not at all - without compiling.\n\n"
      "Exit codes: 0 ok, 1 a gate failed, 2 usage error, 3 model unreadable or invalid, 4 not convertible."};
  // The profile names the onnx-mlir commit whose rules and tables are built in; parsed only when asked.
  app.set_version_flag("--version", [] {
    const ProfileInfo& p = SupportTables::embedded().profile();
    return fmt::format(
        "zonnx {}\nonnx-mlir profile: {} (commit {}, onnx-mlir {})\nNNPA table: ai.onnx opsets up to {}; "
        "convert --opset nnpa targets opset {}\nonnx library: {}",
        ZONNX_VERSION, p.name, p.onnx_mlir_commit, p.onnx_mlir_version, p.table_max_opset,
        p.nnpa_recommended_opset, ZONNX_ONNX_VERSION);
  });
  app.require_subcommand(1);
  std::string log_level = "warn";
  app.add_option("--log-level", log_level, "Log level on stderr: error, warn, info, debug")
      ->check(CLI::IsMember({"error", "warn", "info", "debug"}));
  bool quiet = false;
  app.add_flag("-q,--quiet", quiet, "Only errors on stderr");

  InspectArgs ia;
  auto* inspect = app.add_subcommand("inspect", "Model facts and NNPA/CPU placement of every node");
  inspect->add_option("model", ia.models, "ONNX model files, or directories (every *.onnx below, sorted)")
      ->required();
  inspect
      ->add_option("-j,--jobs", ia.jobs,
                   "Several models: inspect N at a time (default: all cores); 1: one thread")
      ->check(CLI::Range(1u, 4096u));
  inspect->add_option("--march", ia.march,
                      "Target machine: z16 (default) or z17 (arch14/arch15 also accepted)");
  inspect
      ->add_option("--format", ia.format,
                   "Output format: text, json, jsonl (one JSON line per model + summary), html, sarif, csv, "
                   "markdown, dot (docs/formats.md)")
      ->check(CLI::IsMember({"text", "json", "jsonl", "html", "sarif", "csv", "markdown", "dot"}));
  inspect->add_option("-o,--output", ia.output, "Write the report to FILE (atomically) instead of stdout");
  inspect->add_flag("-v,--verbose", ia.verbose, "List every node, not only those off the NNPA");
  inspect->add_option("--color", ia.color, "Colour: auto (TTY and no NO_COLOR), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  inspect->add_option("--input-shape", ia.input_shapes,
                      "Bind a graph input's shape: NAME:1x3x224x224 (repeatable)");
  inspect->add_option(
      "--shapeInformation,--shape-information", ia.shape_information,
      "zDLC spelling: INDEX:DIMS[,INDEX:DIMS...], e.g. 0:1x3x224x224 (-1 keeps a dim dynamic)");
  inspect->add_flag("--no-shape-inference", ia.no_shape_inference,
                    "Use only the shapes recorded in the model");
  inspect
      ->add_option(
          "--fail-on", ia.fail_on,
          "Exit 1 if: unsupported (would not compile), cpu, heavy-cpu, regression (needs --baseline)")
      ->check(CLI::IsMember({"unsupported", "cpu", "heavy-cpu", "regression"}));
  inspect->add_option(
      "--baseline", ia.baseline,
      "Compare with an earlier --format json report: nodes that left the NNPA, coverage change");
  inspect->add_option("--min-nnpa-coverage", ia.min_coverage, "Exit 1 if under PCT% of nodes run on NNPA")
      ->check(CLI::Range(0.0, 100.0));
  inspect->add_flag("--compare-march", ia.compare_march,
                    "Also analyse for z16 and z17: nodes that move, NNPA and MAC coverage gained");
  inspect->add_option("--emit-config", ia.emit_config,
                      "Also write the placement as onnx-mlir device-placement JSON to FILE (atomically)");
  inspect
      ->add_option("--config-format", ia.config_format,
                   "--emit-config format: nnpa_ops_config (onnx-mlir 0.5.1, --config-file; default) or "
                   "device_placement (zDLC 5.0.1, --nnpa-load-device-placement-file)")
      ->check(CLI::IsMember({"nnpa_ops_config", "device_placement"}));
  // One value per occurrence of a repeatable option, so model paths may follow it.
  for (CLI::Option* opt : inspect->get_options())
    if (!opt->get_positional()) opt->allow_extra_args(false);

  std::string ops_target = "nnpa", ops_march, ops_format = "text";
  auto* ops = app.add_subcommand("ops", "Print onnx-mlir's embedded NNPA or CPU support table");
  ops->add_option("--target", ops_target, "nnpa or cpu")->check(CLI::IsMember({"nnpa", "cpu"}));
  ops->add_option("--march", ops_march, "Only NNPA ops available on z16 or z17");
  ops->add_option("--format", ops_format, "text or json")->check(CLI::IsMember({"text", "json"}));

  std::string rules_format = "text";
  auto* rules = app.add_subcommand("rules", "List every rule ID with its meaning and fix hint");
  rules->add_option("--format", rules_format, "text, json or markdown")
      ->check(CLI::IsMember({"text", "json", "markdown"}));

  ConvertRequest cr;
  auto* convert = app.add_subcommand("convert", "Convert a model to another ai.onnx opset (7..22 or nnpa)");
  convert->add_option("model", cr.input, "ONNX model file")->required();
  convert->add_option(
      "--opset", cr.opset,
      "Target opset: 7..22, or nnpa (onnx-mlir's recommended); required unless --fix-byte-order");
  convert->add_flag("--fix-byte-order", cr.fix_byte_order,
                    "Reverse the element bytes of tensors that look byte-swapped (see inspect)");
  convert->add_option("-o,--output", cr.output, "Converted model (written atomically)");
  convert->add_flag("--in-place", cr.in_place, "Replace the input (required when -o names it)");
  convert->add_flag("--dry-run", cr.dry_run, "Plan and validate only; write nothing");
  convert->add_flag_function(
      "--fsync", [&](std::int64_t) { cr.durability = Durability::Synced; },
      "Flush OUT to disk before publishing it, so it also survives a power cut (slower on big models)");
  convert->add_option("--march", cr.march, "Placement summaries for z16 (default) or z17");
  convert->add_option("--format", cr.format, "Report format")->check(CLI::IsMember({"text", "json"}));
  convert
      ->add_option("--external-data", cr.external_data,
                   "auto (default: copy when OUT is in another folder), reference (keep the input's weight "
                   "files) or copy (write OUT.data next to OUT)")
      ->check(CLI::IsMember({"auto", "reference", "copy"}));

  CompareReportArgs cra;
  auto* compare_report = app.add_subcommand(
      "compare-report",
      "Compare onnx-mlir's --opt-report=NNPAUnsupportedOps / --onnx-op-stats output with zonnx");
  compare_report->add_option("model", cra.model, "ONNX model file")->required();
  compare_report->add_option("report", cra.reports, "Compiler output file(s)")->required();
  compare_report->add_option("--march", cra.march, "z16 (default) or z17, as given to the compiler");
  compare_report->add_option("--format", cra.format, "text or json")->check(CLI::IsMember({"text", "json"}));
  compare_report->add_option("--input-shape", cra.input_shapes, "Bind a graph input's shape (repeatable)");
  compare_report->add_option("--shapeInformation,--shape-information", cra.shape_information,
                             "zDLC spelling: INDEX:DIMS[,INDEX:DIMS...]");
  for (CLI::Option* opt : compare_report->get_options())
    if (!opt->get_positional()) opt->allow_extra_args(false);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  spdlog::set_level(quiet ? spdlog::level::err : spdlog::level::from_str(log_level));

  try {
    if (inspect->parsed()) return single_model(ia) ? run_inspect(ia) : run_inspect_batch(ia);
    if (convert->parsed()) return run_convert(cr, std::cout);
    if (compare_report->parsed()) return run_compare_report(cra);
    if (ops->parsed()) {
      std::optional<March> m;
      if (!ops_march.empty()) m = march_or_throw(ops_march);
      write_ops(std::cout, ops_target == "cpu" ? OpsTarget::Cpu : OpsTarget::Nnpa, m, ops_format == "json");
      return kExitOk;
    }
    if (rules->parsed()) {
      if (rules_format == "markdown")
        write_rules_markdown(std::cout);
      else
        write_rules(std::cout, rules_format == "json");
      return kExitOk;
    }
  } catch (const UsageError& e) {
    spdlog::error("{}", e.what());
    return kExitUsage;
  } catch (const ReportError& e) {
    spdlog::error("{}", e.what());
    return kExitBadModel;
  } catch (const ModelError& e) {
    spdlog::error("{}", e.what());
    return kExitBadModel;
  } catch (const std::exception& e) {
    // Anything else reading the model (protobuf, onnx) is still a problem with the input.
    spdlog::error("{}", e.what());
    return kExitBadModel;
  }
  return kExitUsage;
}
