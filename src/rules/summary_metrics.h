// Summary metrics beyond node counts: compute cost (MACs) of each node from
// its static shapes, the NNPA share of that cost, NNPA regions and the
// CPU<->NNPA transitions between them.
//
// Shapes come from the model and are untrusted: every product and sum
// saturates at UINT64_MAX instead of wrapping.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "zonnx/model_view.h"
#include "zonnx/rules.h"

namespace zonnx::rules {

uint64_t saturating_add(uint64_t a, uint64_t b);
uint64_t saturating_mul(uint64_t a, uint64_t b);

// Cost of one node in multiply-accumulates:
//  * Conv, ConvInteger, QLinearConv: output elements x (input channels / group) x kernel size
//    (the weight's dims after the first); ConvTranspose: input elements x weight dims after the first;
//  * Gemm: M x N x K; MatMul, MatMulInteger, QLinearMatMul: output elements x K;
//  * LSTM, GRU, RNN: sequence x batch x (elements of W + elements of R), i.e. per step and
//    direction gates x hidden x (input + hidden);
//  * MaxPool, AveragePool, LpPool: output elements x kernel size; global pools, reductions,
//    ArgMax/ArgMin, Softmax, LogSoftmax, Hardmax: input elements;
//  * shape and data-movement ops (Reshape, Transpose, Concat, Gather, Slice, Cast, If, Loop, ...): 0;
//  * every other op (elementwise, normalisations, activations, ...): output elements.
// nullopt when a shape the formula needs is not static, for Einsum, and for
// nodes inside Loop and Scan bodies (their trip count is unknown).
std::optional<uint64_t> node_macs(const ModelView& view, const NodeInfo& node);

// Fills Summary's mac_*, nnpa_regions and *_transitions from the verdicts;
// with `parallel`, the cost and the flow passes run on two threads.
void add_summary_metrics(const ModelView& view, const std::vector<NodeVerdict>& verdicts, Summary& summary,
                         bool parallel = false);

}  // namespace zonnx::rules
