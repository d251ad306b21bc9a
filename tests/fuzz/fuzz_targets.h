// The code paths exercised by the libFuzzer targets (fuzz_loader.cpp,
// fuzz_inspect.cpp, fuzz_convert.cpp), shared with tests/unit/fuzz_regressions_test.cpp so a
// saved reproducer replays exactly what the fuzzer ran.
//
// Contract: bad input may throw zonnx::ModelError or zonnx::UsageError (caught
// here, that is the documented outcome for an invalid model). Anything else -
// another exception type, a crash, a sanitizer report, a hang - is a finding.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <ostream>
#include <sstream>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

#include "zonnx/convert.h"
#include "zonnx/errors.h"
#include "zonnx/inspect.h"
#include "zonnx/loader.h"
#include "zonnx/model_view.h"
#include "zonnx/report.h"
#include "zonnx/rules.h"
#include "zonnx/tables.h"

namespace zonnx::fuzz {

// Name given to the in-memory model (appears in error messages).
inline const std::string kFuzzModelName = "fuzz.onnx";

// A stream buffer that accepts and drops everything, so the text writer runs
// all of its formatting (an ostream without a buffer would skip it).
class NullBuffer : public std::streambuf {
 protected:
  int_type overflow(int_type c) override { return traits_type::not_eof(c); }
  std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

// fuzz_loader: the structure-first loader on raw bytes.
// Returns true when the bytes loaded, false on ModelError/UsageError.
// Also loads the bytes with compact main-graph nodes (what inspect does): that
// load must fail exactly when the plain one does, and its nodes, once parsed,
// must be the plain load's model byte for byte; a difference aborts (a finding).
inline bool run_loader(std::string_view bytes) {
  std::string plain_error, compact_error;
  std::string plain_model;
  try {
    LoadedModel model = load_model_from_bytes(bytes, kFuzzModelName);
    // Touch what the loader reports and read back every elided payload, so a
    // bad offset shows up here rather than later.
    volatile uint64_t sink = model.elided_tensors + model.elided_bytes + model.parsed_bytes;
    for (const auto& tensor : model.proto().graph().initializer()) {
      for (const PayloadRef& ref : elided_payloads(tensor)) sink = sink + ref.length;
      if (auto raw = tensor_raw_bytes(model, tensor)) sink = sink + raw->size();
    }
    (void)sink;
    plain_model = model.proto().SerializeAsString();
  } catch (const ModelError& e) {
    plain_error = e.what();
  } catch (const UsageError& e) {
    plain_error = e.what();
  }
  try {
    LoadOptions options;
    options.compact_main_nodes = true;
    LoadedModel model = load_model_from_bytes(bytes, kFuzzModelName, options);
    model.materialize_main_nodes();
    if (!plain_error.empty() || model.proto().SerializeAsString() != plain_model) std::abort();
  } catch (const ModelError& e) {
    compact_error = e.what();
  } catch (const UsageError& e) {
    compact_error = e.what();
  }
  if (compact_error != plain_error) std::abort();
  return plain_error.empty();
}

// fuzz_inspect: load -> ModelView::build -> analyze -> JSON and text reports,
// for both --march values, with every gate enabled.
// Returns true when a report was produced, false on ModelError/UsageError.
inline bool run_inspect(std::string_view bytes) {
  try {
    LoadOptions load;
    load.compact_main_nodes = true;  // as inspect loads
    ModelView view = ModelView::build(load_model_from_bytes(bytes, kFuzzModelName, load));
    Gates gates;
    gates.fail_on_unsupported = true;
    gates.fail_on_cpu = true;
    gates.fail_on_heavy_cpu = true;
    gates.min_nnpa_coverage = 50.0;
    NullBuffer null_buffer;
    std::ostream null_stream(&null_buffer);
    for (March march : {March::Z16, March::Z17}) {
      AnalysisOptions options;
      options.march = march;
      Analysis analysis = analyze(view, options);
      std::vector<GateResult> gate_results = evaluate_gates(analysis, gates);
      (void)any_gate_failed(gate_results);
      std::string json = inspect_json(view, analysis, gate_results).dump();
      (void)json;
      TextOptions text;
      text.verbose = (march == March::Z17);  // both layouts of the node listing
      text.color = (march == March::Z17);
      write_text(null_stream, view, analysis, gate_results, text);
    }
    return true;
  } catch (const ModelError&) {
    return false;
  } catch (const UsageError&) {
    return false;
  }
}

// convert_model reads a path (it memory-maps the file like the CLI does), so
// fuzz_convert writes each input to one private file in a fresh temp folder,
// removed at exit. The folder holds nothing else: external-data locations
// in fuzzed models resolve inside it and find no weight files.
class ScratchModelFile {
 public:
  ScratchModelFile() {
    std::string pattern = (std::filesystem::temp_directory_path() / "zonnx-fuzz-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    dir_ = pattern;
    path_ = dir_ + "/fuzz.onnx";
  }
  ~ScratchModelFile() {
    if (::getpid() != owner_) return;  // a forked child leaves its parent's folder alone
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  const std::string& write(std::string_view bytes) {
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) std::abort();
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n <= 0) std::abort();
      done += static_cast<size_t>(n);
    }
    ::close(fd);
    return path_;
  }

 private:
  std::string dir_;
  std::string path_;
  pid_t owner_ = ::getpid();
};

// fuzz_convert: plan and convert the input to a few target opsets (up and
// down across the steps with most adapters), and when a conversion succeeds,
// serialize it (payload splicing) and load the output back: a converted model
// that does not load again is a finding, since convert validated it.
// Returns true when at least one conversion succeeded.
inline bool run_convert(std::string_view bytes) {
  static ScratchModelFile scratch;  // one per process; destroyed at exit
  const std::string& path = scratch.write(bytes);
  bool converted = false;
  for (int target : {22, 17, 12}) {
    std::string written;
    try {
      ConvertOptions options;
      options.target_opset = target;
      ConvertResult result = convert_model(path, options);
      if (!result.ok() || !result.converted) continue;
      std::ostringstream out;
      write_converted_model(*result.converted, out);
      written = out.str();
    } catch (const ModelError&) {
      continue;
    } catch (const UsageError&) {
      continue;
    }
    // Outside the try: a converted model that fails to load is not an
    // expected outcome, so its ModelError escapes and the entry aborts.
    ModelView reloaded = ModelView::build(load_model_from_bytes(written, kFuzzModelName));
    (void)reloaded;
    converted = true;
  }
  return converted;
}

}  // namespace zonnx::fuzz
