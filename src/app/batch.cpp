#include "zonnx/batch.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <system_error>
#include <thread>

#include "report/report_util.h"
#include "zonnx/errors.h"
#include "zonnx/report.h"

namespace zonnx {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

bool has_onnx_extension(const fs::path& p) { return p.extension() == ".onnx"; }

// Every regular file named *.onnx below `dir`, sorted; `error` set when the
// directory cannot be walked. Symlinked directories are not followed (no loops).
std::vector<std::string> models_below(const std::string& dir, std::string& error) {
  std::vector<std::string> found;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  for (fs::recursive_directory_iterator end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (has_onnx_extension(it->path()) && it->is_regular_file(type_ec)) found.push_back(it->path().string());
  }
  if (ec) error = fmt::format("cannot read directory: {}", ec.message());
  std::sort(found.begin(), found.end());
  return found;
}

// Runs one model through the pipeline; never throws.
BatchItem process(const BatchInput& input, size_t index, const BatchOptions& options) {
  BatchItem item;
  item.index = index;
  item.path = input.path;
  auto fail = [&](int code, std::string message) {
    item.exit_code = code;
    item.error = std::move(message);
    item.inspection.reset();
    item.gates.clear();
  };
  if (!input.error.empty()) {
    fail(kExitBadModel, input.path + ": " + input.error);
  } else {
    try {
      Inspection result = inspect_model(input.path, options.inspect);
      item.gates = evaluate_gates(result.analysis, options.gates);
      item.summary = result.analysis.summary;
      item.exit_code = any_gate_failed(item.gates) ? kExitGateFailed : kExitOk;
      item.inspection.emplace(std::move(result));
    } catch (const UsageError& e) {
      fail(kExitUsage, input.path + ": " + e.what());
    } catch (const ModelError& e) {
      fail(kExitBadModel, e.what());
    } catch (const std::exception& e) {
      // Anything else reading the model (protobuf, onnx) is still a problem with the input.
      fail(kExitBadModel, input.path + ": " + e.what());
    }
  }
  if (options.render) {
    try {
      item.rendered = options.render(item);
    } catch (const std::exception& e) {
      fail(kExitBadModel, input.path + ": " + e.what());
      try {
        item.rendered = options.render(item);  // error items render without the model
      } catch (const std::exception&) {
        item.rendered.clear();
      }
    }
  }
  if (!options.keep_inspections) item.inspection.reset();
  return item;
}

}  // namespace

std::vector<BatchInput> expand_model_paths(const std::vector<std::string>& paths) {
  std::vector<BatchInput> out;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) {
      out.push_back({path, {}});
      continue;
    }
    std::string error;
    std::vector<std::string> models = models_below(path, error);
    for (auto& m : models) out.push_back({std::move(m), {}});
    if (!error.empty())
      out.push_back({path, error});
    else if (models.empty())
      out.push_back({path, "no *.onnx files in this directory"});
  }
  return out;
}

