#include "tests/support/model_builder.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace litescope::test {

ModelBuilder::ModelBuilder() {
    buffers.push_back({});
    subgraphs.push_back({});
    subgraphs[0].name = "main";
}

uint32_t ModelBuilder::addBuffer(std::vector<uint8_t> data, bool external) {
    buffers.push_back({std::move(data), external, std::nullopt, std::nullopt});
    return static_cast<uint32_t>(buffers.size() - 1);
}

int32_t ModelBuilder::addTensor(TensorSpec tensor, uint32_t subgraph) {
    subgraphs[subgraph].tensors.push_back(std::move(tensor));
    return static_cast<int32_t>(subgraphs[subgraph].tensors.size() - 1);
}

int32_t ModelBuilder::addTensor(std::string name, fb::TensorType type, std::vector<int32_t> shape,
                                uint32_t subgraph) {
    TensorSpec t;
    t.name = std::move(name);
    t.type = type;
    t.shape = std::move(shape);
    return addTensor(std::move(t), subgraph);
}

int32_t ModelBuilder::addConstant(std::string name, std::vector<int32_t> shape,
                                  const std::vector<float>& values, uint32_t subgraph) {
    return addConstantBytes(std::move(name), fb::TensorType::FLOAT32, std::move(shape), toBytes(values),
                            subgraph);
}

int32_t ModelBuilder::addConstantBytes(std::string name, fb::TensorType type, std::vector<int32_t> shape,
                                       std::vector<uint8_t> bytes, uint32_t subgraph) {
    TensorSpec t;
    t.name = std::move(name);
    t.type = type;
    t.shape = std::move(shape);
    t.buffer = addBuffer(std::move(bytes));
    return addTensor(std::move(t), subgraph);
}

uint32_t ModelBuilder::addOperatorCode(fb::BuiltinOperator op, int32_t opVersion) {
    for (size_t i = 0; i < operatorCodes.size(); ++i)
        if (operatorCodes[i].builtinCode == static_cast<int32_t>(op) && operatorCodes[i].customCode.empty() &&
            operatorCodes[i].version == opVersion)
            return static_cast<uint32_t>(i);
    operatorCodes.push_back({static_cast<int32_t>(op), "", opVersion, std::nullopt});
    return static_cast<uint32_t>(operatorCodes.size() - 1);
}

uint32_t ModelBuilder::addCustomCode(std::string customCode) {
    operatorCodes.push_back(
        {static_cast<int32_t>(fb::BuiltinOperator::CUSTOM), std::move(customCode), 1, std::nullopt});
    return static_cast<uint32_t>(operatorCodes.size() - 1);
}

int32_t ModelBuilder::addOperator(fb::BuiltinOperator op, std::vector<int32_t> inputs,
                                  std::vector<int32_t> outputs, uint32_t subgraph) {
    OperatorSpec spec;
    spec.opcodeIndex = addOperatorCode(op);
    spec.inputs = std::move(inputs);
    spec.outputs = std::move(outputs);
    return addOperator(std::move(spec), subgraph);
}

int32_t ModelBuilder::addOperator(OperatorSpec op, uint32_t subgraph) {
    subgraphs[subgraph].operators.push_back(std::move(op));
    return static_cast<int32_t>(subgraphs[subgraph].operators.size() - 1);
}

uint32_t ModelBuilder::addSubgraph(std::string name) {
    subgraphs.push_back({});
    subgraphs.back().name = std::move(name);
    return static_cast<uint32_t>(subgraphs.size() - 1);
}

