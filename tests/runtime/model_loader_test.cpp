// The model loader (runtime/model_loader.cpp), rule by rule: files that are not models at all, truncated
// files, and then, on models written by the test ModelBuilder (or assembled by hand where it cannot write a
// field), every index, shape, size, offset, quantization and sparsity rule. Each rejection is checked for
// its error code and for a message that names the place and the offending value; each warning rule for a
// model that still loads. Positive tests read the model form back: names, types, shapes, data viewed in
// place, sizes, quantization, operator codes, control flow, signatures, metadata and external data.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <limits>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/model.h"
#include "tests/support/model_builder.h"

namespace litescope::test {
namespace {

using LoadResult = Result<std::shared_ptr<const Model>>;
using OptionsFactory = std::function<flatbuffers::Offset<void>(flatbuffers::FlatBufferBuilder&)>;

// Tensors of ModelBuilder::smallFloatModel(): input -> FULLY_CONNECTED(weights, bias) -> fc -> RELU ->
// output, with operator codes 0 (FULLY_CONNECTED) and 1 (RELU) and buffers 1 (weights) and 2 (bias).
constexpr int32_t kInput = 0, kWeights = 1, kBias = 2, kFc = 3, kOutput = 4;
constexpr uint32_t kWeightsBuffer = 1, kBiasBuffer = 2;

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

LoadResult load(const ModelBuilder& b, const LoadOptions& options = {}) {
    return Model::fromBytes(b.build(), "test.tflite", options);
}

LoadResult load(std::vector<uint8_t> bytes) {
    return Model::fromBytes(std::move(bytes), "test.tflite");
}

const char* codeName(ErrorCode code) {
    switch (code) {
        case ErrorCode::Ok:
            return "Ok";
        case ErrorCode::NotAModel:
            return "NotAModel";
        case ErrorCode::InvalidModel:
            return "InvalidModel";
        case ErrorCode::Io:
            return "Io";
        case ErrorCode::Unsupported:
            return "Unsupported";
        case ErrorCode::InvalidArgument:
            return "InvalidArgument";
        case ErrorCode::Runtime:
            return "Runtime";
    }
    return "?";
}

// Loading failed with `code`, and the message contains every one of `parts`.
::testing::AssertionResult rejects(const LoadResult& r, ErrorCode code,
                                   std::initializer_list<std::string_view> parts) {
    if (r.isOk()) return ::testing::AssertionFailure() << "the model loaded";
    if (r.code() != code)
        return ::testing::AssertionFailure()
               << "error " << codeName(r.code()) << " instead of " << codeName(code) << ": " << r.message();
    for (std::string_view part : parts)
        if (r.message().find(part) == std::string::npos)
            return ::testing::AssertionFailure()
                   << "the message \"" << r.message() << "\" lacks \"" << part << "\"";
    return ::testing::AssertionSuccess() << r.message();
}

// Some warning of `m` contains every one of `parts`.
::testing::AssertionResult hasWarning(const Model& m, std::initializer_list<std::string_view> parts) {
    for (const std::string& w : m.warnings()) {
        bool all = true;
        for (std::string_view part : parts)
            all = all && w.find(part) != std::string::npos;
        if (all) return ::testing::AssertionSuccess() << w;
    }
    auto failure = ::testing::AssertionFailure() << "no such warning among " << m.warnings().size() << ":";
    for (const std::string& w : m.warnings())
        failure << "\n  " << w;
    return failure;
}

std::string allWarnings(const Model& m) {
    std::string out;
    for (const std::string& w : m.warnings())
        out += "\n  " + w;
    return out;
}

// `part` lies wholly inside `whole` (compared as addresses: the two are not known to be one array).
bool inside(std::span<const uint8_t> part, std::span<const uint8_t> whole) {
    auto begin = reinterpret_cast<uintptr_t>(whole.data());
    auto p = reinterpret_cast<uintptr_t>(part.data());
    return p >= begin && p + part.size() <= begin + whole.size();
}

template <typename T>
std::vector<T> toVector(std::span<const T> s) {
    return {s.begin(), s.end()};
}

TensorSpec tensorSpec(std::string name, fb::TensorType type, std::vector<int32_t> shape) {
    TensorSpec t;
    t.name = std::move(name);
    t.type = type;
    t.shape = std::move(shape);
    return t;
}

QuantSpec affine(std::vector<float> scale, std::vector<int64_t> zeroPoint, int32_t quantizedDimension = 0) {
    QuantSpec q;
    q.scale = std::move(scale);
    q.zeroPoint = std::move(zeroPoint);
    q.quantizedDimension = quantizedDimension;
    return q;
}

QuantSpec blockwise(int32_t blockSize, int32_t scales, int32_t zeroPoints = -1) {
    QuantSpec q;
    q.blockSize = blockSize;
    q.blockScales = scales;
    q.blockZeroPoints = zeroPoints;
    return q;
}

// A model whose one operator (SHAPE) reads tensor 0, described by `spec`; `data`, when given, becomes its
// constant buffer (buffer 1), otherwise it is the subgraph's input. Nothing else in it draws a warning.
ModelBuilder oneTensorModel(TensorSpec spec, std::optional<std::vector<uint8_t>> data = std::nullopt) {
    ModelBuilder b;
    if (data) spec.buffer = b.addBuffer(std::move(*data));
    const bool constant = spec.buffer != 0;
    int32_t t = b.addTensor(std::move(spec));
    int32_t shape = b.addTensor("shape", fb::TensorType::INT32, {4});
    b.addOperator(fb::BuiltinOperator::SHAPE, {t}, {shape});
    if (!constant) b.subgraphs[0].inputs = {t};
    b.subgraphs[0].outputs = {shape};
    return b;
}

// The small model with `quant` on one of its tensors.
ModelBuilder smallModelQuantized(int32_t tensor, QuantSpec quant) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.subgraphs[0].tensors[tensor].quant = std::move(quant);
    return b;
}

// Subgraph 0 holds tensors "counter" (0) and "result" (1), its input and output; subgraph 1 ("cond") turns an
// INT32 into a BOOL with LESS, subgraph 2 ("body") adds; the caller adds the control-flow operators.
ModelBuilder controlFlowModel() {
    ModelBuilder b;
    int32_t counter = b.addTensor("counter", fb::TensorType::INT32, {1});
    int32_t result = b.addTensor("result", fb::TensorType::INT32, {1});
    b.subgraphs[0].inputs = {counter};
    b.subgraphs[0].outputs = {result};
    uint32_t cond = b.addSubgraph("cond");
    int32_t x = b.addTensor("x", fb::TensorType::INT32, {1}, cond);
    int32_t flag = b.addTensor("flag", fb::TensorType::BOOL, {1}, cond);
    b.addOperator(fb::BuiltinOperator::LESS, {x, x}, {flag}, cond);
    b.subgraphs[cond].inputs = {x};
    b.subgraphs[cond].outputs = {flag};
    uint32_t body = b.addSubgraph("body");
    int32_t y = b.addTensor("y", fb::TensorType::INT32, {1}, body);
    int32_t z = b.addTensor("z", fb::TensorType::INT32, {1}, body);
    b.addOperator(fb::BuiltinOperator::ADD, {y, y}, {z}, body);
    b.subgraphs[body].inputs = {y};
    b.subgraphs[body].outputs = {z};
    return b;
}

int32_t addCallOperator(ModelBuilder& b, fb::BuiltinOperator op, fb::BuiltinOptions type,
                        OptionsFactory options, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
                        uint32_t subgraph = 0) {
    OperatorSpec spec;
    spec.opcodeIndex = b.addOperatorCode(op);
    spec.inputs = std::move(inputs);
    spec.outputs = std::move(outputs);
    spec.optionsType = type;
    spec.options = std::move(options);
    return b.addOperator(std::move(spec), subgraph);
}

OptionsFactory whileOptions(int32_t cond, int32_t body) {
    return [cond, body](flatbuffers::FlatBufferBuilder& fbb) {
        return fb::CreateWhileOptions(fbb, cond, body).Union();
    };
}

// TFLite's packed strings: int32 count N, N+1 int32 offsets from the start of the buffer, then the bytes.
std::vector<uint8_t> packStrings(const std::vector<std::string>& strings) {
    std::vector<int32_t> header{static_cast<int32_t>(strings.size())};
    int32_t offset = static_cast<int32_t>(4 * (strings.size() + 2));
    std::string text;
    for (const std::string& s : strings) {
        header.push_back(offset);
        offset += static_cast<int32_t>(s.size());
        text += s;
    }
    header.push_back(offset);
    std::vector<uint8_t> bytes = toBytes(header);
    bytes.insert(bytes.end(), text.begin(), text.end());
    return bytes;
}

void setInt32(std::vector<uint8_t>& bytes, size_t pos, int32_t value) {
    std::memcpy(bytes.data() + pos, &value, 4);
}

// A model assembled by hand with the generated API, for the fields ModelBuilder does not write
// (mutating_variable_inputs, builtin_options_2, Tensor.external_buffer, the deprecated metadata_buffer,
// other quantization details, a buffer with both inline and external data, shared tables): buffer 0, one
// ADD operator code, subgraph 0 from the vectors below, then `extraSubgraphs` empty subgraphs.
struct RawModel {
    flatbuffers::FlatBufferBuilder fbb;
    std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
    std::vector<flatbuffers::Offset<fb::Operator>> operators;
    std::vector<flatbuffers::Offset<fb::Buffer>> buffers;
    std::vector<int32_t> inputs, outputs;
    std::vector<int32_t> metadataBuffer;
    int extraSubgraphs = 0;

    RawModel() { buffers.push_back(fb::CreateBuffer(fbb)); }

    int32_t addTensor(const std::string& name, const std::vector<int32_t>& shape,
                      flatbuffers::Offset<fb::QuantizationParameters> quant = 0,
                      flatbuffers::Offset<fb::SparsityParameters> sparsity = 0, uint32_t externalBuffer = 0) {
        auto shapeVector = fbb.CreateVector(shape);
        auto nameString = fbb.CreateString(name);
        tensors.push_back(fb::CreateTensor(fbb, shapeVector, fb::TensorType::FLOAT32, 0, nameString, quant,
                                           false, sparsity, 0, false, 0, externalBuffer));
        return static_cast<int32_t>(tensors.size() - 1);
    }

    // A tensor of unknown rank: no shape vector and has_rank false.
    int32_t addUnrankedTensor(const std::string& name) {
        auto nameString = fbb.CreateString(name);
        tensors.push_back(fb::CreateTensor(fbb, 0, fb::TensorType::FLOAT32, 0, nameString));
        return static_cast<int32_t>(tensors.size() - 1);
    }

