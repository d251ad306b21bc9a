// libFuzzer target: zonnx convert on the input (see fuzz_targets.h).
#include "fuzz_main.h"
#include "fuzz_targets.h"

ZONNX_FUZZ_ENTRY(zonnx::fuzz::run_convert)