std::vector<uint8_t> ModelBuilder::build() const {
    // External buffers go after the flatbuffer, so their offsets are only known once it is finished: build
    // twice, the second time with the offsets the first build implies.
    auto serialise = [&](const std::vector<uint64_t>& externalOffsets) {
        flatbuffers::FlatBufferBuilder fbb;
        std::vector<flatbuffers::Offset<fb::OperatorCode>> codes;
        for (const auto& c : operatorCodes) {
            int8_t deprecated = c.deprecatedBuiltinCode
                                    ? *c.deprecatedBuiltinCode
                                    : static_cast<int8_t>(std::min<int32_t>(c.builtinCode, 127));
            codes.push_back(fb::CreateOperatorCode(
                fbb, deprecated, c.customCode.empty() ? 0 : fbb.CreateString(c.customCode), c.version,
                static_cast<fb::BuiltinOperator>(c.builtinCode)));
        }
        std::vector<flatbuffers::Offset<fb::SubGraph>> subs;
        for (const auto& sg : subgraphs) {
            std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
            for (const auto& t : sg.tensors) {
                flatbuffers::Offset<fb::QuantizationParameters> quant = 0;
                if (t.quant) {
                    const QuantSpec& q = *t.quant;
                    flatbuffers::Offset<void> details = 0;
                    fb::QuantizationDetails detailsType = fb::QuantizationDetails::NONE;
                    if (q.blockSize != 0) {
                        details = fb::CreateBlockwiseQuantization(fbb, q.blockScales, q.blockZeroPoints,
                                                                  q.blockSize)
                                      .Union();
                        detailsType = fb::QuantizationDetails::BlockwiseQuantization;
                    }
                    quant = fb::CreateQuantizationParameters(
                        fbb, q.min.empty() ? 0 : fbb.CreateVector(q.min),
                        q.max.empty() ? 0 : fbb.CreateVector(q.max),
                        q.scale.empty() ? 0 : fbb.CreateVector(q.scale),
                        q.zeroPoint.empty() ? 0 : fbb.CreateVector(q.zeroPoint), detailsType, details,
                        q.quantizedDimension);
                }
                flatbuffers::Offset<fb::SparsityParameters> sparsity = 0;
                if (t.sparsity) {
                    std::vector<flatbuffers::Offset<fb::DimensionMetadata>> dims;
                    for (const auto& d : t.sparsity->dims) {
                        if (d.sparse) {
                            auto seg = d.omitSegments
                                           ? 0
                                           : fb::CreateInt32Vector(fbb, fbb.CreateVector(d.segments)).Union();
                            auto idx = fb::CreateInt32Vector(fbb, fbb.CreateVector(d.indices)).Union();
                            dims.push_back(fb::CreateDimensionMetadata(
                                fbb, fb::DimensionType::SPARSE_CSR, 0,
                                d.omitSegments ? fb::SparseIndexVector::NONE
                                               : fb::SparseIndexVector::Int32Vector,
                                seg, fb::SparseIndexVector::Int32Vector, idx));
                        } else {
                            dims.push_back(
                                fb::CreateDimensionMetadata(fbb, fb::DimensionType::DENSE, d.denseSize));
                        }
                    }
                    sparsity = fb::CreateSparsityParameters(fbb, fbb.CreateVector(t.sparsity->traversalOrder),
                                                            fbb.CreateVector(t.sparsity->blockMap),
                                                            fbb.CreateVector(dims));
                }
                auto type = t.rawType >= 0 ? static_cast<fb::TensorType>(t.rawType) : t.type;
                tensors.push_back(fb::CreateTensor(
                    fbb, fbb.CreateVector(t.shape), type, t.buffer, fbb.CreateString(t.name), quant,
                    t.isVariable, sparsity, t.shapeSignature ? fbb.CreateVector(*t.shapeSignature) : 0));
            }
            std::vector<flatbuffers::Offset<fb::Operator>> ops;
            for (const auto& op : sg.operators) {
                flatbuffers::Offset<void> options = op.options ? op.options(fbb) : 0;
                auto inputs = fbb.CreateVector(op.inputs);
                auto outputs = fbb.CreateVector(op.outputs);
                auto intermediates = op.intermediates.empty() ? 0 : fbb.CreateVector(op.intermediates);
                auto custom = op.customOptions.empty() ? 0 : fbb.CreateVector(op.customOptions);
                fb::OperatorBuilder b(fbb);
                b.add_opcode_index(op.opcodeIndex);
                b.add_inputs(inputs);
                b.add_outputs(outputs);
                if (!intermediates.IsNull()) b.add_intermediates(intermediates);
                b.add_builtin_options_type(op.optionsType);
                if (!options.IsNull()) b.add_builtin_options(options);
                if (!custom.IsNull()) b.add_custom_options(custom);
                if (op.largeCustomOptionsOffset)
                    b.add_large_custom_options_offset(op.largeCustomOptionsOffset);
                if (op.largeCustomOptionsSize) b.add_large_custom_options_size(op.largeCustomOptionsSize);
                ops.push_back(b.Finish());
            }
            subs.push_back(fb::CreateSubGraph(fbb, fbb.CreateVector(tensors), fbb.CreateVector(sg.inputs),
                                              fbb.CreateVector(sg.outputs), fbb.CreateVector(ops),
                                              fbb.CreateString(sg.name)));
        }
        std::vector<flatbuffers::Offset<fb::Buffer>> bufs;
        for (size_t i = 0; i < buffers.size(); ++i) {
            const BufferSpec& b = buffers[i];
            if (b.rawOffset || b.rawSize) {
                bufs.push_back(fb::CreateBuffer(fbb, 0, b.rawOffset.value_or(0), b.rawSize.value_or(0)));
            } else if (b.external) {
                bufs.push_back(fb::CreateBuffer(fbb, 0, externalOffsets[i], b.data.size()));
            } else {
                fbb.ForceVectorAlignment(b.data.size(), 1, 16);
                bufs.push_back(fb::CreateBuffer(fbb, b.data.empty() ? 0 : fbb.CreateVector(b.data)));
            }
        }
        std::vector<flatbuffers::Offset<fb::SignatureDef>> sigs;
        for (const auto& s : signatures) {
            auto maps = [&](const std::vector<std::pair<std::string, uint32_t>>& v) {
                std::vector<flatbuffers::Offset<fb::TensorMap>> out;
                for (const auto& [name, idx] : v)
                    out.push_back(fb::CreateTensorMap(fbb, fbb.CreateString(name), idx));
                return fbb.CreateVector(out);
            };
            auto in = maps(s.inputs);
            auto out = maps(s.outputs);
            sigs.push_back(fb::CreateSignatureDef(fbb, in, out, fbb.CreateString(s.key), s.subgraph));
        }
        std::vector<flatbuffers::Offset<fb::Metadata>> md;
        for (const auto& [name, buffer] : metadata)
            md.push_back(fb::CreateMetadata(fbb, fbb.CreateString(name), buffer));
        auto model =
            fb::CreateModel(fbb, version, fbb.CreateVector(codes), fbb.CreateVector(subs),
                            fbb.CreateString(description), fbb.CreateVector(bufs), 0,
                            md.empty() ? 0 : fbb.CreateVector(md), sigs.empty() ? 0 : fbb.CreateVector(sigs));
        if (writeIdentifier)
            fbb.Finish(model, fb::ModelIdentifier());
        else
            fbb.Finish(model);
        return std::vector<uint8_t>(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
    };

    std::vector<uint64_t> offsets(buffers.size(), 0);
    std::vector<uint8_t> bytes = serialise(offsets);
    bool anyExternal = std::any_of(buffers.begin(), buffers.end(),
                                   [](const BufferSpec& b) { return b.external && !b.rawOffset; });
    if (!anyExternal) return bytes;
    // Offsets are 8-byte values whether zero or not only if present; iterate until the size is stable.
    for (int round = 0; round < 4; ++round) {
        uint64_t pos = (bytes.size() + 15) / 16 * 16;
        for (size_t i = 0; i < buffers.size(); ++i) {
            if (!buffers[i].external || buffers[i].rawOffset) continue;
            offsets[i] = pos;
            pos = (pos + buffers[i].data.size() + 15) / 16 * 16;
        }
        std::vector<uint8_t> next = serialise(offsets);
        if (next.size() == bytes.size()) {
            bytes = std::move(next);
            break;
        }
        bytes = std::move(next);
    }
    for (size_t i = 0; i < buffers.size(); ++i) {
        if (!buffers[i].external || buffers[i].rawOffset) continue;
        bytes.resize(offsets[i], 0);
        bytes.insert(bytes.end(), buffers[i].data.begin(), buffers[i].data.end());
    }
    return bytes;
}

ModelBuilder ModelBuilder::smallFloatModel() {
    ModelBuilder b;
    int32_t input = b.addTensor("input", fb::TensorType::FLOAT32, {1, 4});
    int32_t weights = b.addConstant("weights", {3, 4}, {1, 0, 0, 0, 0, 2, 0, 0, 0, 0, -3, 0.5f});
    int32_t bias = b.addConstant("bias", {3}, {0.5f, 0, -1});
    int32_t fc = b.addTensor("fc", fb::TensorType::FLOAT32, {1, 3});
    int32_t output = b.addTensor("output", fb::TensorType::FLOAT32, {1, 3});
    b.addOperator(fb::BuiltinOperator::FULLY_CONNECTED, {input, weights, bias}, {fc});
    b.addOperator(fb::BuiltinOperator::RELU, {fc}, {output});
    b.subgraphs[0].inputs = {input};
    b.subgraphs[0].outputs = {output};
    b.signatures.push_back({"serving_default",
                            0,
                            {{"x", static_cast<uint32_t>(input)}},
                            {{"y", static_cast<uint32_t>(output)}}});
    return b;
}

std::string writeTempFile(const std::vector<uint8_t>& bytes, const std::string& name) {
    namespace fs = std::filesystem;
    fs::path dir = fs::temp_directory_path() / ("litescope-tests-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    fs::path p = dir / name;
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return p.string();
}

}  // namespace litescope::test
