// LLVMFuzzerTestOneInput body shared by the targets: runs one path from
// fuzz_targets.h and turns any escaping exception into an abort with its type
// and message, so libFuzzer saves the input as a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>
#include <typeinfo>

#define ZONNX_FUZZ_ENTRY(RUN)                                                                  \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {                   \
    try {                                                                                      \
      (void)RUN(std::string_view(reinterpret_cast<const char*>(data), size));                  \
    } catch (const std::exception& e) {                                                        \
      std::fprintf(stderr, "zonnx fuzz: unexpected exception %s: %s\n", typeid(e).name(),      \
                   e.what());                                                                  \
      std::abort();                                                                            \
    } catch (...) {                                                                            \
      std::fprintf(stderr, "zonnx fuzz: unexpected non-std exception\n");                      \
      std::abort();                                                                            \
    }                                                                                          \
    return 0;                                                                                  \
  }