    std::vector<uint8_t> finish() {
        std::vector<flatbuffers::Offset<fb::OperatorCode>> codes{
            fb::CreateOperatorCode(fbb, 0, 0, 1, fb::BuiltinOperator::ADD)};
        auto codeVector = fbb.CreateVector(codes);
        std::vector<flatbuffers::Offset<fb::SubGraph>> subgraphs;
        {
            auto t = fbb.CreateVector(tensors);
            auto in = fbb.CreateVector(inputs);
            auto out = fbb.CreateVector(outputs);
            auto ops = fbb.CreateVector(operators);
            auto name = fbb.CreateString("main");
            subgraphs.push_back(fb::CreateSubGraph(fbb, t, in, out, ops, name));
        }
        for (int i = 0; i < extraSubgraphs; ++i)
            subgraphs.push_back(fb::CreateSubGraph(fbb));
        auto subgraphVector = fbb.CreateVector(subgraphs);
        auto description = fbb.CreateString("assembled by hand");
        auto bufferVector = fbb.CreateVector(buffers);
        auto metadataBufferVector = metadataBuffer.empty() ? 0 : fbb.CreateVector(metadataBuffer);
        fbb.Finish(fb::CreateModel(fbb, 3, codeVector, subgraphVector, description, bufferVector,
                                   metadataBufferVector),
                   fb::ModelIdentifier());
        return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
    }
};

// ---------------------------------------------------------------------------------------------------------
// Recognising a model: NotAModel for what is not one, InvalidModel for a damaged one
// ---------------------------------------------------------------------------------------------------------

TEST(ModelLoaderRecognition, RejectsEmptyInput) {
    EXPECT_TRUE(rejects(load(std::vector<uint8_t>{}), ErrorCode::NotAModel, {"not a TFLite model", "empty"}));
}

TEST(ModelLoaderRecognition, RejectsThreeBytes) {
    EXPECT_TRUE(
        rejects(load(std::vector<uint8_t>{'T', 'F', 'L'}), ErrorCode::NotAModel, {"only 3 bytes long"}));
}

TEST(ModelLoaderRecognition, RejectsTextFile) {
    std::string text = "name,value\nalpha,1\nbeta,2\n";
    EXPECT_TRUE(rejects(load(std::vector<uint8_t>(text.begin(), text.end())), ErrorCode::NotAModel,
                        {"not a TFLite model", "text file"}));
}

TEST(ModelLoaderRecognition, RejectsRandomBytes) {
    std::mt19937 rng(20240601);
    std::vector<uint8_t> bytes(4096);
    for (uint8_t& b : bytes)
        b = static_cast<uint8_t>(rng());
    bytes[4] = 0x01;  // not printable, so not read as another flatbuffer's identifier either
    EXPECT_TRUE(rejects(load(bytes), ErrorCode::NotAModel,
                        {"no 'TFL3' identifier, and the bytes are not a TFLite flatbuffer"}));
}

TEST(ModelLoaderRecognition, NamesCommonFormatsMistakenForModels) {
    struct Case {
        std::string magic;
        std::string_view expected;
    };
    const Case cases[] = {
        {"PK\x03\x04", "a ZIP archive"},      {"\x1f\x8b\x08\x00", "gzip"},
        {"\x89PNG\r\n\x1a\n", "a PNG image"}, {"\x89HDF\r\n\x1a\n", "HDF5"},
        {"\177ELF", "an ELF executable"},     {"%PDF-1.7", "a PDF document"},
    };
    for (const Case& c : cases) {
        std::vector<uint8_t> bytes(c.magic.begin(), c.magic.end());
        bytes.resize(256, 0);
        EXPECT_TRUE(rejects(load(bytes), ErrorCode::NotAModel, {"not a TFLite model: this is", c.expected}))
            << c.expected;
    }
}

TEST(ModelLoaderRecognition, RejectsAnotherFlatbufferNamingItsIdentifier) {
    flatbuffers::FlatBufferBuilder fbb;
    auto name = fbb.CreateString("not a model");
    fbb.Finish(fb::CreateMetadata(fbb, name, 7), "ABCD");
    std::vector<uint8_t> bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
    EXPECT_TRUE(rejects(load(bytes), ErrorCode::NotAModel,
                        {"FlatBuffer with file identifier 'ABCD'", "(TFLite models use 'TFL3')"}));
}

TEST(ModelLoaderRecognition, RejectsModelWithoutIdentifierOfAnotherSchemaVersion) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.writeIdentifier = false;
    b.version = 2;
    EXPECT_TRUE(rejects(load(b), ErrorCode::NotAModel, {"not a TFLite model"}));
}

// A file written without the 'TFL3' identifier still loads when it verifies as a TFLite model, with a
// warning (the verifier must not demand the identifier there).
TEST(ModelLoaderRecognition, LoadsModelWithoutIdentifierWithWarning) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.writeIdentifier = false;
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    EXPECT_TRUE(hasWarning(**r, {"no 'TFL3' identifier but is a valid TFLite flatbuffer"}));
    EXPECT_EQ((*r)->subgraphs()[0].operators.size(), 2u);
}

TEST(ModelLoaderRecognition, RejectsEveryTruncationOfValidModel) {
    const std::vector<uint8_t> full = ModelBuilder::smallFloatModel().build();
    ASSERT_TRUE(load(full).isOk());
    for (size_t length = 1; length < full.size(); ++length) {
        std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(length));
        if (length < 8)
            EXPECT_TRUE(
                rejects(load(cut), ErrorCode::NotAModel, {"only " + std::to_string(length) + " bytes long"}))
                << length;
        else
            EXPECT_TRUE(rejects(load(cut), ErrorCode::InvalidModel, {"truncated", "does not verify"}))
                << length;
    }
}

TEST(ModelLoaderRecognition, SaysWhenTheRootTableLiesOutsideTheFile) {
    std::vector<uint8_t> bytes = ModelBuilder::smallFloatModel().build();
    setInt32(bytes, 0, 0x7fff0000);
    EXPECT_TRUE(rejects(
        load(bytes), ErrorCode::InvalidModel,
        {"the root table lies outside the file's " + std::to_string(bytes.size()) + " bytes", "truncated"}));
}

TEST(ModelLoaderRecognition, RejectsTruncatedExternalData) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.buffers[kWeightsBuffer].external = true;
    std::vector<uint8_t> bytes = b.build();
    ASSERT_TRUE(load(bytes).isOk());
    bytes.resize(bytes.size() - 8);
    EXPECT_TRUE(rejects(load(bytes), ErrorCode::InvalidModel,
                        {"buffer 1: its data at offset", "with size 48 lies past the end of the file",
                         "(" + std::to_string(bytes.size()) + " bytes)", "truncated"}));
}

TEST(ModelLoaderRecognition, TableLimitStopsVerification) {
    const std::vector<uint8_t> bytes = ModelBuilder::smallFloatModel().build();
    LoadOptions options;
    options.maxTables = 3;
    EXPECT_TRUE(rejects(Model::fromBytes(bytes, "t", options), ErrorCode::InvalidModel, {"does not verify"}));
    EXPECT_TRUE(Model::fromBytes(bytes, "t").isOk());
}

// ---------------------------------------------------------------------------------------------------------
// The model form of the small valid model and of variants
// ---------------------------------------------------------------------------------------------------------

TEST(ModelLoaderForm, ReadsTheSmallModel) {
    LoadResult r = Model::fromBytes(ModelBuilder::smallFloatModel().build(), "small.tflite");
    ASSERT_TRUE(r.isOk()) << r.message();
    const Model& m = **r;
    EXPECT_EQ(m.path(), "small.tflite");
    EXPECT_EQ(m.version(), 3u);
    EXPECT_EQ(m.description(), "built by the Litescope tests");
    EXPECT_TRUE(m.warnings().empty()) << allWarnings(m);
    ASSERT_NE(m.flatbuffer(), nullptr);

    ASSERT_EQ(m.subgraphs().size(), 1u);
    const Subgraph& sg = m.subgraphs()[0];
    EXPECT_EQ(sg.index, 0);
    EXPECT_EQ(sg.name, "main");
    ASSERT_EQ(sg.tensors.size(), 5u);
    const char* names[] = {"input", "weights", "bias", "fc", "output"};
    for (int32_t i = 0; i < 5; ++i) {
        EXPECT_EQ(sg.tensors[i].index, i);
        EXPECT_EQ(sg.tensors[i].name, names[i]);
        EXPECT_EQ(sg.tensors[i].type, TensorType::Float32);
        EXPECT_TRUE(sg.tensors[i].hasRank);
        EXPECT_FALSE(sg.tensors[i].isVariable);
        EXPECT_TRUE(sg.tensors[i].quantization.empty());
        EXPECT_EQ(sg.tensors[i].sparsity, nullptr);
    }
    EXPECT_EQ(toVector(sg.tensors[kInput].shape), (std::vector<int32_t>{1, 4}));
    EXPECT_EQ(toVector(sg.tensors[kWeights].shape), (std::vector<int32_t>{3, 4}));
    EXPECT_EQ(toVector(sg.tensors[kBias].shape), (std::vector<int32_t>{3}));
    EXPECT_EQ(toVector(sg.inputs), (std::vector<int32_t>{kInput}));
    EXPECT_EQ(toVector(sg.outputs), (std::vector<int32_t>{kOutput}));

    ASSERT_EQ(m.operatorCodes().size(), 2u);
    EXPECT_EQ(m.operatorCodes()[0].name, "FULLY_CONNECTED");
    EXPECT_EQ(m.operatorCodes()[0].builtinCode, static_cast<int32_t>(fb::BuiltinOperator::FULLY_CONNECTED));
    EXPECT_EQ(m.operatorCodes()[1].name, "RELU");
    EXPECT_EQ(m.operatorCodes()[1].version, 1);
    EXPECT_FALSE(m.operatorCodes()[0].isCustom());

    ASSERT_EQ(sg.operators.size(), 2u);
    const Operator& fc = sg.operators[0];
    EXPECT_EQ(fc.index, 0);
    EXPECT_EQ(m.operatorCode(fc).name, "FULLY_CONNECTED");
    EXPECT_EQ(toVector(fc.inputs), (std::vector<int32_t>{kInput, kWeights, kBias}));
    EXPECT_EQ(toVector(fc.outputs), (std::vector<int32_t>{kFc}));
    EXPECT_TRUE(fc.intermediates.empty());
    EXPECT_TRUE(fc.customOptions.empty());
    EXPECT_TRUE(fc.calledSubgraphs.empty());
    EXPECT_NE(fc.raw, nullptr);
    EXPECT_EQ(m.operatorCode(sg.operators[1]).name, "RELU");
    EXPECT_EQ(toVector(sg.operators[1].inputs), (std::vector<int32_t>{kFc}));

    ASSERT_EQ(m.buffers().size(), 3u);
    EXPECT_TRUE(m.buffers()[0].data.empty());
    EXPECT_EQ(m.buffers()[kWeightsBuffer].data.size(), 48u);
    EXPECT_FALSE(m.buffers()[kWeightsBuffer].external);
}

TEST(ModelLoaderForm, ViewsConstantDataInPlace) {
    LoadResult r = load(ModelBuilder::smallFloatModel());
    ASSERT_TRUE(r.isOk()) << r.message();
    const Model& m = **r;
    const Tensor& weights = m.subgraphs()[0].tensors[kWeights];
    EXPECT_TRUE(weights.isConstant());
    EXPECT_EQ(weights.buffer, kWeightsBuffer);
    ASSERT_EQ(weights.data.size(), 48u);
    EXPECT_TRUE(inside(weights.data, m.bytes()));
    EXPECT_EQ(weights.data.data(), m.buffers()[kWeightsBuffer].data.data());
    EXPECT_EQ(weights.dataOffset, static_cast<uint64_t>(weights.data.data() - m.bytes().data()));
    EXPECT_EQ(weights.dataOffset, m.buffers()[kWeightsBuffer].fileOffset);
    float values[12];
    std::memcpy(values, weights.data.data(), sizeof(values));
    EXPECT_EQ(values[0], 1.0f);
    EXPECT_EQ(values[5], 2.0f);
    EXPECT_EQ(values[10], -3.0f);
    EXPECT_EQ(values[11], 0.5f);

    const Tensor& bias = m.subgraphs()[0].tensors[kBias];
    EXPECT_TRUE(bias.isConstant());
    EXPECT_EQ(bias.elementCount, 3);
    EXPECT_EQ(bias.byteSize, 12);
    EXPECT_TRUE(inside(bias.data, m.bytes()));

    const Tensor& input = m.subgraphs()[0].tensors[kInput];
    EXPECT_FALSE(input.isConstant());
    EXPECT_EQ(input.buffer, 0u);
    EXPECT_TRUE(input.data.empty());
    EXPECT_EQ(input.elementCount, 4);
    EXPECT_EQ(input.byteSize, 16);
}

