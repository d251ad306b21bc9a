// A model file that shrinks while it is memory-mapped (another process
// truncating or rewriting it in place) makes any read of the lost pages raise
// SIGBUS, which would kill zonnx with a crash in the middle of a report or an
// output file. With the guard installed such a read ends like any other bad
// model instead: "zonnx: error: FILE: ..." on stderr, temporary output files
// removed, exit code 3. The CLI installs it; library users may too.
//
// Mappings and temporary outputs are tracked in fixed tables (no allocation,
// lock-free), because the handler may only use async-signal-safe calls.
#pragma once

#include <cstddef>

namespace zonnx {

// Installs the SIGBUS handler (idempotent). A SIGBUS outside a tracked
// mapping keeps its default action (core dump), so real bugs stay visible.
void install_truncation_guard();

// Called by MappedFile and write_file_atomically; cheap when no guard is installed.
void track_mapping(const void* begin, std::size_t length, const char* path);
void untrack_mapping(const void* begin);
void track_temp_output(const char* path);
void untrack_temp_output(const char* path);

}  // namespace zonnx
