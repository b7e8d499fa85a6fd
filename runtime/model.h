// The project's in-memory form of a .tflite model: built once by the loader after every index, shape, size
// and offset has been validated, so nothing above it re-checks the file. Weights stay in the mapped file.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/mapped_file.h"
#include "runtime/status.h"
#include "runtime/tensor_type.h"

namespace litescope {

namespace fb {
struct Model;
struct Operator;
struct Tensor;
}  // namespace fb

// Affine quantization as the format stores it: real = scale * (q - zero_point), per tensor or, when there
// are several scales, per channel along `quantizedDimension`.
struct QuantizationParams {
    std::span<const float> scale;  // all views into the mapped file
    std::span<const int64_t> zeroPoint;
    std::span<const float> min;  // calibration statistics some converters keep
    std::span<const float> max;
    int32_t quantizedDimension = 0;
    // Non-affine schemes stored in the format's QuantizationDetails union ("" when absent).
    std::string_view detailsKind;
    std::string_view customDetails;  // CustomQuantization's opaque bytes
    int32_t blockSize = 0;           // BlockwiseQuantization: elements per block
    int32_t blockScalesTensor = -1;  // BlockwiseQuantization: tensor holding per-block scales
    int32_t blockZeroPointsTensor = -1;

    bool hasAffine() const { return !scale.empty(); }
    bool isPerChannel() const { return scale.size() > 1; }
    bool empty() const {
        return scale.empty() && zeroPoint.empty() && min.empty() && max.empty() && detailsKind.empty();
    }
};

enum class DimensionFormat { Dense, SparseCsr };

struct DimensionMetadata {
    DimensionFormat format = DimensionFormat::Dense;
    int32_t denseSize = 0;
    std::string_view segmentsType;  // "INT32", "UINT16" or "UINT8" for sparse dimensions
    size_t segmentsCount = 0;
    std::string_view indicesType;
    size_t indicesCount = 0;
};

// Block-sparse storage (the format's SparsityParameters): the buffer holds only the non-zero blocks.
struct SparsityParams {
    std::span<const int32_t> traversalOrder;
    std::span<const int32_t> blockMap;
    std::vector<DimensionMetadata> dimensions;
};

struct Tensor {
    int32_t index = 0;
    std::string_view name;
    TensorType type = TensorType::Float32;
    std::span<const int32_t> shape;           // as stored, viewed in place
    std::span<const int32_t> shapeSignature;  // -1 marks a dynamic dimension; empty when absent
    bool hasRank = true;                      // false for tensors of unknown rank (shape is empty then)
    bool isVariable = false;
    uint32_t buffer = 0;            // index into Model::buffers(); 0 is the format's empty sentinel
    std::span<const uint8_t> data;  // constant data, viewed in place in the mapped file
    uint64_t dataOffset = 0;        // where `data` starts in the file
    int64_t elementCount = 0;       // product of `shape`
    int64_t byteSize = 0;           // dense size in bytes of `shape` elements; -1 for STRING/RESOURCE/VARIANT
    QuantizationParams quantization;
    std::unique_ptr<SparsityParams> sparsity;  // null when dense

    bool isConstant() const { return buffer != 0 && !data.empty(); }
    bool isDynamic() const;  // some dimension of shapeSignature is -1
};

struct OperatorCode {
    int32_t builtinCode = 0;  // max(deprecated_builtin_code, builtin_code), as TFLite reads it
    std::string_view customCode;
    int32_t version = 1;
    std::string name;  // the builtin's name (CONV_2D) or, for custom ops, the custom code