TEST(ModelLoaderForm, ReadsShapeSignaturesAndDynamicDimensions) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.subgraphs[0].tensors[kInput].shapeSignature = std::vector<int32_t>{-1, 4};
    b.subgraphs[0].tensors[kFc].shapeSignature = std::vector<int32_t>{1, 3};
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    const Subgraph& sg = (*r)->subgraphs()[0];
    EXPECT_EQ(toVector(sg.tensors[kInput].shapeSignature), (std::vector<int32_t>{-1, 4}));
    EXPECT_EQ(toVector(sg.tensors[kInput].shape), (std::vector<int32_t>{1, 4}));
    EXPECT_TRUE(sg.tensors[kInput].isDynamic());
    EXPECT_EQ(toVector(sg.tensors[kFc].shapeSignature), (std::vector<int32_t>{1, 3}));
    EXPECT_FALSE(sg.tensors[kFc].isDynamic());
    EXPECT_TRUE(sg.tensors[kOutput].shapeSignature.empty());
    EXPECT_FALSE(sg.tensors[kOutput].isDynamic());
    EXPECT_TRUE((*r)->warnings().empty()) << allWarnings(**r);
}

TEST(ModelLoaderForm, ReadsTypesElementCountsAndByteSizes) {
    struct Case {
        fb::TensorType type;
        TensorType expected;
        std::vector<int32_t> shape;
        int64_t elements, bytes;
    };
    const Case cases[] = {
        {fb::TensorType::INT8, TensorType::Int8, {2, 3}, 6, 6},
        {fb::TensorType::UINT8, TensorType::UInt8, {7}, 7, 7},
        {fb::TensorType::INT16, TensorType::Int16, {2, 3}, 6, 12},
        {fb::TensorType::FLOAT16, TensorType::Float16, {5}, 5, 10},
        {fb::TensorType::INT64, TensorType::Int64, {2, 2}, 4, 32},
        {fb::TensorType::COMPLEX128, TensorType::Complex128, {3}, 3, 48},
        {fb::TensorType::BOOL, TensorType::Bool, {9}, 9, 9},
        {fb::TensorType::INT4, TensorType::Int4, {5}, 5, 3},
        {fb::TensorType::UINT4, TensorType::UInt4, {2, 3}, 6, 3},
        {fb::TensorType::INT2, TensorType::Int2, {5}, 5, 2},
        {fb::TensorType::FLOAT32, TensorType::Float32, {}, 1, 4},
        {fb::TensorType::FLOAT32, TensorType::Float32, {0, 3}, 0, 0},
        {fb::TensorType::STRING, TensorType::String, {4}, 4, -1},
        {fb::TensorType::RESOURCE, TensorType::Resource, {1}, 1, -1},
        {fb::TensorType::VARIANT, TensorType::Variant, {1}, 1, -1},
    };
    for (const Case& c : cases) {
        LoadResult r = load(oneTensorModel(tensorSpec("t", c.type, c.shape)));
        ASSERT_TRUE(r.isOk()) << r.message();
        const Tensor& t = (*r)->subgraphs()[0].tensors[0];
        EXPECT_EQ(t.type, c.expected) << fb::EnumNameTensorType(c.type);
        EXPECT_EQ(toVector(t.shape), c.shape) << fb::EnumNameTensorType(c.type);
        EXPECT_EQ(t.elementCount, c.elements) << fb::EnumNameTensorType(c.type);
        EXPECT_EQ(t.byteSize, c.bytes) << fb::EnumNameTensorType(c.type);
    }
}

TEST(ModelLoaderForm, AcceptsPackedInt4ConstantData) {
    LoadResult r = load(oneTensorModel(tensorSpec("packed", fb::TensorType::INT4, {5}),
                                       std::vector<uint8_t>{0x21, 0x43, 0x05}));
    ASSERT_TRUE(r.isOk()) << r.message();
    const Tensor& t = (*r)->subgraphs()[0].tensors[0];
    EXPECT_EQ(t.byteSize, 3);
    EXPECT_EQ(t.data.size(), 3u);
    EXPECT_EQ(t.data[1], 0x43);
    EXPECT_TRUE((*r)->warnings().empty()) << allWarnings(**r);
}

TEST(ModelLoaderForm, CountsHugeShapesWithoutData) {
    // 2^58 INT8 elements: countable, and a byte size that fits, as long as there is no data to check.
    LoadResult r = load(oneTensorModel(tensorSpec("huge", fb::TensorType::INT8, {1 << 30, 1 << 28})));
    ASSERT_TRUE(r.isOk()) << r.message();
    EXPECT_EQ((*r)->subgraphs()[0].tensors[0].elementCount, int64_t{1} << 58);
    EXPECT_EQ((*r)->subgraphs()[0].tensors[0].byteSize, int64_t{1} << 58);
}

// Rounding bits up to bytes must not overflow when elements x bits is within 7 of INT64_MAX: an INT2
// tensor of shape [2147483647,3,715827883] has 2^63-2 bits and a byte size of 2^60.
TEST(ModelLoaderForm, ByteSizeRoundingDoesNotOverflow) {
    LoadResult r = load(oneTensorModel(tensorSpec("int2", fb::TensorType::INT2, {2147483647, 3, 715827883})));
    ASSERT_TRUE(r.isOk()) << r.message();
    EXPECT_EQ((*r)->subgraphs()[0].tensors[0].elementCount, (int64_t{1} << 62) - 1);
    EXPECT_EQ((*r)->subgraphs()[0].tensors[0].byteSize, int64_t{1} << 60);
}

TEST(ModelLoaderForm, ReadsVariableTensorsAndTensorsOfUnknownRank) {
    RawModel raw;
    int32_t unranked = raw.addUnrankedTensor("unranked");
    int32_t scalar = raw.addTensor("scalar", {});
    raw.inputs = {unranked, scalar};
    LoadResult r = load(raw.finish());
    ASSERT_TRUE(r.isOk()) << r.message();
    EXPECT_FALSE((*r)->subgraphs()[0].tensors[unranked].hasRank);
    EXPECT_TRUE((*r)->subgraphs()[0].tensors[unranked].shape.empty());
    EXPECT_TRUE((*r)->subgraphs()[0].tensors[scalar].hasRank);

    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.subgraphs[0].tensors[kFc].isVariable = true;
    LoadResult v = load(b);
    ASSERT_TRUE(v.isOk()) << v.message();
    EXPECT_TRUE((*v)->subgraphs()[0].tensors[kFc].isVariable);
    EXPECT_FALSE((*v)->subgraphs()[0].tensors[kOutput].isVariable);
}

TEST(ModelLoaderForm, ReadsPerTensorQuantizationExactly) {
    QuantSpec q = affine({0.0078125f}, {-128});
    q.min = {-1.0f};
    q.max = {0.9921875f};
    LoadResult r = load(smallModelQuantized(kInput, q));
    ASSERT_TRUE(r.isOk()) << r.message();
    const QuantizationParams& p = (*r)->subgraphs()[0].tensors[kInput].quantization;
    EXPECT_TRUE(p.hasAffine());
    EXPECT_FALSE(p.isPerChannel());
    EXPECT_FALSE(p.empty());
    EXPECT_EQ(toVector(p.scale), q.scale);
    EXPECT_EQ(toVector(p.zeroPoint), q.zeroPoint);
    EXPECT_EQ(toVector(p.min), q.min);
    EXPECT_EQ(toVector(p.max), q.max);
    EXPECT_EQ(p.quantizedDimension, 0);
    EXPECT_EQ(p.detailsKind, "");
    EXPECT_TRUE(inside({reinterpret_cast<const uint8_t*>(p.scale.data()), 4}, (*r)->bytes()));  // in place
    EXPECT_TRUE((*r)->warnings().empty()) << allWarnings(**r);
}

TEST(ModelLoaderForm, ReadsPerChannelQuantizationExactly) {
    QuantSpec alongRows = affine({0.5f, 0.25f, 0.125f}, {0, 1, -1}, 0);
    LoadResult r = load(smallModelQuantized(kWeights, alongRows));
    ASSERT_TRUE(r.isOk()) << r.message();
    const QuantizationParams& p = (*r)->subgraphs()[0].tensors[kWeights].quantization;
    EXPECT_TRUE(p.isPerChannel());
    EXPECT_EQ(toVector(p.scale), alongRows.scale);
    EXPECT_EQ(toVector(p.zeroPoint), alongRows.zeroPoint);
    EXPECT_EQ(p.quantizedDimension, 0);

    QuantSpec alongColumns = affine({1.0f, 2.0f, 3.0f, 4.0f}, {0, 0, 0, 0}, 1);
    LoadResult c = load(smallModelQuantized(kWeights, alongColumns));
    ASSERT_TRUE(c.isOk()) << c.message();
    const QuantizationParams& pc = (*c)->subgraphs()[0].tensors[kWeights].quantization;
    EXPECT_EQ(toVector(pc.scale), alongColumns.scale);
    EXPECT_EQ(pc.quantizedDimension, 1);
    EXPECT_TRUE((*c)->warnings().empty()) << allWarnings(**c);
}

TEST(ModelLoaderForm, ReadsBlockwiseQuantizationDetails) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    int32_t scales = b.addTensor("block_scales", fb::TensorType::FLOAT16, {3, 1});
    b.subgraphs[0].tensors[kWeights].quant = blockwise(4, scales, -1);
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    const QuantizationParams& p = (*r)->subgraphs()[0].tensors[kWeights].quantization;
    EXPECT_EQ(p.detailsKind, "BlockwiseQuantization");
    EXPECT_EQ(p.blockSize, 4);
    EXPECT_EQ(p.blockScalesTensor, scales);
    EXPECT_EQ(p.blockZeroPointsTensor, -1);
    EXPECT_FALSE(p.hasAffine());
}

TEST(ModelLoaderForm, ReadsCustomQuantizationDetails) {
    RawModel raw;
    auto bytes = raw.fbb.CreateVector(std::vector<uint8_t>{7, 8, 9});
    auto custom = fb::CreateCustomQuantization(raw.fbb, bytes);
    auto quant = fb::CreateQuantizationParameters(
        raw.fbb, 0, 0, 0, 0, fb::QuantizationDetails::CustomQuantization, custom.Union());
    raw.inputs = {raw.addTensor("x", {2}, quant)};
    LoadResult r = load(raw.finish());
    ASSERT_TRUE(r.isOk()) << r.message();
    const QuantizationParams& p = (*r)->subgraphs()[0].tensors[0].quantization;
    EXPECT_EQ(p.detailsKind, "CustomQuantization");
    EXPECT_EQ(p.customDetails, std::string_view("\x07\x08\x09", 3));
}

TEST(ModelLoaderForm, ReadsMultiAxisQuantizationDetails) {
    RawModel raw;
    auto details = fb::CreateMultiAxisQuantization(raw.fbb, 1, -1, 8);
    auto quant = fb::CreateQuantizationParameters(
        raw.fbb, 0, 0, 0, 0, fb::QuantizationDetails::MultiAxisQuantization, details.Union());
    int32_t x = raw.addTensor("x", {2, 16}, quant);
    int32_t scales = raw.addTensor("scales", {2, 2});
    raw.inputs = {x, scales};
    LoadResult r = load(raw.finish());
    ASSERT_TRUE(r.isOk()) << r.message();
    const QuantizationParams& p = (*r)->subgraphs()[0].tensors[x].quantization;
    EXPECT_EQ(p.detailsKind, "MultiAxisQuantization");
    EXPECT_EQ(p.blockSize, 8);
    EXPECT_EQ(p.blockScalesTensor, scales);
    EXPECT_EQ(p.blockZeroPointsTensor, -1);
}

TEST(ModelLoaderForm, ReadsExternalBuffersStoredAfterTheFlatbuffer) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.buffers[kWeightsBuffer].external = true;
    const std::vector<uint8_t> expected = b.buffers[kWeightsBuffer].data;
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    const Model& m = **r;
    const Buffer& buffer = m.buffers()[kWeightsBuffer];
    EXPECT_TRUE(buffer.external);
    EXPECT_FALSE(m.buffers()[kBiasBuffer].external);
    EXPECT_EQ(buffer.fileOffset % 16, 0u);
    EXPECT_EQ(buffer.fileOffset + 48, m.bytes().size());  // the only external buffer: the file's last bytes
    EXPECT_EQ(buffer.data.data(), m.bytes().data() + buffer.fileOffset);
    EXPECT_EQ(std::vector<uint8_t>(buffer.data.begin(), buffer.data.end()), expected);

    const Tensor& weights = m.subgraphs()[0].tensors[kWeights];
    EXPECT_TRUE(weights.isConstant());
    EXPECT_EQ(weights.data.data(), buffer.data.data());
    EXPECT_EQ(weights.dataOffset, buffer.fileOffset);
    EXPECT_EQ(std::vector<uint8_t>(weights.data.begin(), weights.data.end()), expected);
    EXPECT_TRUE(m.warnings().empty()) << allWarnings(m);
}