BatchSummary inspect_batch(const std::vector<BatchInput>& inputs, const BatchOptions& options,
                           const std::function<void(BatchItem&)>& on_item) {
  BatchSummary summary;
  const size_t n = inputs.size();
  summary.models = n;
  if (n == 0) return summary;

  unsigned jobs = options.jobs ? options.jobs : std::thread::hardware_concurrency();
  jobs = static_cast<unsigned>(std::clamp<size_t>(jobs, 1, n));
  // With several workers the cores are busy: each model's passes stay on its worker's thread.
  BatchOptions worker_options = options;
  if (jobs > 1) worker_options.inspect.use_one_thread();
  // Workers may run this far ahead of the ordered output (bounds memory).
  const size_t window = std::max<size_t>(4 * static_cast<size_t>(jobs), 16);

  std::vector<std::optional<BatchItem>> slots(n);
  std::mutex mutex;
  std::condition_variable ready;  // a slot was filled
  std::condition_variable room;   // the output moved on, or stop
  size_t next_task = 0;
  size_t emitted = 0;
  bool stop = false;

  auto worker = [&] {
    for (;;) {
      size_t i;
      {
        std::unique_lock<std::mutex> lock(mutex);
        room.wait(lock, [&] { return stop || next_task >= n || next_task < emitted + window; });
        if (stop || next_task >= n) return;
        i = next_task++;
      }
      BatchItem item = process(inputs[i], i, worker_options);
      {
        std::lock_guard<std::mutex> lock(mutex);
        slots[i].emplace(std::move(item));
      }
      ready.notify_one();
    }
  };

  std::vector<std::thread> threads;
  threads.reserve(jobs);
  for (unsigned t = 0; t < jobs; ++t) threads.emplace_back(worker);
  auto finish = [&] {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stop = true;
    }
    room.notify_all();
    for (auto& t : threads) t.join();
  };

  try {
    for (size_t i = 0; i < n; ++i) {
      BatchItem item;
      {
        std::unique_lock<std::mutex> lock(mutex);
        ready.wait(lock, [&] { return slots[i].has_value(); });
        item = std::move(*slots[i]);
        slots[i].reset();
        emitted = i + 1;
      }
      room.notify_all();
      if (!item.error.empty()) {
        ++summary.failed;
      } else {
        ++(item.exit_code == kExitGateFailed ? summary.gate_failed : summary.ok);
        const Summary& s = item.summary;
        summary.nodes += s.nodes;
        summary.counted += s.counted;
        summary.nnpa += s.nnpa;
        summary.cpu += s.cpu;
        summary.unsupported += s.unsupported;
        if (s.compiles()) ++summary.compiling;
      }
      summary.exit_code = std::max(summary.exit_code, item.exit_code);
      on_item(item);
    }
  } catch (...) {
    finish();
    throw;
  }
  finish();
  return summary;
}

Json batch_item_json(const BatchItem& item) {
  if (item.inspection) return inspect_json(item.inspection->view, item.inspection->analysis, item.gates);
  Json j = Json::object();
  j["schema"] = kJsonErrorSchema;
  j["path"] = report::valid_utf8(item.path);
  j["exit_code"] = item.exit_code;
  j["error"] = report::valid_utf8(item.error);
  return j;
}

Json batch_summary_json(const BatchSummary& s) {
  Json j = Json::object();
  j["schema"] = kJsonSummarySchema;
  j["models"] = s.models;
  j["ok"] = s.ok;
  j["gate_failed"] = s.gate_failed;
  j["failed"] = s.failed;
  j["nodes"] = s.nodes;
  j["counted"] = s.counted;
  j["nnpa"] = s.nnpa;
  j["cpu"] = s.cpu;
  j["unsupported"] = s.unsupported;
  j["nnpa_share"] = s.counted ? static_cast<double>(s.nnpa) / static_cast<double>(s.counted) : 0.0;
  j["compiling"] = s.compiling;
  j["exit_code"] = s.exit_code;
  return j;
}

void write_batch_table(std::ostream& out, const std::vector<BatchItem>& items, const BatchSummary& summary,
                       int width) {
  using report::display_width;
  using report::pad_left;
  using report::pad_right;
  using report::terminal_safe;
  width = std::max(width, 40);
  constexpr int kNodes = 9, kNnpa = 7, kUnsupported = 11, kStatus = 11;
  constexpr int kFixed = kNodes + kNnpa + kUnsupported + kStatus + 4 * 2;
  int model_width = display_width("model");
  for (const BatchItem& item : items)
    model_width = std::max(model_width, display_width(terminal_safe(item.path)));
  model_width = std::min(model_width, std::max(12, width - kFixed));

  auto row = [&](std::string_view model, std::string_view nodes, std::string_view nnpa,
                 std::string_view unsup, std::string_view status) {
    std::string line = pad_right(report::truncate_middle(model, model_width), model_width) + "  " +
                       pad_left(nodes, kNodes) + "  " + pad_left(nnpa, kNnpa) + "  " +
                       pad_left(unsup, kUnsupported) + "  " + std::string(status);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  };
  out << "\nModels\n";
  row("model", "nodes", "nnpa%", "unsupported", "status");
  row(std::string(static_cast<size_t>(model_width), '-'), std::string(kNodes, '-'), std::string(kNnpa, '-'),
      std::string(kUnsupported, '-'), std::string(kStatus, '-'));
  for (const BatchItem& item : items) {
    const std::string name = terminal_safe(item.path);
    if (!item.error.empty()) {
      row(name, "-", "-", "-", "error");
      continue;
    }
    const Summary& s = item.summary;
    row(name, std::to_string(s.nodes), report::percent(s.nnpa_share), std::to_string(s.unsupported),
        item.exit_code == kExitGateFailed ? "gate failed" : "ok");
  }
  const double share =
      summary.counted ? static_cast<double>(summary.nnpa) / static_cast<double>(summary.counted) : 0;
  row(fmt::format("total ({} models)", summary.models), std::to_string(summary.nodes), report::percent(share),
      std::to_string(summary.unsupported), "");
  out << fmt::format("{} models: {} ok, {} gate failed, {} error; {} of {} would compile\n", summary.models,
                     summary.ok, summary.gate_failed, summary.failed, summary.compiling,
                     summary.ok + summary.gate_failed);
  bool first = true;
  for (const BatchItem& item : items) {
    if (item.error.empty()) continue;
    if (first) out << "\nErrors\n";
    first = false;
    out << "  " << terminal_safe(item.error) << "\n";
  }
}

