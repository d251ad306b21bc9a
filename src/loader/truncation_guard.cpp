#include "zonnx/truncation_guard.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>

namespace zonnx {
namespace {

// Slot states: a writer claims a free slot, fills it, then publishes it; the
// handler reads only published slots.
enum SlotState : int { kFree = 0, kFilling = 1, kReady = 2 };

constexpr std::size_t kMaxMappings = 256;  // batch inspect maps one file per worker
constexpr std::size_t kMaxTempOutputs = 64;
constexpr std::size_t kPathBytes = 4096;

struct MappingSlot {
  std::atomic<int> state{kFree};
  std::uintptr_t begin = 0;
  std::size_t length = 0;
  char path[kPathBytes] = {};
};

struct TempSlot {
  std::atomic<int> state{kFree};
  char path[kPathBytes] = {};
};

MappingSlot g_mappings[kMaxMappings];
TempSlot g_temps[kMaxTempOutputs];

void copy_path(char* destination, const char* path) {
  std::strncpy(destination, path ? path : "", kPathBytes - 1);
  destination[kPathBytes - 1] = '\0';
}

template <typename Slot>
Slot* claim(Slot* slots, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    int expected = kFree;
    if (slots[i].state.compare_exchange_strong(expected, kFilling)) return &slots[i];
  }
  return nullptr;  // table full: this one goes unguarded (SIGBUS keeps its default action)
}

void write_stderr(const char* text) {
  std::size_t left = std::strlen(text);
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, text, left);
    if (n <= 0) return;
    text += n;
    left -= static_cast<std::size_t>(n);
  }
}

void on_sigbus(int signal_number, siginfo_t* info, void*) {
  const auto address = reinterpret_cast<std::uintptr_t>(info ? info->si_addr : nullptr);
  for (MappingSlot& slot : g_mappings) {
    if (slot.state.load() != kReady) continue;
    if (address < slot.begin || address - slot.begin >= slot.length) continue;
    write_stderr("zonnx: error: ");
    write_stderr(slot.path);
    write_stderr(": the file shrank while it was being read (truncated or rewritten by another process?)\n");
    for (TempSlot& temp : g_temps) {
      if (temp.state.load() == kReady) ::unlink(temp.path);
    }
    ::_exit(3);  // the documented exit code for an unreadable model
  }
  // Not one of our mappings: a genuine fault. Re-raise with the default action.
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

}  // namespace

void install_truncation_guard() {
  struct sigaction action {};
  action.sa_sigaction = on_sigbus;
  action.sa_flags = SA_SIGINFO;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGBUS, &action, nullptr);
}

void track_mapping(const void* begin, std::size_t length, const char* path) {
  MappingSlot* slot = claim(g_mappings, kMaxMappings);
  if (!slot) return;
  slot->begin = reinterpret_cast<std::uintptr_t>(begin);
  slot->length = length;
  copy_path(slot->path, path);
  slot->state.store(kReady);
}

void untrack_mapping(const void* begin) {
  const auto key = reinterpret_cast<std::uintptr_t>(begin);
  for (MappingSlot& slot : g_mappings) {
    if (slot.state.load() == kReady && slot.begin == key) {
      slot.state.store(kFree);
      return;
    }
  }
}

void track_temp_output(const char* path) {
  TempSlot* slot = claim(g_temps, kMaxTempOutputs);
  if (!slot) return;
  copy_path(slot->path, path);
  slot->state.store(kReady);
}

void untrack_temp_output(const char* path) {
  for (TempSlot& slot : g_temps) {
    if (slot.state.load() == kReady && std::strncmp(slot.path, path, kPathBytes) == 0) {
      slot.state.store(kFree);
      return;
    }
  }
}

}  // namespace zonnx