TEST(ModelLoaderForm, ReadsInlineAndLargeCustomOptions) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.subgraphs[0].operators[1].customOptions = {1, 2, 3, 4, 5};
    std::vector<uint8_t> large(100);
    for (size_t i = 0; i < large.size(); ++i)
        large[i] = static_cast<uint8_t>(i * 3);
    OperatorSpec& fc = b.subgraphs[0].operators[0];
    fc.largeCustomOptionsOffset = 2;  // a placeholder of the same encoded size as the real offset
    fc.largeCustomOptionsSize = large.size();
    const size_t flatbufferSize = b.build().size();
    const uint64_t offset = (flatbufferSize + 15) / 16 * 16;
    fc.largeCustomOptionsOffset = offset;
    std::vector<uint8_t> bytes = b.build();
    ASSERT_EQ(bytes.size(), flatbufferSize);
    bytes.resize(offset, 0);
    bytes.insert(bytes.end(), large.begin(), large.end());

    LoadResult r = load(bytes);
    ASSERT_TRUE(r.isOk()) << r.message();
    const Model& m = **r;
    const Operator& withLarge = m.subgraphs()[0].operators[0];
    EXPECT_EQ(withLarge.customOptions.data(), m.bytes().data() + offset);
    EXPECT_EQ(std::vector<uint8_t>(withLarge.customOptions.begin(), withLarge.customOptions.end()), large);
    const Operator& withInline = m.subgraphs()[0].operators[1];
    EXPECT_EQ(std::vector<uint8_t>(withInline.customOptions.begin(), withInline.customOptions.end()),
              (std::vector<uint8_t>{1, 2, 3, 4, 5}));
    EXPECT_TRUE(inside(withInline.customOptions, m.bytes()));
}

TEST(ModelLoaderForm, ReadsBuiltinOptionsTypeAndIntermediates) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    OperatorSpec& fc = b.subgraphs[0].operators[0];
    fc.optionsType = fb::BuiltinOptions::FullyConnectedOptions;
    fc.options = [](flatbuffers::FlatBufferBuilder& fbb) {
        return fb::CreateFullyConnectedOptions(fbb, fb::ActivationFunctionType::RELU).Union();
    };
    int32_t scratch = b.addTensor("scratch", fb::TensorType::FLOAT32, {1, 3});
    fc.intermediates = {scratch};
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    const Operator& op = (*r)->subgraphs()[0].operators[0];
    EXPECT_EQ(op.builtinOptionsType, static_cast<uint8_t>(fb::BuiltinOptions::FullyConnectedOptions));
    ASSERT_NE(op.raw->builtin_options_as_FullyConnectedOptions(), nullptr);
    EXPECT_EQ(op.raw->builtin_options_as_FullyConnectedOptions()->fused_activation_function(),
              fb::ActivationFunctionType::RELU);
    EXPECT_EQ(toVector(op.intermediates), (std::vector<int32_t>{scratch}));
    EXPECT_EQ((*r)->subgraphs()[0].operators[1].builtinOptionsType, 0);
}

TEST(ModelLoaderForm, AcceptsOmittedOptionalInput) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.subgraphs[0].operators[0].inputs = {kInput, kWeights, -1};
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    EXPECT_EQ((*r)->subgraphs()[0].operators[0].inputs[2], -1);
    EXPECT_TRUE((*r)->warnings().empty()) << allWarnings(**r);
}

TEST(ModelLoaderForm, ReadsSignatures) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.signatures.push_back({"features", 0, {{"x", kInput}}, {{"hidden", kFc}, {"y", kOutput}}});
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    const auto& sigs = (*r)->signatures();
    ASSERT_EQ(sigs.size(), 2u);
    EXPECT_EQ(sigs[0].key, "serving_default");
    EXPECT_EQ(sigs[0].subgraphIndex, 0u);
    ASSERT_EQ(sigs[0].inputs.size(), 1u);
    EXPECT_EQ(sigs[0].inputs[0].name, "x");
    EXPECT_EQ(sigs[0].inputs[0].tensorIndex, static_cast<uint32_t>(kInput));
    ASSERT_EQ(sigs[0].outputs.size(), 1u);
    EXPECT_EQ(sigs[0].outputs[0].name, "y");
    EXPECT_EQ(sigs[0].outputs[0].tensorIndex, static_cast<uint32_t>(kOutput));
    EXPECT_EQ(sigs[1].key, "features");
    ASSERT_EQ(sigs[1].outputs.size(), 2u);
    EXPECT_EQ(sigs[1].outputs[0].name, "hidden");
    EXPECT_EQ(sigs[1].outputs[0].tensorIndex, static_cast<uint32_t>(kFc));
}

TEST(ModelLoaderForm, ReadsMetadataEntries) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    const std::string version = "1.14.0";
    uint32_t versionBuffer = b.addBuffer(std::vector<uint8_t>(version.begin(), version.end()));
    uint32_t emptyBuffer = b.addBuffer({});
    b.metadata.push_back({"min_runtime_version", versionBuffer});
    b.metadata.push_back({"empty", emptyBuffer});
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    const Model& m = **r;
    ASSERT_EQ(m.metadata().size(), 2u);
    EXPECT_EQ(m.metadata()[0].name, "min_runtime_version");
    EXPECT_EQ(m.metadata()[0].buffer, versionBuffer);
    EXPECT_EQ(std::string(m.metadata()[0].data.begin(), m.metadata()[0].data.end()), version);
    EXPECT_TRUE(inside(m.metadata()[0].data, m.bytes()));
    const MetadataEntry* found = m.findMetadata("min_runtime_version");
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->buffer, versionBuffer);
    ASSERT_NE(m.findMetadata("empty"), nullptr);
    EXPECT_TRUE(m.findMetadata("empty")->data.empty());
    EXPECT_EQ(m.findMetadata("absent"), nullptr);
}

TEST(ModelLoaderForm, LoadsFromFileWithDataInTheMapping) {
    const std::vector<uint8_t> bytes = ModelBuilder::smallFloatModel().build();
    const std::string path = writeTempFile(bytes, "model_loader_small.tflite");
    LoadResult r = Model::fromFile(path);
    ASSERT_TRUE(r.isOk()) << r.message();
    const Model& m = **r;
    EXPECT_EQ(m.path(), path);
    ASSERT_EQ(m.bytes().size(), bytes.size());
    EXPECT_EQ(std::memcmp(m.bytes().data(), bytes.data(), bytes.size()), 0);
    EXPECT_TRUE(inside(m.subgraphs()[0].tensors[kWeights].data, m.bytes()));
    EXPECT_EQ(m.subgraphs()[0].operators.size(), 2u);
}

TEST(ModelLoaderForm, FileErrors) {
    EXPECT_TRUE(
        rejects(Model::fromFile("/nonexistent/litescope/model.tflite"), ErrorCode::Io, {"cannot open"}));
    const std::string path = writeTempFile({}, "model_loader_empty.tflite");
    EXPECT_TRUE(rejects(Model::fromFile(path), ErrorCode::NotAModel, {"empty"}));
    const std::string directory = std::filesystem::path(path).parent_path().string();
    EXPECT_TRUE(rejects(Model::fromFile(directory), ErrorCode::Io, {"not a regular file"}));
}

// ---------------------------------------------------------------------------------------------------------
// Buffers
// ---------------------------------------------------------------------------------------------------------

TEST(ModelLoaderBuffers, RejectsExternalDataPastTheEnd) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.buffers[kWeightsBuffer].rawOffset = 1 << 20;
    b.buffers[kWeightsBuffer].rawSize = 48;
    EXPECT_TRUE(rejects(
        load(b), ErrorCode::InvalidModel,
        {"buffer 1: its data at offset 1048576 with size 48 lies past the end of the file", "truncated"}));
}

TEST(ModelLoaderBuffers, RejectsExternalSizeThatWrapsAround) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.buffers[kBiasBuffer].rawOffset = 16;
    b.buffers[kBiasBuffer].rawSize = std::numeric_limits<uint64_t>::max() - 8;
    EXPECT_TRUE(rejects(load(b), ErrorCode::InvalidModel, {"buffer 2: its data at offset 16 with size "}));
}

TEST(ModelLoaderBuffers, RejectsInlineAndExternalDataTogether) {
    RawModel raw;
    auto data = raw.fbb.CreateVector(std::vector<uint8_t>{1, 2, 3, 4});
    raw.buffers.push_back(fb::CreateBuffer(raw.fbb, data, 64, 4));
    raw.inputs = {raw.addTensor("x", {1})};
    EXPECT_TRUE(rejects(load(raw.finish()), ErrorCode::InvalidModel,
                        {"buffer 1 has both inline data and an external offset"}));
}

TEST(ModelLoaderBuffers, WarnsWhenBufferZeroHoldsData) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.buffers[0].data = {1, 2, 3, 4};
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    EXPECT_TRUE(hasWarning(**r, {"buffer 0 holds data; the format reserves it as the empty buffer"}));
    EXPECT_FALSE((*r)->subgraphs()[0].tensors[kInput].isConstant());  // buffer 0 is still nobody's data
}

TEST(ModelLoaderBuffers, AllowsBufferZeroWhenTheModelHasNoBuffers) {
    ModelBuilder b = oneTensorModel(tensorSpec("x", fb::TensorType::FLOAT32, {2}));
    b.buffers.clear();
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    EXPECT_TRUE((*r)->buffers().empty());
    EXPECT_EQ((*r)->subgraphs()[0].tensors[0].buffer, 0u);
}

TEST(ModelLoaderBuffers, RejectsTensorBufferOutOfRange) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.subgraphs[0].tensors[kFc].buffer = 42;
    EXPECT_TRUE(rejects(load(b), ErrorCode::InvalidModel,
                        {"subgraph 0, tensor 3 (fc) uses buffer 42, but the model has 3 buffers"}));
}

// ---------------------------------------------------------------------------------------------------------
// Operator codes
// ---------------------------------------------------------------------------------------------------------

TEST(ModelLoaderOperatorCodes, NamesCustomAndFlexOps) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    uint32_t custom = b.addCustomCode("MyCustomOp");
    uint32_t flex = b.addCustomCode("FlexAddV2");
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    const OperatorCode& c = (*r)->operatorCodes()[custom];
    EXPECT_TRUE(c.isCustom());
    EXPECT_FALSE(c.isFlex());
    EXPECT_EQ(c.builtinCode, kCustomBuiltinCode);
    EXPECT_EQ(c.customCode, "MyCustomOp");
    EXPECT_EQ(c.name, "MyCustomOp");
    const OperatorCode& f = (*r)->operatorCodes()[flex];
    EXPECT_TRUE(f.isCustom());
    EXPECT_TRUE(f.isFlex());
    EXPECT_EQ(f.name, "FlexAddV2");
    EXPECT_FALSE((*r)->operatorCodes()[0].isFlex());
}

TEST(ModelLoaderOperatorCodes, TakesTheLargerOfDeprecatedAndBuiltinCode) {
    ModelBuilder b;
    // An old converter: only deprecated_builtin_code (CONV_2D), builtin_code left at its default of 0.
    b.operatorCodes.push_back({0, "", 1, int8_t{3}});
    // A newer op: deprecated_builtin_code holds the placeholder 127, builtin_code the real code.
    b.operatorCodes.push_back({static_cast<int32_t>(fb::BuiltinOperator::CALL_ONCE), "", 1, int8_t{127}});
    // Versions above 1 read back.
    b.operatorCodes.push_back({static_cast<int32_t>(fb::BuiltinOperator::ADD), "", 4, std::nullopt});
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    const auto& codes = (*r)->operatorCodes();
    EXPECT_EQ(codes[0].builtinCode, 3);
    EXPECT_EQ(codes[0].name, "CONV_2D");
    EXPECT_EQ(codes[1].builtinCode, static_cast<int32_t>(fb::BuiltinOperator::CALL_ONCE));
    EXPECT_EQ(codes[1].name, "CALL_ONCE");
    EXPECT_EQ(codes[2].name, "ADD");
    EXPECT_EQ(codes[2].version, 4);
}

