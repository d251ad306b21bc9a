// Data files from data/ compiled into the library by tools/embed_data.cmake.
#pragma once

#include <string>
#include <string_view>

namespace zonnx {

// The bytes of data/<name> (e.g. "support_tables.json"); empty if there is no such file.
std::string_view embedded_data(const std::string& name);

}  // namespace zonnx
