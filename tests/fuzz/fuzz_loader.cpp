// libFuzzer target: zonnx::load_model_from_bytes on the input (see fuzz_targets.h).
#include "fuzz_main.h"
#include "fuzz_targets.h"

ZONNX_FUZZ_ENTRY(zonnx::fuzz::run_loader)