TEST(ModelLoaderOperatorCodes, NamesUnknownBuiltinCodeAndWarns) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.operatorCodes[1].builtinCode = 250;
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    EXPECT_EQ((*r)->operatorCodes()[1].builtinCode, 250);
    EXPECT_EQ((*r)->operatorCodes()[1].name, "BUILTIN_250");
    EXPECT_EQ((*r)->operatorCode((*r)->subgraphs()[0].operators[1]).name, "BUILTIN_250");
    EXPECT_TRUE(
        hasWarning(**r, {"operator code 1 uses builtin code 250, newer than the format this build knows"}));
}

TEST(ModelLoaderOperatorCodes, BuiltinOperatorNameFunction) {
    EXPECT_EQ(builtinOperatorName(3), "CONV_2D");
    EXPECT_EQ(builtinOperatorName(static_cast<int32_t>(fb::BuiltinOperator::MAX)), "STABLEHLO_CASE");
    const int32_t beyond = static_cast<int32_t>(fb::BuiltinOperator::MAX) + 1;
    EXPECT_EQ(builtinOperatorName(beyond), "BUILTIN_" + std::to_string(beyond));
    EXPECT_EQ(builtinOperatorName(-1), "BUILTIN_-1");
}

TEST(ModelLoaderOperatorCodes, RejectsNegativeBuiltinCode) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.operatorCodes[0].builtinCode = -5;  // deprecated_builtin_code follows it: -5 as well
    EXPECT_TRUE(rejects(load(b), ErrorCode::InvalidModel, {"operator code 0 has a negative builtin code"}));
}

TEST(ModelLoaderOperatorCodes, WarnsAboutCustomCodeWithoutName) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    uint32_t unnamed = b.addCustomCode("");
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    EXPECT_EQ((*r)->operatorCodes()[unnamed].name, "CUSTOM");
    EXPECT_TRUE(hasWarning(**r, {"operator code 2 is CUSTOM but names no custom op"}));
}

TEST(ModelLoaderOperatorCodes, WarnsAboutVersionBelowOne) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.operatorCodes[1].version = 0;
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    EXPECT_EQ((*r)->operatorCodes()[1].version, 0);
    EXPECT_TRUE(hasWarning(**r, {"operator code 1 (RELU) has version 0"}));
}

// ---------------------------------------------------------------------------------------------------------
// Subgraph and operator indices
// ---------------------------------------------------------------------------------------------------------

TEST(ModelLoaderIndices, RejectsModelWithoutSubgraphs) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.subgraphs.clear();
    b.signatures.clear();
    EXPECT_TRUE(rejects(load(b), ErrorCode::InvalidModel, {"the model has no subgraphs"}));
}

TEST(ModelLoaderIndices, RejectsSubgraphInputOutOfRange) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.subgraphs[0].inputs = {kInput, 9};
    EXPECT_TRUE(rejects(load(b), ErrorCode::InvalidModel,
                        {"subgraph 0, input 1 refers to tensor 9, but the subgraph has 5 tensors"}));
}

TEST(ModelLoaderIndices, RejectsOmittedSubgraphOutput) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.subgraphs[0].outputs = {-1};
    EXPECT_TRUE(rejects(load(b), ErrorCode::InvalidModel, {"subgraph 0, output 0 refers to tensor -1"}));
}

TEST(ModelLoaderIndices, RejectsOperatorCodeIndexOutOfRange) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.subgraphs[0].operators[1].opcodeIndex = 7;
    EXPECT_TRUE(
        rejects(load(b), ErrorCode::InvalidModel,
                {"subgraph 0, operator 1: operator code index 7 is out of range (the model has 2 operator "
                 "codes)"}));
}

TEST(ModelLoaderIndices, RejectsOperatorInputOutOfRange) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.subgraphs[0].operators[0].inputs = {kInput, 5, kBias};
    EXPECT_TRUE(
        rejects(load(b), ErrorCode::InvalidModel,
                {"subgraph 0, operator 0 (FULLY_CONNECTED): input 1 refers to tensor 5, but the subgraph "
                 "has 5 tensors"}));
}

TEST(ModelLoaderIndices, RejectsNegativeOperatorInputOtherThanMinusOne) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.subgraphs[0].operators[0].inputs = {kInput, kWeights, -2};
    EXPECT_TRUE(rejects(load(b), ErrorCode::InvalidModel,
                        {"operator 0 (FULLY_CONNECTED): input 2 refers to tensor -2"}));
}

TEST(ModelLoaderIndices, RejectsOperatorOutputOutOfRange) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.subgraphs[0].operators[1].outputs = {99};
    EXPECT_TRUE(rejects(load(b), ErrorCode::InvalidModel,
                        {"subgraph 0, operator 1 (RELU): output 0 refers to tensor 99"}));
}

TEST(ModelLoaderIndices, RejectsIntermediateOutOfRangeOrOmitted) {
    for (int32_t bad : {12, -1}) {
        ModelBuilder b = ModelBuilder::smallFloatModel();
        b.subgraphs[0].operators[0].intermediates = {bad};
        EXPECT_TRUE(rejects(load(b), ErrorCode::InvalidModel,
                            {"subgraph 0, operator 0 (FULLY_CONNECTED): intermediate 0 refers to tensor " +
                             std::to_string(bad)}));
    }
}

TEST(ModelLoaderIndices, RejectsMoreMutatingVariableInputsThanInputs) {
    RawModel raw;
    int32_t x = raw.addTensor("x", {1});
    int32_t y = raw.addTensor("y", {1});
    auto in = raw.fbb.CreateVector(std::vector<int32_t>{x});
    auto out = raw.fbb.CreateVector(std::vector<int32_t>{y});
    auto mutating = raw.fbb.CreateVector(std::vector<uint8_t>{1, 0});
    raw.operators.push_back(fb::CreateOperator(raw.fbb, 0, in, out, fb::BuiltinOptions::NONE, 0, 0,
                                               fb::CustomOptionsFormat::FLEXBUFFERS, mutating));
    raw.inputs = {x};
    raw.outputs = {y};
    EXPECT_TRUE(
        rejects(load(raw.finish()), ErrorCode::InvalidModel,
                {"subgraph 0, operator 0 (ADD): mutating_variable_inputs has more entries than the operator "
                 "has inputs"}));
}

TEST(ModelLoaderIndices, RejectsLargeCustomOptionsPastTheEnd) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.subgraphs[0].operators[0].largeCustomOptionsOffset = 1 << 20;
    b.subgraphs[0].operators[0].largeCustomOptionsSize = 8;
    EXPECT_TRUE(
        rejects(load(b), ErrorCode::InvalidModel,
                {"subgraph 0, operator 0 (FULLY_CONNECTED): its custom options at offset 1048576 with size "
                 "8 lie past the end of the file"}));
}

// ---------------------------------------------------------------------------------------------------------
// Control flow: called subgraphs, their indices, recursion
// ---------------------------------------------------------------------------------------------------------

TEST(ModelLoaderControlFlow, WhileCallsCondAndBody) {
    ModelBuilder b = controlFlowModel();
    addCallOperator(b, fb::BuiltinOperator::WHILE, fb::BuiltinOptions::WhileOptions, whileOptions(1, 2), {0},
                    {1});
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    const Model& m = **r;
    ASSERT_EQ(m.subgraphs().size(), 3u);
    EXPECT_EQ(m.subgraphs()[1].name, "cond");
    EXPECT_EQ(m.subgraphs()[2].name, "body");
    EXPECT_EQ(m.subgraphs()[2].index, 2);
    EXPECT_EQ(m.subgraphs()[1].tensors[1].type, TensorType::Bool);
    const Operator& op = m.subgraphs()[0].operators[0];
    EXPECT_EQ(m.operatorCode(op).name, "WHILE");
    EXPECT_EQ(op.builtinOptionsType, static_cast<uint8_t>(fb::BuiltinOptions::WhileOptions));
    EXPECT_EQ(op.calledSubgraphs, (std::vector<int32_t>{1, 2}));
    EXPECT_TRUE(m.subgraphs()[2].operators[0].calledSubgraphs.empty());
    EXPECT_TRUE(m.warnings().empty()) << allWarnings(m);
}

TEST(ModelLoaderControlFlow, IfAndCallOnceCallTheirSubgraphs) {
    ModelBuilder b = controlFlowModel();
    addCallOperator(
        b, fb::BuiltinOperator::CALL_ONCE, fb::BuiltinOptions::CallOnceOptions,
        [](flatbuffers::FlatBufferBuilder& fbb) { return fb::CreateCallOnceOptions(fbb, 1).Union(); }, {},
        {});
    addCallOperator(
        b, fb::BuiltinOperator::IF, fb::BuiltinOptions::IfOptions,
        [](flatbuffers::FlatBufferBuilder& fbb) { return fb::CreateIfOptions(fbb, 2, 1).Union(); }, {0}, {1});
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    EXPECT_EQ((*r)->subgraphs()[0].operators[0].calledSubgraphs, (std::vector<int32_t>{1}));
    EXPECT_EQ((*r)->subgraphs()[0].operators[1].calledSubgraphs, (std::vector<int32_t>{2, 1}));
}

TEST(ModelLoaderControlFlow, SubgraphCalledTwiceIsNotRecursion) {
    ModelBuilder b = controlFlowModel();
    addCallOperator(b, fb::BuiltinOperator::WHILE, fb::BuiltinOptions::WhileOptions, whileOptions(1, 2), {0},
                    {1});
    // The body runs another loop with the same condition: subgraph 1 is reached twice, never while running.
    int32_t y = 0, z = 1;
    addCallOperator(b, fb::BuiltinOperator::WHILE, fb::BuiltinOptions::WhileOptions, whileOptions(1, 1), {y},
                    {z}, 2);
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    EXPECT_EQ((*r)->subgraphs()[2].operators[1].calledSubgraphs, (std::vector<int32_t>{1, 1}));
}

TEST(ModelLoaderControlFlow, StablehloOptionsCallSubgraphs) {
    RawModel raw;
    int32_t x = raw.addTensor("x", {1});
    raw.inputs = {x};
    raw.extraSubgraphs = 2;
    auto in = raw.fbb.CreateVector(std::vector<int32_t>{x});
    auto out = raw.fbb.CreateVector(std::vector<int32_t>{x});
    auto options = fb::CreateStablehloWhileOptions(raw.fbb, 2, 1);
    raw.operators.push_back(fb::CreateOperator(raw.fbb, 0, in, out, fb::BuiltinOptions::NONE, 0, 0,
                                               fb::CustomOptionsFormat::FLEXBUFFERS, 0, 0, 0, 0,
                                               fb::BuiltinOptions2::StablehloWhileOptions, options.Union()));
    LoadResult r = load(raw.finish());
    ASSERT_TRUE(r.isOk()) << r.message();
    const Operator& op = (*r)->subgraphs()[0].operators[0];
    EXPECT_EQ(op.builtinOptions2Type, static_cast<uint8_t>(fb::BuiltinOptions2::StablehloWhileOptions));
    EXPECT_EQ(op.calledSubgraphs, (std::vector<int32_t>{2, 1}));
}