    bool isCustom() const;
    bool isFlex() const;  // a Select-TF op, run by TensorFlow's Flex delegate
};

struct Operator {
    int32_t index = 0;
    uint32_t opcodeIndex = 0;
    std::span<const int32_t> inputs;  // tensor indices, in place; -1 marks an omitted optional input
    std::span<const int32_t> outputs;
    std::span<const int32_t> intermediates;
    uint8_t builtinOptionsType = 0;  // the format's BuiltinOptions union tag (0: none)
    uint8_t builtinOptions2Type = 0;
    std::span<const uint8_t> customOptions;  // in place; inline or stored after the flatbuffer
    std::vector<int32_t> calledSubgraphs;    // bodies of WHILE/IF/CALL_ONCE/CALL and StableHLO regions
    const fb::Operator* raw = nullptr;       // typed options for the kernels; valid while the Model lives
};

struct Subgraph {
    int32_t index = 0;
    std::string_view name;
    std::vector<Tensor> tensors;
    std::vector<Operator> operators;
    std::span<const int32_t> inputs;
    std::span<const int32_t> outputs;
};

struct Buffer {
    std::span<const uint8_t> data;  // in place
    uint64_t fileOffset = 0;
    bool external = false;  // stored after the flatbuffer (offset/size fields) rather than inline
};

struct TensorMap {
    std::string_view name;
    uint32_t tensorIndex = 0;
};

struct SignatureDef {
    std::string_view key;
    uint32_t subgraphIndex = 0;
    std::vector<TensorMap> inputs;
    std::vector<TensorMap> outputs;
};

struct MetadataEntry {
    std::string_view name;
    uint32_t buffer = 0;
    std::span<const uint8_t> data;
};

struct LoadOptions {
    // Upper bound on the tables the flatbuffer verifier walks, on top of one per 16 bytes of file: bounds
    // the work and memory a hostile file (one table referenced a million times) can cause.
    uint32_t maxTables = 4'000'000;
    uint32_t maxRank = 64;  // more dimensions than any kernel handles
};

class Model {
  public:
    // Maps and validates a file. Errors: Io, NotAModel (not TFLite at all) or InvalidModel (with where).
    static Result<std::shared_ptr<const Model>> fromFile(const std::string& path,
                                                         const LoadOptions& options = {});
    // Validates bytes already in memory (tests, the model builder). `name` is used in messages.
    static Result<std::shared_ptr<const Model>> fromBytes(std::vector<uint8_t> bytes,
                                                          std::string name = "<memory>",
                                                          const LoadOptions& options = {});

    const std::string& path() const { return path_; }
    std::span<const uint8_t> bytes() const { return bytes_; }
    uint32_t version() const { return version_; }
    std::string_view description() const { return description_; }

    const std::vector<Subgraph>& subgraphs() const { return subgraphs_; }
    const std::vector<OperatorCode>& operatorCodes() const { return operatorCodes_; }
    const std::vector<Buffer>& buffers() const { return buffers_; }
    const std::vector<SignatureDef>& signatures() const { return signatures_; }
    const std::vector<MetadataEntry>& metadata() const { return metadata_; }
    // Findings that do not stop loading (an unknown op code, a meaningless quantized_dimension, ...).
    const std::vector<std::string>& warnings() const { return warnings_; }

    const OperatorCode& operatorCode(const Operator& op) const { return operatorCodes_[op.opcodeIndex]; }
    const MetadataEntry* findMetadata(std::string_view name) const;
    const fb::Model* flatbuffer() const { return root_; }

  private:
    friend class ModelLoader;
    Model() = default;

    std::string path_;
    MappedFile mapping_;
    std::vector<uint8_t> owned_;
    std::span<const uint8_t> bytes_;
    const fb::Model* root_ = nullptr;
    uint32_t version_ = 0;
    std::string_view description_;
    std::vector<Subgraph> subgraphs_;
    std::vector<OperatorCode> operatorCodes_;
    std::vector<Buffer> buffers_;
    std::vector<SignatureDef> signatures_;
    std::vector<MetadataEntry> metadata_;
    std::vector<std::string> warnings_;
};

// The builtin operator's name as the format spells it (CONV_2D), or "BUILTIN_<code>" for codes newer than
// this build's schema.
std::string builtinOperatorName(int32_t code);
inline constexpr int32_t kCustomBuiltinCode = 32;

}  // namespace litescope
