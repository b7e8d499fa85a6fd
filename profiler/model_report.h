// What `litescope inspect` reports about a model, computed once from the loaded Model: the op histogram,
// weight bytes per type, deployment notes for custom/Flex/accelerator ops, TFLite metadata and weight
// statistics. The CLI prints it as text or JSON; the GUI's overview shows the same facts.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "profiler/weight_stats.h"
#include "runtime/model.h"
#include "runtime/tflite_metadata.h"

namespace litescope {

struct OpHistogramEntry {
    std::string op;
    int64_t count = 0;
    bool custom = false;
};

struct TypeBytes {
    TensorType type = TensorType::Float32;
    int64_t tensors = 0;   // constant tensors of this type
    int64_t elements = 0;  // their parameters
    int64_t bytes = 0;     // bytes of their (distinct) buffers
};

// A custom op, and what it means for shipping the model.
struct DeploymentNote {
    std::string op;
    std::string kind;  // "flex", "accelerator", "custom", "bundled-custom", "unknown-builtin"
    std::string meaning;
    int64_t count = 0;
};

struct ConstantTensorStats {
    int32_t subgraph = 0;
    int32_t tensor = 0;
    WeightStats stats;
};

struct ModelReport {
    uint64_t fileSize = 0;
    int64_t operatorCount = 0;  // over all subgraphs
    int64_t tensorCount = 0;
    std::vector<OpHistogramEntry> opHistogram;  // most frequent first
    std::vector<TypeBytes> weightBytes;         // largest first
    int64_t totalWeightBytes = 0;
    int64_t totalParameters = 0;
    std::vector<DeploymentNote> deploymentNotes;
    std::optional<ModelMetadataInfo> metadata;
    std::string metadataError;  // a TFLITE_METADATA buffer that could not be read
    std::string minRuntimeVersion;
    std::vector<AssociatedFileEntry> packedFiles;    // files zipped after the model (labels, vocabularies)
    std::vector<ConstantTensorStats> constantStats;  // every constant tensor, in subgraph and index order

    const ConstantTensorStats* statsFor(int32_t subgraph, int32_t tensor) const;
};

struct ReportOptions {
    bool weightStats = true;
};

ModelReport buildModelReport(const Model& model, const ReportOptions& options = {});

// What a custom op code means for deployment; `kind` is empty for ops with nothing to say.
DeploymentNote describeCustomOp(std::string_view customCode);

}  // namespace litescope