TEST(ModelLoaderControlFlow, RejectsStablehloCaseBranchOutOfRange) {
    RawModel raw;
    int32_t x = raw.addTensor("x", {1});
    raw.inputs = {x};
    raw.extraSubgraphs = 2;
    auto in = raw.fbb.CreateVector(std::vector<int32_t>{x});
    auto out = raw.fbb.CreateVector(std::vector<int32_t>{x});
    auto branches = raw.fbb.CreateVector(std::vector<int32_t>{1, 4});
    auto options = fb::CreateStablehloCaseOptions(raw.fbb, branches);
    raw.operators.push_back(fb::CreateOperator(raw.fbb, 0, in, out, fb::BuiltinOptions::NONE, 0, 0,
                                               fb::CustomOptionsFormat::FLEXBUFFERS, 0, 0, 0, 0,
                                               fb::BuiltinOptions2::StablehloCaseOptions, options.Union()));
    EXPECT_TRUE(
        rejects(load(raw.finish()), ErrorCode::InvalidModel,
                {"subgraph 0, operator 0 (ADD): its branch subgraph index 4 is out of range (the model has 3 "
                 "subgraphs)"}));
}

TEST(ModelLoaderControlFlow, RejectsBodySubgraphOutOfRange) {
    ModelBuilder b = controlFlowModel();
    addCallOperator(b, fb::BuiltinOperator::WHILE, fb::BuiltinOptions::WhileOptions, whileOptions(1, 5), {0},
                    {1});
    EXPECT_TRUE(
        rejects(load(b), ErrorCode::InvalidModel,
                {"subgraph 0, operator 0 (WHILE): its body subgraph index 5 is out of range (the model has 3 "
                 "subgraphs)"}));
}

TEST(ModelLoaderControlFlow, RejectsNegativeConditionSubgraph) {
    ModelBuilder b = controlFlowModel();
    addCallOperator(b, fb::BuiltinOperator::WHILE, fb::BuiltinOptions::WhileOptions, whileOptions(-1, 2), {0},
                    {1});
    EXPECT_TRUE(rejects(load(b), ErrorCode::InvalidModel,
                        {"operator 0 (WHILE): its condition subgraph index -1 is out of range"}));
}

TEST(ModelLoaderControlFlow, RejectsBodyCallingBackIntoSubgraphZero) {
    ModelBuilder b = controlFlowModel();
    addCallOperator(b, fb::BuiltinOperator::WHILE, fb::BuiltinOptions::WhileOptions, whileOptions(1, 2), {0},
                    {1});
    addCallOperator(b, fb::BuiltinOperator::WHILE, fb::BuiltinOptions::WhileOptions, whileOptions(1, 0), {0},
                    {1}, 2);
    EXPECT_TRUE(rejects(load(b), ErrorCode::InvalidModel,
                        {"subgraph 2 calls subgraph 0, which is already running", "recurses without end"}));
}

TEST(ModelLoaderControlFlow, RejectsSubgraphCallingItself) {
    ModelBuilder b = controlFlowModel();
    addCallOperator(b, fb::BuiltinOperator::WHILE, fb::BuiltinOptions::WhileOptions, whileOptions(1, 0), {0},
                    {1});
    EXPECT_TRUE(rejects(load(b), ErrorCode::InvalidModel, {"subgraph 0 calls subgraph 0", "recurses"}));
}

// ---------------------------------------------------------------------------------------------------------
// Tensor types and shapes
// ---------------------------------------------------------------------------------------------------------

TEST(ModelLoaderShapes, RejectsUnknownTypeCode) {
    TensorSpec spec = tensorSpec("odd", fb::TensorType::FLOAT32, {2});
    spec.rawType = 100;
    ModelBuilder b = oneTensorModel(spec);
    EXPECT_TRUE(
        rejects(load(b), ErrorCode::InvalidModel, {"subgraph 0, tensor 0 (odd) has unknown type code 100"}));
}

TEST(ModelLoaderShapes, RejectsNegativeDimension) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.subgraphs[0].tensors[kFc].shape = {1, -3};
    EXPECT_TRUE(rejects(load(b), ErrorCode::InvalidModel,
                        {"subgraph 0, tensor 3 (fc) has a negative dimension in its shape [1,-3]"}));
}

TEST(ModelLoaderShapes, RejectsElementCountOverflow) {
    ModelBuilder b = oneTensorModel(tensorSpec("vast", fb::TensorType::FLOAT32, {1 << 30, 1 << 30, 1 << 30}));
    EXPECT_TRUE(rejects(load(b), ErrorCode::InvalidModel,
                        {"subgraph 0, tensor 0 (vast): its shape [1073741824,1073741824,1073741824] has more "
                         "elements than can be counted"}));
}

TEST(ModelLoaderShapes, RejectsByteSizeOverflow) {
    ModelBuilder b = oneTensorModel(
        tensorSpec("vast", fb::TensorType::FLOAT32, {1 << 30, 1 << 30, 4}));  // 2^62 FLOAT32 elements
    EXPECT_TRUE(
        rejects(load(b), ErrorCode::InvalidModel,
                {"subgraph 0, tensor 0 (vast): its shape [1073741824,1073741824,4] FLOAT32 is too large to "
                 "have a byte size"}));
}

TEST(ModelLoaderShapes, AcceptsRankSixtyFourAndRejectsSixtyFive) {
    LoadResult ok =
        load(oneTensorModel(tensorSpec("deep", fb::TensorType::FLOAT32, std::vector<int32_t>(64, 1))));
    ASSERT_TRUE(ok.isOk()) << ok.message();
    EXPECT_EQ((*ok)->subgraphs()[0].tensors[0].shape.size(), 64u);

    EXPECT_TRUE(rejects(
        load(oneTensorModel(tensorSpec("deeper", fb::TensorType::FLOAT32, std::vector<int32_t>(65, 1)))),
        ErrorCode::InvalidModel,
        {"subgraph 0, tensor 0 (deeper) has 65 dimensions; Litescope accepts at most 64"}));
}

TEST(ModelLoaderShapes, RejectsShapeSignatureAboveMaxRank) {
    TensorSpec spec = tensorSpec("sig", fb::TensorType::FLOAT32, {1, 2});
    spec.shapeSignature = std::vector<int32_t>(70, -1);
    ModelBuilder b = oneTensorModel(spec);
    EXPECT_TRUE(rejects(load(b), ErrorCode::InvalidModel, {"tensor 0 (sig) has 70 dimensions"}));
}

TEST(ModelLoaderShapes, HonoursMaxRankOption) {
    ModelBuilder b = oneTensorModel(tensorSpec("image", fb::TensorType::FLOAT32, {1, 8, 8, 3}));
    LoadOptions options;
    options.maxRank = 3;
    EXPECT_TRUE(rejects(load(b, options), ErrorCode::InvalidModel,
                        {"tensor 0 (image) has 4 dimensions", "at most 3"}));
    EXPECT_TRUE(load(b).isOk());
}

TEST(ModelLoaderShapes, RejectsShapeSignatureOfWrongRank) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.subgraphs[0].tensors[kInput].shapeSignature = std::vector<int32_t>{-1};
    EXPECT_TRUE(
        rejects(load(b), ErrorCode::InvalidModel,
                {"subgraph 0, tensor 0 (input): its shape signature [-1] has a different rank from its "
                 "shape [1,4]"}));
}

TEST(ModelLoaderShapes, RejectsShapeSignatureBelowMinusOne) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.subgraphs[0].tensors[kInput].shapeSignature = std::vector<int32_t>{-2, 4};
    EXPECT_TRUE(rejects(load(b), ErrorCode::InvalidModel,
                        {"subgraph 0, tensor 0 (input) has dimension -2 in its shape signature [-2,4]"}));
}

TEST(ModelLoaderShapes, WarnsWhenShapeSignatureDisagreesWithShape) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.subgraphs[0].tensors[kInput].shapeSignature = std::vector<int32_t>{2, 4};
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    EXPECT_TRUE(
        hasWarning(**r, {"subgraph 0, tensor 0 (input): shape signature [2,4] disagrees with shape [1,4]"}));
}

// ---------------------------------------------------------------------------------------------------------
// Constant data: sizes and packed strings
// ---------------------------------------------------------------------------------------------------------

TEST(ModelLoaderConstantData, RejectsDataOfWrongSize) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.buffers[kBiasBuffer].data.resize(8);
    EXPECT_TRUE(
        rejects(load(b), ErrorCode::InvalidModel,
                {"subgraph 0, tensor 2 (bias): shape [3] FLOAT32 needs 12 bytes, but buffer 2 holds 8"}));
}

TEST(ModelLoaderConstantData, RejectsUnpackedInt4Data) {
    ModelBuilder b =
        oneTensorModel(tensorSpec("packed", fb::TensorType::INT4, {5}), std::vector<uint8_t>(5, 0));
    EXPECT_TRUE(
        rejects(load(b), ErrorCode::InvalidModel,
                {"subgraph 0, tensor 0 (packed): shape [5] INT4 needs 3 bytes, but buffer 1 holds 5"}));
}

TEST(ModelLoaderConstantData, AcceptsOpaqueResourceData) {
    LoadResult r = load(oneTensorModel(tensorSpec("handle", fb::TensorType::RESOURCE, {1}),
                                       std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7}));
    ASSERT_TRUE(r.isOk()) << r.message();
    EXPECT_EQ((*r)->subgraphs()[0].tensors[0].data.size(), 7u);
    EXPECT_EQ((*r)->subgraphs()[0].tensors[0].byteSize, -1);
}

TEST(ModelLoaderConstantData, AcceptsPackedStrings) {
    const std::vector<uint8_t> data = packStrings({"ab", "", "xyz"});
    LoadResult r = load(oneTensorModel(tensorSpec("words", fb::TensorType::STRING, {3}), data));
    ASSERT_TRUE(r.isOk()) << r.message();
    const Tensor& t = (*r)->subgraphs()[0].tensors[0];
    EXPECT_EQ(t.type, TensorType::String);
    EXPECT_EQ(t.byteSize, -1);
    EXPECT_EQ(t.elementCount, 3);
    EXPECT_EQ(std::vector<uint8_t>(t.data.begin(), t.data.end()), data);
    EXPECT_TRUE((*r)->warnings().empty()) << allWarnings(**r);
}

TEST(ModelLoaderConstantData, WarnsWhenStringCountDisagreesWithShape) {
    LoadResult r =
        load(oneTensorModel(tensorSpec("words", fb::TensorType::STRING, {3}), packStrings({"ab", "c"})));
    ASSERT_TRUE(r.isOk()) << r.message();
    EXPECT_TRUE(
        hasWarning(**r, {"subgraph 0, tensor 0 (words): holds 2 strings but its shape [3] has 3 elements"}));
}

TEST(ModelLoaderConstantData, RejectsStringDataTooShortForCount) {
    ModelBuilder b =
        oneTensorModel(tensorSpec("words", fb::TensorType::STRING, {1}), std::vector<uint8_t>{1, 0});
    EXPECT_TRUE(rejects(load(b), ErrorCode::InvalidModel,
                        {"subgraph 0, tensor 0 (words): its string data is 2 bytes, too short for a count"}));
}

TEST(ModelLoaderConstantData, RejectsStringCountTooLargeOrNegative) {
    for (int32_t count : {100, 4, -1}) {
        std::vector<uint8_t> data = packStrings({"ab", "cd"});  // 16 bytes of header and 4 of text: 20 bytes
        setInt32(data, 0, count);
        ModelBuilder b = oneTensorModel(tensorSpec("words", fb::TensorType::STRING, {2}), data);
        EXPECT_TRUE(rejects(load(b), ErrorCode::InvalidModel,
                            {"subgraph 0, tensor 0 (words): its string data claims " + std::to_string(count) +
                             " strings, more than its 20 bytes can hold"}));
    }
}

TEST(ModelLoaderConstantData, RejectsFirstStringNotAfterTheOffsetTable) {
    std::vector<uint8_t> data = packStrings({"ab", "cd"});
    setInt32(data, 4, 4);
    ModelBuilder b = oneTensorModel(tensorSpec("words", fb::TensorType::STRING, {2}), data);
    EXPECT_TRUE(rejects(load(b), ErrorCode::InvalidModel,
                        {"tensor 0 (words): its first string starts at byte 4, not after the offset table"}));
}