namespace {

// batch_item_json(item).dump() (one line) or .dump(2), and a line break; a
// report's nodes are written as text rather than built as one tree.
std::string item_json_text(const BatchItem& item, bool one_line) {
  if (!item.inspection)
    return (one_line ? batch_item_json(item).dump() : batch_item_json(item).dump(2)) + "\n";
  const Inspection& inspection = *item.inspection;
  std::ostringstream s;
  write_inspect_json(s, inspect_json(inspection.view, inspection.analysis, item.gates, nullptr, false),
                     inspection.view, inspection.analysis, one_line);
  return s.str();
}

}  // namespace

std::string render_batch_item(const BatchItem& item, BatchFormat format, const TextOptions& text) {
  switch (format) {
    case BatchFormat::Jsonl:
      return item_json_text(item, true);
    case BatchFormat::Json: {
      // An element of "reports" at depth 2: the same bytes dump(2) of the whole
      // document would give (JSON strings never contain a raw line break).
      std::string doc = item_json_text(item, false);
      doc.pop_back();  // the line break
      std::string out = "    ";
      report::append_indented(out, doc, 4);
      return out;
    }
    case BatchFormat::Text:
      break;
  }
  if (!item.inspection) return {};
  std::ostringstream s;
  write_text(s, item.inspection->view, item.inspection->analysis, item.gates, text);
  return s.str();
}

BatchReportWriter::BatchReportWriter(std::ostream& out, BatchFormat format, int width)
    : out_(out), format_(format), width_(width) {
  if (format_ == BatchFormat::Json)
    out_ << "{\n  \"schema\": \"" << kJsonBatchSchema << "\",\n  \"reports\": [";
}

void BatchReportWriter::add(BatchItem& item) {
  if (format_ == BatchFormat::Json) out_ << (count_ ? ",\n" : "\n");
  if (format_ == BatchFormat::Text && count_ && !item.rendered.empty()) out_ << "\n";
  out_ << item.rendered;
  ++count_;
  if (format_ == BatchFormat::Text) {
    BatchItem row;
    row.index = item.index;
    row.path = item.path;
    row.exit_code = item.exit_code;
    row.error = item.error;
    row.summary.nodes = item.summary.nodes;
    row.summary.unsupported = item.summary.unsupported;
    row.summary.nnpa_share = item.summary.nnpa_share;
    rows_.push_back(std::move(row));
  }
  item.rendered.clear();
  item.rendered.shrink_to_fit();
}

void BatchReportWriter::finish(const BatchSummary& summary) {
  switch (format_) {
    case BatchFormat::Jsonl:
      out_ << batch_summary_json(summary).dump() << "\n";
      break;
    case BatchFormat::Json: {
      out_ << (count_ ? "\n  ],\n  \"summary\": " : "],\n  \"summary\": ");
      std::string doc;
      report::append_indented(doc, batch_summary_json(summary).dump(2), 2);
      out_ << doc << "\n}\n";
      break;
    }
    case BatchFormat::Text:
      write_batch_table(out_, rows_, summary, width_);
      break;
  }
  out_.flush();
}

}  // namespace zonnx
