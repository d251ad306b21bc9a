// The code paths exercised by the libFuzzer targets (fuzz_loader.cpp,
// fuzz_inspect.cpp), shared with tests/unit/fuzz_regressions_test.cpp so a
// saved reproducer replays exactly what the fuzzer ran.
//
// Contract: bad input may throw zonnx::ModelError or zonnx::UsageError (caught
// here, that is the documented outcome for an invalid model). Anything else -
// another exception type, a crash, a sanitizer report, a hang - is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

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
inline bool run_loader(std::string_view bytes) {
  try {
    LoadedModel model = load_model_from_bytes(bytes, kFuzzModelName);
    // Touch what the loader reports and read back every elided payload, so a
    // bad offset shows up here rather than later.
    volatile uint64_t sink = model.elided_tensors + model.elided_bytes + model.parsed_bytes;
    for (const auto& tensor : model.proto.graph().initializer()) {
      for (const PayloadRef& ref : elided_payloads(tensor)) sink = sink + ref.length;
      if (auto raw = tensor_raw_bytes(model, tensor)) sink = sink + raw->size();
    }
    (void)sink;
    return true;
  } catch (const ModelError&) {
    return false;
  } catch (const UsageError&) {
    return false;
  }
}

// fuzz_inspect: load -> ModelView::build -> analyze -> JSON and text reports,
// for both --march values, with every gate enabled.
// Returns true when a report was produced, false on ModelError/UsageError.
inline bool run_inspect(std::string_view bytes) {
  try {
    ModelView view = ModelView::build(load_model_from_bytes(bytes, kFuzzModelName));
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

}  // namespace zonnx::fuzz