TEST(ModelLoaderConstantData, RejectsStringOffsetsOutOfOrder) {
    std::vector<uint8_t> data = packStrings({"ab", "cd", "ef"});  // offsets 20, 22, 24, 26
    setInt32(data, 12, 19);
    ModelBuilder b = oneTensorModel(tensorSpec("words", fb::TensorType::STRING, {3}), data);
    EXPECT_TRUE(
        rejects(load(b), ErrorCode::InvalidModel,
                {"subgraph 0, tensor 0 (words): string 1 has offset 19, outside its 26-byte buffer or before "
                 "the previous one"}));
}

TEST(ModelLoaderConstantData, RejectsStringOffsetPastTheBuffer) {
    std::vector<uint8_t> data = packStrings({"ab", "cd"});  // offsets 16, 18, 20 in 20 bytes
    setInt32(data, 12, 21);
    ModelBuilder b = oneTensorModel(tensorSpec("words", fb::TensorType::STRING, {2}), data);
    EXPECT_TRUE(
        rejects(load(b), ErrorCode::InvalidModel, {"string 1 has offset 21, outside its 20-byte buffer"}));
}

// ---------------------------------------------------------------------------------------------------------
// Sparsity
// ---------------------------------------------------------------------------------------------------------

SparsitySpec::Dim denseDim(int32_t size) {
    SparsitySpec::Dim d;
    d.denseSize = size;
    return d;
}

SparsitySpec::Dim sparseDim(std::vector<int32_t> segments, std::vector<int32_t> indices) {
    SparsitySpec::Dim d;
    d.sparse = true;
    d.segments = std::move(segments);
    d.indices = std::move(indices);
    return d;
}

// A 4x4 FLOAT32 matrix stored as CSR: rows dense, columns sparse, one non-zero per row.
SparsitySpec csrSpec() {
    SparsitySpec s;
    s.traversalOrder = {0, 1};
    s.dims.push_back(denseDim(4));
    s.dims.push_back(sparseDim({0, 1, 2, 3, 4}, {0, 1, 2, 3}));
    return s;
}

ModelBuilder sparseModel(SparsitySpec spec, size_t values = 4) {
    TensorSpec t = tensorSpec("sparse", fb::TensorType::FLOAT32, {4, 4});
    t.sparsity = std::move(spec);
    return oneTensorModel(std::move(t), toBytes(std::vector<float>(values, 1.5f)));
}

TEST(ModelLoaderSparsity, ReadsCsrSpec) {
    LoadResult r = load(sparseModel(csrSpec()));
    ASSERT_TRUE(r.isOk()) << r.message();
    const Tensor& t = (*r)->subgraphs()[0].tensors[0];
    ASSERT_NE(t.sparsity, nullptr);
    EXPECT_EQ(toVector(t.sparsity->traversalOrder), (std::vector<int32_t>{0, 1}));
    EXPECT_TRUE(t.sparsity->blockMap.empty());
    ASSERT_EQ(t.sparsity->dimensions.size(), 2u);
    EXPECT_EQ(t.sparsity->dimensions[0].format, DimensionFormat::Dense);
    EXPECT_EQ(t.sparsity->dimensions[0].denseSize, 4);
    EXPECT_EQ(t.sparsity->dimensions[1].format, DimensionFormat::SparseCsr);
    EXPECT_EQ(t.sparsity->dimensions[1].segmentsType, "INT32");
    EXPECT_EQ(t.sparsity->dimensions[1].segmentsCount, 5u);
    EXPECT_EQ(t.sparsity->dimensions[1].indicesType, "INT32");
    EXPECT_EQ(t.sparsity->dimensions[1].indicesCount, 4u);
    EXPECT_EQ(t.data.size(), 16u);  // the non-zero values only
    EXPECT_EQ(t.byteSize, 64);      // the dense size
    EXPECT_TRUE((*r)->warnings().empty()) << allWarnings(**r);
}

TEST(ModelLoaderSparsity, ReadsBlockSparseSpec) {
    SparsitySpec s;
    s.traversalOrder = {0, 1, 2, 3};
    s.blockMap = {0, 1};
    s.dims.push_back(denseDim(2));
    s.dims.push_back(sparseDim({0, 1, 2}, {0, 1}));
    s.dims.push_back(denseDim(2));
    s.dims.push_back(denseDim(2));
    LoadResult r = load(sparseModel(s, 8));
    ASSERT_TRUE(r.isOk()) << r.message();
    const Tensor& t = (*r)->subgraphs()[0].tensors[0];
    ASSERT_NE(t.sparsity, nullptr);
    EXPECT_EQ(toVector(t.sparsity->blockMap), (std::vector<int32_t>{0, 1}));
    EXPECT_EQ(t.sparsity->dimensions.size(), 4u);
}

TEST(ModelLoaderSparsity, RejectsTraversalOrderOfWrongLength) {
    SparsitySpec s = csrSpec();
    s.traversalOrder = {0};
    EXPECT_TRUE(
        rejects(load(sparseModel(s)), ErrorCode::InvalidModel,
                {"subgraph 0, tensor 0 (sparse): sparsity traversal order has 1 entries, expected rank 2 + 0 "
                 "block dimensions"}));
}

TEST(ModelLoaderSparsity, RejectsTraversalOrderNamingMissingDimension) {
    SparsitySpec s = csrSpec();
    s.traversalOrder = {0, 5};
    EXPECT_TRUE(rejects(load(sparseModel(s)), ErrorCode::InvalidModel,
                        {"tensor 0 (sparse): sparsity traversal order names dimension 5"}));
}

TEST(ModelLoaderSparsity, RejectsBlockMapOutOfRange) {
    SparsitySpec s = csrSpec();
    s.traversalOrder = {0, 1, 2, 3};
    s.blockMap = {0, 2};
    EXPECT_TRUE(rejects(load(sparseModel(s)), ErrorCode::InvalidModel,
                        {"tensor 0 (sparse): sparsity block map names dimension 2 of a rank-2 tensor"}));
}

TEST(ModelLoaderSparsity, RejectsDimensionEntriesOfWrongCount) {
    SparsitySpec s = csrSpec();
    s.dims.pop_back();
    EXPECT_TRUE(rejects(load(sparseModel(s)), ErrorCode::InvalidModel,
                        {"tensor 0 (sparse): sparsity has 1 dimension entries for 2 traversed dimensions"}));
}

TEST(ModelLoaderSparsity, RejectsSparseDimensionWithoutSegments) {
    SparsitySpec s = csrSpec();
    s.dims[1].omitSegments = true;
    EXPECT_TRUE(rejects(load(sparseModel(s)), ErrorCode::InvalidModel,
                        {"subgraph 0, tensor 0 (sparse): sparse dimension 1 has no array segments"}));
}

TEST(ModelLoaderSparsity, RejectsSparseDimensionWithoutIndices) {
    RawModel raw;
    flatbuffers::FlatBufferBuilder& fbb = raw.fbb;
    auto segmentValues = fbb.CreateVector(std::vector<int32_t>{0, 1, 2, 3, 4});
    auto segments = fb::CreateInt32Vector(fbb, segmentValues);
    std::vector<flatbuffers::Offset<fb::DimensionMetadata>> dims{
        fb::CreateDimensionMetadata(fbb, fb::DimensionType::DENSE, 4),
        fb::CreateDimensionMetadata(fbb, fb::DimensionType::SPARSE_CSR, 0, fb::SparseIndexVector::Int32Vector,
                                    segments.Union())};
    auto order = fbb.CreateVector(std::vector<int32_t>{0, 1});
    auto dimVector = fbb.CreateVector(dims);
    auto sparsity = fb::CreateSparsityParameters(fbb, order, 0, dimVector);
    raw.inputs = {raw.addTensor("sparse", {4, 4}, 0, sparsity)};
    EXPECT_TRUE(rejects(load(raw.finish()), ErrorCode::InvalidModel,
                        {"subgraph 0, tensor 0 (sparse): sparse dimension 1 has no array indices"}));
}

TEST(ModelLoaderSparsity, RejectsNegativeDenseSize) {
    SparsitySpec s = csrSpec();
    s.dims[0].denseSize = -1;
    EXPECT_TRUE(rejects(load(sparseModel(s)), ErrorCode::InvalidModel,
                        {"tensor 0 (sparse): dense dimension 0 has size -1"}));
}

TEST(ModelLoaderSparsity, RejectsSparseDataLargerThanDense) {
    EXPECT_TRUE(
        rejects(load(sparseModel(csrSpec(), 17)), ErrorCode::InvalidModel,
                {"subgraph 0, tensor 0 (sparse): sparse FLOAT32 data of 68 bytes exceeds the dense size 64 "
                 "of shape [4,4]"}));
}

// ---------------------------------------------------------------------------------------------------------
// Quantization
// ---------------------------------------------------------------------------------------------------------

TEST(ModelLoaderQuantization, RejectsScaleAndZeroPointCountMismatch) {
    ModelBuilder b = smallModelQuantized(kWeights, affine({0.1f, 0.2f}, {0, 0, 0}));
    EXPECT_TRUE(rejects(load(b), ErrorCode::InvalidModel,
                        {"subgraph 0, tensor 1 (weights) has 2 quantization scales but 3 zero points"}));
}

TEST(ModelLoaderQuantization, RejectsPerChannelScaleCountNotMatchingDimension) {
    ModelBuilder b = smallModelQuantized(kWeights, affine({0.1f, 0.2f}, {0, 0}));
    EXPECT_TRUE(rejects(
        load(b), ErrorCode::InvalidModel,
        {"subgraph 0, tensor 1 (weights) has 2 per-channel scales, but dimension 0 of its shape [3,4] "
         "is 3"}));
}

TEST(ModelLoaderQuantization, RejectsPerChannelDimensionOutOfRange) {
    for (int32_t dimension : {2, -1}) {
        ModelBuilder b = smallModelQuantized(kWeights, affine({0.1f, 0.2f, 0.3f}, {0, 0, 0}, dimension));
        EXPECT_TRUE(rejects(load(b), ErrorCode::InvalidModel,
                            {"subgraph 0, tensor 1 (weights): per-channel quantization along dimension " +
                             std::to_string(dimension) + " of a tensor with shape [3,4]"}));
    }
}

TEST(ModelLoaderQuantization, ReadsRankOneBiasAlongItsOnlyAxisWithWarning) {
    ModelBuilder b = smallModelQuantized(kBias, affine({0.1f, 0.2f, 0.3f}, {0, 0, 0}, 3));
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    const QuantizationParams& q = (*r)->subgraphs()[0].tensors[kBias].quantization;
    EXPECT_EQ(q.quantizedDimension, 0);
    EXPECT_TRUE(q.isPerChannel());
    EXPECT_EQ(toVector(q.scale), (std::vector<float>{0.1f, 0.2f, 0.3f}));
    EXPECT_TRUE(
        hasWarning(**r, {"subgraph 0, tensor 2 (bias): quantized_dimension 3 is out of range for shape [3]; "
                         "its 3 scales are read along dimension 0"}));
}

TEST(ModelLoaderQuantization, RejectsRankOneBiasWhoseScalesDoNotFit) {
    ModelBuilder b = smallModelQuantized(kBias, affine({0.1f, 0.2f}, {0, 0}, 3));
    EXPECT_TRUE(
        rejects(load(b), ErrorCode::InvalidModel,
                {"subgraph 0, tensor 2 (bias): per-channel quantization along dimension 3 of a tensor with "
                 "shape [3]"}));
}

TEST(ModelLoaderQuantization, WarnsAboutSingleScaleDimensionOutOfRange) {
    ModelBuilder b = smallModelQuantized(kWeights, affine({0.5f}, {0}, 5));
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    EXPECT_EQ((*r)->subgraphs()[0].tensors[kWeights].quantization.quantizedDimension, 5);
    EXPECT_TRUE(
        hasWarning(**r, {"subgraph 0, tensor 1 (weights): quantized_dimension 5 is out of range for shape "
                         "[3,4] (harmless with a single scale"}));
}

