// zonnx command line: a thin layer over the library (include/zonnx/).
// Data goes to stdout (or -o FILE), logs and errors to stderr.
// Exit codes: 0 ok, 1 gate failed, 2 usage error, 3 bad model, 4 not convertible.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "zonnx/atomic_file.h"
#include "zonnx/batch.h"
#include "zonnx/convert.h"
#include "zonnx/errors.h"
#include "zonnx/inspect.h"
#include "zonnx/listing.h"
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
  return options;
}

Gates gates_from(const InspectArgs& args) {
  Gates gates;
  for (const auto& f : args.fail_on) add_fail_on(gates, f);
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

  spdlog::debug("inspecting {}", args.model);
  Inspection result = inspect_model(args.model, options);
  for (const auto& w : result.view.warnings()) spdlog::debug("{}", w);
  auto gate_results = evaluate_gates(result.analysis, gates);
  std::optional<MarchComparison> compare;
  if (args.compare_march) compare = compare_march(result.view);

  TextOptions text = text_options(args);
  emit(args.output, [&](std::ostream& out) {
    if (args.format == "json")
      out << inspect_json(result.view, result.analysis, gate_results, compare ? &*compare : nullptr).dump(2)
          << "\n";
    else
      write_text(out, result.view, result.analysis, gate_results, text, compare ? &*compare : nullptr);
  });
  for (const auto& g : gate_results)
    if (g.failed) spdlog::error("gate failed: {} ({})", g.gate, g.detail);
  return any_gate_failed(gate_results) ? kExitGateFailed : kExitOk;
}

// Several models (or a directory, or --format jsonl): src/app/batch.cpp does the work, in order.
int run_inspect_batch(const InspectArgs& args) {
  if (args.compare_march) throw UsageError("--compare-march: give a single model file");
  BatchOptions options;
  options.inspect = inspect_options(args);
  options.gates = gates_from(args);
  options.jobs = args.jobs;
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
  app.set_version_flag("--version", std::string("zonnx ") + ZONNX_VERSION);
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
  inspect->add_option("-j,--jobs", ia.jobs, "Several models: inspect N at a time (default: all cores)")
      ->check(CLI::Range(1u, 4096u));
  inspect->add_option("--march", ia.march,
                      "Target machine: z16 (default) or z17 (arch14/arch15 also accepted)");
  inspect
      ->add_option("--format", ia.format,
                   "Output format: text, json, jsonl (one JSON line per model + summary)")
      ->check(CLI::IsMember({"text", "json", "jsonl"}));
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
  inspect->add_option("--fail-on", ia.fail_on, "Exit 1 if: unsupported (would not compile), cpu, heavy-cpu")
      ->check(CLI::IsMember({"unsupported", "cpu", "heavy-cpu"}));
  inspect->add_option("--min-nnpa-coverage", ia.min_coverage, "Exit 1 if under PCT% of nodes run on NNPA")
      ->check(CLI::Range(0.0, 100.0));
  inspect->add_flag("--compare-march", ia.compare_march,
                    "Also analyse for z16 and z17: nodes that move, NNPA and MAC coverage gained");
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
  convert->add_option("--opset", cr.opset, "Target opset: 7..22, or nnpa (onnx-mlir's recommended)")
      ->required();
  convert->add_option("-o,--output", cr.output, "Converted model (written atomically)");
  convert->add_flag("--in-place", cr.in_place, "Replace the input (required when -o names it)");
  convert->add_flag("--dry-run", cr.dry_run, "Plan and validate only; write nothing");
  convert->add_option("--march", cr.march, "Placement summaries for z16 (default) or z17");
  convert->add_option("--format", cr.format, "Report format")->check(CLI::IsMember({"text", "json"}));
  convert->add_option("--external-data", cr.external_data,
                      "reference (default): keep external data locations");

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
