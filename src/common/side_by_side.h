// Two independent passes of one model, run on two threads when the model is
// big enough for that to pay (thread start-up is ~0.1 ms; a 20,000-node pass
// takes milliseconds). Callers guarantee that the passes share no written state.
#pragma once

#include <cstddef>
#include <exception>
#include <future>
#include <system_error>
#include <utility>

namespace zonnx {

// Node count from which a model's independent passes share the work between two threads.
inline constexpr size_t kSideBySideNodes = 20000;

// Runs `first` on the calling thread and `second` beside it when `parallel`,
// else one after the other. Returns once both are done; an exception from
// either is rethrown (the first pass's when both throw).
template <typename First, typename Second>
void run_side_by_side(bool parallel, First&& first, Second&& second) {
  if (!parallel) {
    first();
    second();
    return;
  }
  std::future<void> pending;
  try {
    pending = std::async(std::launch::async, std::forward<Second>(second));
  } catch (const std::system_error&) {  // no thread to be had: same result, one after the other
    first();
    second();
    return;
  }
  std::exception_ptr failure;
  try {
    first();
  } catch (...) {
    failure = std::current_exception();
  }
  try {
    pending.get();
  } catch (...) {
    if (!failure) failure = std::current_exception();
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace zonnx