TEST(ModelLoaderQuantization, WarnsAboutNegativeOrNonFiniteScale) {
    ModelBuilder b = smallModelQuantized(kWeights, affine({0.5f, -0.5f, 0.25f}, {0, 0, 0}));
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    EXPECT_TRUE(hasWarning(**r, {"subgraph 0, tensor 1 (weights): quantization scale 1 is -0.5"}));

    ModelBuilder inf = smallModelQuantized(kInput, affine({std::numeric_limits<float>::infinity()}, {}));
    LoadResult ri = load(inf);
    ASSERT_TRUE(ri.isOk()) << ri.message();
    EXPECT_TRUE(hasWarning(**ri, {"subgraph 0, tensor 0 (input): quantization scale 0 is inf"}));
}

// The rank-1 bias leniency (out-of-range quantized_dimension) still warns about a NaN, infinite or
// negative scale, as any other tensor does.
TEST(ModelLoaderQuantization, RankOneBiasLeniencyStillWarnsAboutBadScale) {
    ModelBuilder b = smallModelQuantized(
        kBias, affine({0.1f, std::numeric_limits<float>::quiet_NaN(), 0.3f}, {0, 0, 0}, 3));
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    EXPECT_TRUE(hasWarning(**r, {"subgraph 0, tensor 2 (bias): quantization scale 1 is"}));
}

TEST(ModelLoaderQuantization, RejectsBlockwiseBlockSize) {
    ModelBuilder b = smallModelQuantized(kWeights, blockwise(-4, kBias));
    EXPECT_TRUE(rejects(load(b), ErrorCode::InvalidModel,
                        {"subgraph 0, tensor 1 (weights): blockwise quantization with block size -4"}));
}

TEST(ModelLoaderQuantization, RejectsBlockwiseTensorsOutOfRange) {
    ModelBuilder scales = smallModelQuantized(kWeights, blockwise(4, 9));
    EXPECT_TRUE(
        rejects(load(scales), ErrorCode::InvalidModel,
                {"subgraph 0, tensor 1 (weights): blockwise quantization scales tensor 9 is out of range"}));
    ModelBuilder noScales = smallModelQuantized(kWeights, blockwise(4, -1));
    EXPECT_TRUE(
        rejects(load(noScales), ErrorCode::InvalidModel, {"blockwise quantization scales tensor -1"}));
    ModelBuilder zeroPoints = smallModelQuantized(kWeights, blockwise(4, kBias, -2));
    EXPECT_TRUE(
        rejects(load(zeroPoints), ErrorCode::InvalidModel,
                {"subgraph 0, tensor 1 (weights): blockwise quantization zero-point tensor -2 is out of "
                 "range"}));
    ModelBuilder zeroPointsHigh = smallModelQuantized(kWeights, blockwise(4, kBias, 5));
    EXPECT_TRUE(
        rejects(load(zeroPointsHigh), ErrorCode::InvalidModel, {"zero-point tensor 5 is out of range"}));
}

// A raw model whose tensor 0 ("x") carries MultiAxisQuantization(scales, zero_points, block_size); tensor 1
// is a second tensor the details can name.
std::vector<uint8_t> multiAxisModel(int32_t scales, int32_t zeroPoints, int32_t blockSize) {
    RawModel raw;
    auto details = fb::CreateMultiAxisQuantization(raw.fbb, scales, zeroPoints, blockSize);
    auto quant = fb::CreateQuantizationParameters(
        raw.fbb, 0, 0, 0, 0, fb::QuantizationDetails::MultiAxisQuantization, details.Union());
    raw.inputs = {raw.addTensor("x", {2, 16}, quant), raw.addTensor("scales", {2, 2})};
    return raw.finish();
}

TEST(ModelLoaderQuantization, RejectsMultiAxisDetails) {
    EXPECT_TRUE(rejects(load(multiAxisModel(1, -1, -8)), ErrorCode::InvalidModel,
                        {"subgraph 0, tensor 0 (x): multi-axis quantization with block size -8"}));
    EXPECT_TRUE(
        rejects(load(multiAxisModel(2, -1, 8)), ErrorCode::InvalidModel,
                {"subgraph 0, tensor 0 (x): multi-axis quantization scales tensor 2 is out of range"}));
    EXPECT_TRUE(
        rejects(load(multiAxisModel(1, -3, 8)), ErrorCode::InvalidModel,
                {"subgraph 0, tensor 0 (x): multi-axis quantization zero-point tensor -3 is out of range"}));
    EXPECT_TRUE(load(multiAxisModel(1, 1, 0)).isOk());
}

TEST(ModelLoaderQuantization, WarnsAboutUnknownDetailsKind) {
    RawModel raw;
    auto custom = fb::CreateCustomQuantization(raw.fbb);
    auto quant = fb::CreateQuantizationParameters(raw.fbb, 0, 0, 0, 0,
                                                  static_cast<fb::QuantizationDetails>(9), custom.Union());
    raw.inputs = {raw.addTensor("x", {2}, quant)};
    LoadResult r = load(raw.finish());
    ASSERT_TRUE(r.isOk()) << r.message();
    EXPECT_EQ((*r)->subgraphs()[0].tensors[0].quantization.detailsKind, "unknown");
    EXPECT_TRUE(
        hasWarning(**r, {"subgraph 0, tensor 0 (x): quantization details of a kind this build does not know "
                         "(9)"}));
}

// ---------------------------------------------------------------------------------------------------------
// Signatures and metadata
// ---------------------------------------------------------------------------------------------------------

TEST(ModelLoaderSignatures, RejectsSubgraphOutOfRange) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.signatures[0].subgraph = 3;
    EXPECT_TRUE(rejects(load(b), ErrorCode::InvalidModel,
                        {"signature 0 (serving_default) runs subgraph 3, but the model has 1"}));
}

TEST(ModelLoaderSignatures, RejectsTensorOutOfRange) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.signatures[0].outputs[0].second = 17;
    EXPECT_TRUE(
        rejects(load(b), ErrorCode::InvalidModel,
                {"signature 0 (serving_default): output 'y' refers to tensor 17, but subgraph 0 has 5 "
                 "tensors"}));
    ModelBuilder input = ModelBuilder::smallFloatModel();
    input.signatures[0].inputs[0].second = 5;
    EXPECT_TRUE(rejects(load(input), ErrorCode::InvalidModel, {"input 'x' refers to tensor 5"}));
}

TEST(ModelLoaderMetadata, RejectsMetadataBufferOutOfRange) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.metadata.push_back({"min_runtime_version", 9});
    EXPECT_TRUE(
        rejects(load(b), ErrorCode::InvalidModel,
                {"metadata entry 0 (min_runtime_version) uses buffer 9, but the model has 3 buffers"}));
}

TEST(ModelLoaderMetadata, ChecksDeprecatedMetadataBufferList) {
    for (int32_t bad : {7, -1}) {
        RawModel raw;
        raw.inputs = {raw.addTensor("x", {1})};
        raw.metadataBuffer = {0, bad};
        EXPECT_TRUE(rejects(load(raw.finish()), ErrorCode::InvalidModel,
                            {"the deprecated metadata_buffer list names buffer " + std::to_string(bad) +
                             ", but the model has 1 buffers"}));
    }
    RawModel ok;
    ok.inputs = {ok.addTensor("x", {1})};
    ok.metadataBuffer = {0};
    EXPECT_TRUE(load(ok.finish()).isOk());
}

// ---------------------------------------------------------------------------------------------------------
// Warnings about a model that still loads
// ---------------------------------------------------------------------------------------------------------

TEST(ModelLoaderWarnings, WarnsAboutSchemaVersion) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.version = 2;
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    EXPECT_EQ((*r)->version(), 2u);
    EXPECT_TRUE(hasWarning(**r, {"the schema version is 2, TFLite writes 3"}));
}

TEST(ModelLoaderWarnings, WarnsAboutModelWithoutOperators) {
    ModelBuilder b;
    b.subgraphs[0].inputs = {b.addTensor("x", fb::TensorType::FLOAT32, {1})};
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    EXPECT_EQ((*r)->warnings(), (std::vector<std::string>{"the model has no operators"}));
}

TEST(ModelLoaderWarnings, WarnsAboutTensorReadBeforeWritten) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    // RELU now reads fc before FULLY_CONNECTED writes it.
    std::swap(b.subgraphs[0].operators[0], b.subgraphs[0].operators[1]);
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    EXPECT_TRUE(
        hasWarning(**r, {"subgraph 0, operator 0 (RELU) reads tensor 3 (fc), which is not an input, a "
                         "constant or a variable, and no earlier operator writes it"}));
    EXPECT_EQ((*r)->warnings().size(), 1u) << allWarnings(**r);
}

TEST(ModelLoaderWarnings, VariablesAndEmptyTensorsNeedNoWriter) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    std::swap(b.subgraphs[0].operators[0], b.subgraphs[0].operators[1]);
    b.subgraphs[0].tensors[kFc].isVariable = true;
    int32_t empty = b.addTensor("empty_shape", fb::TensorType::INT32, {0});
    b.addOperator(fb::BuiltinOperator::RESHAPE, {kOutput, empty},
                  {b.addTensor("reshaped", fb::TensorType::FLOAT32, {3})});
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    EXPECT_TRUE((*r)->warnings().empty()) << allWarnings(**r);
}

TEST(ModelLoaderWarnings, WarnsAboutTensorInExternalWeightFile) {
    RawModel raw;
    raw.inputs = {raw.addTensor("x", {4}, 0, 0, 3)};
    LoadResult r = load(raw.finish());
    ASSERT_TRUE(r.isOk()) << r.message();
    EXPECT_TRUE(
        hasWarning(**r, {"subgraph 0, tensor 0 (x) keeps its data in external buffer 3, outside this file"}));
}

TEST(ModelLoaderWarnings, KeepsTwoHundredWarningsAndCountsTheRest) {
    ModelBuilder b;
    b.subgraphs[0].inputs = {b.addTensor("x", fb::TensorType::FLOAT32, {1})};
    for (int i = 0; i < 210; ++i)
        b.operatorCodes.push_back({static_cast<int32_t>(fb::BuiltinOperator::ADD), "", 0, {}});
    LoadResult r = load(b);
    ASSERT_TRUE(r.isOk()) << r.message();
    const auto& warnings = (*r)->warnings();
    ASSERT_EQ(warnings.size(), 201u);
    EXPECT_EQ(warnings[0], "operator code 0 (ADD) has version 0");
    EXPECT_EQ(warnings[199], "operator code 199 (ADD) has version 0");
    EXPECT_EQ(warnings[200], "... and 11 more warnings");  // 10 operator codes and "no operators"
}

// ---------------------------------------------------------------------------------------------------------
// The work budget against files whose vectors are referenced over and over
// ---------------------------------------------------------------------------------------------------------

std::vector<uint8_t> sharedOperatorModel(int references) {
    RawModel raw;
    int32_t x = raw.addTensor("x", {1});
    auto in = raw.fbb.CreateVector(std::vector<int32_t>(2000, x));
    auto out = raw.fbb.CreateVector(std::vector<int32_t>{x});
    auto op = fb::CreateOperator(raw.fbb, 0, in, out);
    raw.operators.assign(static_cast<size_t>(references), op);  // the same table, over and over
    raw.inputs = {x};
    return raw.finish();
}

TEST(ModelLoaderBudget, RejectsOperatorTableReferencedOverAndOver) {
    const std::vector<uint8_t> bytes = sharedOperatorModel(20);
    ASSERT_LT(bytes.size(), 9000u);  // 20 x 2000 indices to walk in a file of under 9000 bytes
    EXPECT_TRUE(rejects(load(bytes), ErrorCode::InvalidModel,
                        {"subgraph 0, operator ", "(ADD): input: the file's vectors overlap"}));
}

TEST(ModelLoaderBudget, AcceptsTheSameTableReferencedOnce) {
    LoadResult r = load(sharedOperatorModel(1));
    ASSERT_TRUE(r.isOk()) << r.message();
    EXPECT_EQ((*r)->subgraphs()[0].operators[0].inputs.size(), 2000u);
}

}  // namespace
}  // namespace litescope::test
