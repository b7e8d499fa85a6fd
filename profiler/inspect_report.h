// Renders a Model and its ModelReport for `litescope inspect`: a human-readable report, or one JSON document
// whose field names (subgraphs[].tensors[].quantization.scale, operators[].op, ...) other tools can rely on.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "profiler/model_report.h"
#include "runtime/model.h"

namespace litescope {

struct TextReportOptions {
    bool constantTensors = true;  // the per-weight statistics table
    bool operators = false;       // every operator with its inputs and outputs
};

nlohmann::json inspectJson(const Model& model, const ModelReport& report);
std::string inspectText(const Model& model, const ModelReport& report, const TextReportOptions& options = {});

// The details TFLite's get_input_details() gives for one tensor, as JSON.
nlohmann::json tensorDetailsJson(const Tensor& tensor);

std::string formatBytes(uint64_t bytes);
std::string formatShape(std::span<const int32_t> shape);

}  // namespace litescope
