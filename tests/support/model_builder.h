// Writes .tflite files for tests: a plain description of a model (every field public, nothing checked) that
// serialises to exactly what was asked, so a test can build a valid model or break any rule on purpose.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "format/tflite_generated.h"

namespace litescope::test {

struct QuantSpec {
    std::vector<float> scale;
    std::vector<int64_t> zeroPoint;
    std::vector<float> min, max;
    int32_t quantizedDimension = 0;
    // BlockwiseQuantization details when blockSize != 0.
    int32_t blockSize = 0, blockScales = -1, blockZeroPoints = -1;
};

struct SparsitySpec {
    std::vector<int32_t> traversalOrder, blockMap;
    struct Dim {
        bool sparse = false;
        int32_t denseSize = 0;
        std::vector<int32_t> segments, indices;  // written as Int32Vector
        bool omitSegments = false;
    };
    std::vector<Dim> dims;
};

struct TensorSpec {
    std::string name;
    fb::TensorType type = fb::TensorType::FLOAT32;
    std::vector<int32_t> shape;
    std::optional<std::vector<int32_t>> shapeSignature;
    uint32_t buffer = 0;
    std::optional<QuantSpec> quant;
    std::optional<SparsitySpec> sparsity;
    bool isVariable = false;
    int8_t rawType = -1;  // when >= 0, written instead of `type` (for unknown type codes)
};

struct OperatorSpec {
    uint32_t opcodeIndex = 0;
    std::vector<int32_t> inputs, outputs, intermediates;
    fb::BuiltinOptions optionsType = fb::BuiltinOptions::NONE;
    std::function<flatbuffers::Offset<void>(flatbuffers::FlatBufferBuilder&)> options;
    std::vector<uint8_t> customOptions;
    uint64_t largeCustomOptionsOffset = 0, largeCustomOptionsSize = 0;
};

struct SubgraphSpec {
    std::string name;
    std::vector<TensorSpec> tensors;
    std::vector<OperatorSpec> operators;
    std::vector<int32_t> inputs, outputs;
};

struct BufferSpec {
    std::vector<uint8_t> data;
    bool external = false;  // stored after the flatbuffer, found by offset/size
    // When set, written as-is into offset/size (external data is then not appended).
    std::optional<uint64_t> rawOffset, rawSize;
};

struct OperatorCodeSpec {
    int32_t builtinCode = 0;
    std::string customCode;
    int32_t version = 1;
    std::optional<int8_t> deprecatedBuiltinCode;  // default: min(builtinCode, 127)
};

struct SignatureSpec {
    std::string key;
    uint32_t subgraph = 0;
    std::vector<std::pair<std::string, uint32_t>> inputs, outputs;
};

class ModelBuilder {
  public:
    ModelBuilder();  // starts with the empty buffer 0 and one subgraph

    std::vector<OperatorCodeSpec> operatorCodes;
    std::vector<SubgraphSpec> subgraphs;
    std::vector<BufferSpec> buffers;
    std::vector<SignatureSpec> signatures;
    std::vector<std::pair<std::string, uint32_t>> metadata;
    std::string description = "built by the Litescope tests";
    uint32_t version = 3;
    bool writeIdentifier = true;

    // Conveniences on subgraph 0 unless said otherwise; each returns the new index.
    uint32_t addBuffer(std::vector<uint8_t> data, bool external = false);
    int32_t addTensor(TensorSpec tensor, uint32_t subgraph = 0);
    int32_t addTensor(std::string name, fb::TensorType type, std::vector<int32_t> shape,
                      uint32_t subgraph = 0);
    int32_t addConstant(std::string name, std::vector<int32_t> shape, const std::vector<float>& values,
                        uint32_t subgraph = 0);
    int32_t addConstantBytes(std::string name, fb::TensorType type, std::vector<int32_t> shape,
                             std::vector<uint8_t> bytes, uint32_t subgraph = 0);
    uint32_t addOperatorCode(fb::BuiltinOperator op, int32_t opVersion = 1);
    uint32_t addCustomCode(std::string customCode);
    int32_t addOperator(fb::BuiltinOperator op, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
                        uint32_t subgraph = 0);
    int32_t addOperator(OperatorSpec op, uint32_t subgraph = 0);
    uint32_t addSubgraph(std::string name = "");

    // Serialises the description; external buffers are appended after the flatbuffer.
    std::vector<uint8_t> build() const;

    // A small valid float model: input [1,4] -> FULLY_CONNECTED (weights [3,4], bias [3]) -> RELU -> output.
    static ModelBuilder smallFloatModel();
};

// Writes bytes to a fresh file under the test temp directory and returns its path.
std::string writeTempFile(const std::vector<uint8_t>& bytes, const std::string& name);

template <typename T>
std::vector<uint8_t> toBytes(const std::vector<T>& values) {
    std::vector<uint8_t> out(values.size() * sizeof(T));
    if (!out.empty()) std::memcpy(out.data(), values.data(), out.size());
    return out;
}

}  // namespace litescope::test
