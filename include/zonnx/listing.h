// `zonnx ops` and `zonnx rules`: the embedded support tables and the rule catalog.
#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "zonnx/tables.h"

namespace zonnx {

enum class OpsTarget { Nnpa, Cpu };

// Lists the NNPA or CPU table; for NNPA with a march, only ops usable at that level.
void write_ops(std::ostream& out, OpsTarget target, std::optional<March> march, bool json);
void write_rules(std::ostream& out, bool json);
// The rule catalog as the Markdown page docs/rules.md.
void write_rules_markdown(std::ostream& out);

}  // namespace zonnx
