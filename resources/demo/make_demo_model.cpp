// Writes the built-in demo model, a small image classifier CNN, as float32 and as its fully integer-quantized
// int8 version (calibrated in Litescope's own runtime), so that the GUI has something to open at once.
// Usage: make_demo_model OUT_DIR  (writes demo_cnn_float.tflite and demo_cnn_int8.tflite)
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "format/tflite_generated.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"

namespace litescope {
namespace {

using fb::ActivationFunctionType;
using fb::BuiltinOperator;
using fb::TensorType;

// Integer arithmetic only, then exact conversions: the same numbers with every compiler and C library.
class SplitMix64 {
  public:
    explicit SplitMix64(uint64_t seed) : state_(seed) {}

    uint64_t next() {
        uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    // Irwin-Hall sum of twelve uniforms: close enough to a standard normal for weights, and unlike
    // Box-Muller it needs no libm function whose last bit may vary between C libraries.
    double normal() {
        double sum = 0;
        for (int i = 0; i < 12; ++i)
            sum += uniform();
        return sum - 6.0;
    }

  private:
    uint64_t state_;
};

// ---------------------------------------------------------------------------------------------------------
// The network, independent of how it is stored
// ---------------------------------------------------------------------------------------------------------

enum class LayerKind { Conv, Depthwise, Add, AveragePool, Reshape, FullyConnected, Softmax };

struct Layer {
    LayerKind kind = LayerKind::Conv;
    std::string scope;           // prefix of the layer's constant tensors
    std::string output;          // name of its output tensor
    std::vector<int> inputs;     // activation ids: 0 is the image, k + 1 the output of layer k
    std::vector<int32_t> shape;  // of the output
    std::vector<int32_t> weightShape;
    std::vector<float> weights, bias;
    int32_t stride = 1;
    int32_t window = 0;  // pooling
    ActivationFunctionType activation = ActivationFunctionType::NONE;
};

struct Network {
    std::vector<int32_t> inputShape;
    std::vector<Layer> layers;
};

class NetworkBuilder {
  public:
    NetworkBuilder(std::vector<int32_t> inputShape, uint64_t seed) : rng_(seed) {
        net_.inputShape = inputShape;
        shapes_.push_back(std::move(inputShape));
    }

    int conv(int input, std::string scope, int32_t channels, int32_t kernel, int32_t stride,
             ActivationFunctionType activation) {
        const auto& in = shapes_[static_cast<size_t>(input)];
        Layer l = base(LayerKind::Conv, input, std::move(scope), activation);
        l.stride = stride;
        l.shape = {in[0], ceilDiv(in[1], stride), ceilDiv(in[2], stride), channels};
        l.weightShape = {channels, kernel, kernel, in[3]};
        fillWeights(l, channels, kernel * kernel * in[3]);
        return push(std::move(l));
    }

    int depthwise(int input, std::string scope, int32_t kernel, int32_t stride,
                  ActivationFunctionType activation) {
        const auto& in = shapes_[static_cast<size_t>(input)];
        Layer l = base(LayerKind::Depthwise, input, std::move(scope), activation);
        l.stride = stride;
        l.shape = {in[0], ceilDiv(in[1], stride), ceilDiv(in[2], stride), in[3]};
        l.weightShape = {1, kernel, kernel, in[3]};
        fillWeights(l, in[3], kernel * kernel);
        return push(std::move(l));
    }

    int add(int a, int b, std::string scope) {
        Layer l;
        l.kind = LayerKind::Add;
        l.output = scope;
        l.scope = std::move(scope);
        l.inputs = {a, b};
        l.shape = shapes_[static_cast<size_t>(a)];
        return push(std::move(l));
    }

    int globalAveragePool(int input, std::string scope) {
        const auto& in = shapes_[static_cast<size_t>(input)];
        Layer l = base(LayerKind::AveragePool, input, std::move(scope), ActivationFunctionType::NONE);
        l.output = l.scope + "/AvgPool";
        l.window = in[1];
        l.stride = in[1];
        l.shape = {in[0], 1, 1, in[3]};
        return push(std::move(l));
    }

    int flatten(int input, std::string scope) {
        const auto& in = shapes_[static_cast<size_t>(input)];
        Layer l = base(LayerKind::Reshape, input, std::move(scope), ActivationFunctionType::NONE);
        l.output = l.scope + "/Reshape";
        l.shape = {in[0], in[1] * in[2] * in[3]};
        return push(std::move(l));
    }

    int fullyConnected(int input, std::string scope, int32_t units) {
        const auto& in = shapes_[static_cast<size_t>(input)];
        Layer l = base(LayerKind::FullyConnected, input, std::move(scope), ActivationFunctionType::NONE);
        l.shape = {in[0], units};
        l.weightShape = {units, in[1]};
        fillWeights(l, units, in[1]);
        return push(std::move(l));
    }

    int softmax(int input, std::string name) {
        Layer l;
        l.kind = LayerKind::Softmax;
        l.scope = name;
        l.output = std::move(name);
        l.inputs = {input};
        l.shape = shapes_[static_cast<size_t>(input)];
        return push(std::move(l));
    }

    Network take() { return std::move(net_); }

  private:
    static int32_t ceilDiv(int32_t a, int32_t b) { return (a + b - 1) / b; }

    static Layer base(LayerKind kind, int input, std::string scope, ActivationFunctionType activation) {
        Layer l;
        l.kind = kind;
        l.output = scope + (activation == ActivationFunctionType::RELU6 ? "/Relu6" : "/BiasAdd");
        l.scope = std::move(scope);
        l.inputs = {input};
        l.activation = activation;
        return l;
    }

    // He-normal weights with a per-channel gain, so that channels differ in range (what per-channel
    // quantization is for) and the histograms look like a trained model's rather than one bell curve.
    void fillWeights(Layer& l, int32_t channels, int32_t fanIn) {
        int64_t count = 1;
        for (int32_t d : l.weightShape)
            count *= d;
        std::vector<double> gain(static_cast<size_t>(channels));
        for (double& g : gain)
            g = rng_.uniform(0.4, 1.6);
        const double stddev = std::sqrt(2.0 / fanIn);
        // The channel is the first dimension of CONV_2D and FULLY_CONNECTED weights and the last of
        // DEPTHWISE_CONV_2D's.
        const bool channelLast = l.kind == LayerKind::Depthwise;
        const int64_t inner = channelLast ? 1 : count / channels;
        l.weights.resize(static_cast<size_t>(count));
        for (int64_t i = 0; i < count; ++i) {
            const int64_t c = (i / inner) % channels;
            l.weights[static_cast<size_t>(i)] =
                static_cast<float>(rng_.normal() * stddev * gain[static_cast<size_t>(c)]);
        }
        l.bias.resize(static_cast<size_t>(channels));
        for (float& b : l.bias)
            b = static_cast<float>(0.05 * rng_.normal());
    }

    int push(Layer l) {
        shapes_.push_back(l.shape);
        net_.layers.push_back(std::move(l));
        return static_cast<int>(net_.layers.size());
    }

    SplitMix64 rng_;
    Network net_;
    std::vector<std::vector<int32_t>> shapes_;  // by activation id
};

// A MobileNetV2-like classifier: a strided stem, two depthwise-separable blocks (the second an inverted
// residual with a skip connection), a strided block and a pooled, fully connected head.
Network demoNetwork() {
    using enum ActivationFunctionType;
    NetworkBuilder b({1, 64, 64, 3}, 0x4c69746573636f70ull);
    int x = b.conv(0, "demo/stem/conv", 16, 3, 2, RELU6);
    x = b.depthwise(x, "demo/block1/depthwise", 3, 1, RELU6);
    const int block1 = b.conv(x, "demo/block1/project", 24, 1, 1, NONE);
    x = b.conv(block1, "demo/block2/expand", 48, 1, 1, RELU6);
    x = b.depthwise(x, "demo/block2/depthwise", 3, 1, RELU6);
    x = b.conv(x, "demo/block2/project", 24, 1, 1, NONE);
    x = b.add(block1, x, "demo/block2/add");
    x = b.depthwise(x, "demo/block3/depthwise", 3, 2, RELU6);
    x = b.conv(x, "demo/block3/conv", 64, 1, 1, RELU6);
    x = b.globalAveragePool(x, "demo/head/pool");
    x = b.flatten(x, "demo/head/flatten");
    x = b.fullyConnected(x, "demo/head/logits", 10);
    b.softmax(x, "scores");
    return b.take();
}

// ---------------------------------------------------------------------------------------------------------
// The stored form: tensors and operators, serialised with the flatbuffer API
// ---------------------------------------------------------------------------------------------------------

struct QuantParams {
    std::vector<float> scale;
    std::vector<int64_t> zeroPoint;
    int32_t dimension = 0;
};

struct TensorDef {
    std::string name;
    TensorType type = TensorType::FLOAT32;
    std::vector<int32_t> shape;
    std::vector<uint8_t> data;  // empty for activations
    std::optional<QuantParams> quant;
};

using OptionsWriter = std::function<flatbuffers::Offset<void>(flatbuffers::FlatBufferBuilder&)>;

struct OperatorDef {
    BuiltinOperator op = BuiltinOperator::ADD;
    int32_t version = 1;
    std::vector<int32_t> inputs, outputs;
    fb::BuiltinOptions optionsType = fb::BuiltinOptions::NONE;
    OptionsWriter options;
};

struct Graph {
    std::string description;
    std::vector<TensorDef> tensors;
    std::vector<OperatorDef> operators;
    int32_t input = 0, output = 0;

    int32_t add(TensorDef t) {
        tensors.push_back(std::move(t));
        return static_cast<int32_t>(tensors.size() - 1);
    }
};

template <typename T>
std::vector<uint8_t> toBytes(const std::vector<T>& values) {
    std::vector<uint8_t> out(values.size() * sizeof(T));
    if (!out.empty()) std::memcpy(out.data(), values.data(), out.size());
    return out;
}

// The first TFLite release that runs each (op, version) used here, from TFLite's runtime_version table; the
// converter stores the highest one as "min_runtime_version". QUANTIZE came in 1.14; the other ops' version 1
// in 1.5, their int8 versions in 1.14.
std::array<int, 3> minRuntimeVersion(BuiltinOperator op, int32_t version) {
    if (op == BuiltinOperator::QUANTIZE || version > 1) return {1, 14, 0};
    return {1, 5, 0};
}

std::vector<uint8_t> serialise(const Graph& g) {
    flatbuffers::FlatBufferBuilder fbb;

    std::vector<std::pair<BuiltinOperator, int32_t>> codes;
    std::vector<uint32_t> opcodeIndex;
    std::array<int, 3> runtimeVersion{0, 0, 0};
    for (const OperatorDef& op : g.operators) {
        const std::pair key{op.op, op.version};
        auto it = std::find(codes.begin(), codes.end(), key);
        if (it == codes.end()) it = codes.insert(codes.end(), key);
        opcodeIndex.push_back(static_cast<uint32_t>(it - codes.begin()));
        runtimeVersion = std::max(runtimeVersion, minRuntimeVersion(op.op, op.version));
    }
    std::vector<flatbuffers::Offset<fb::OperatorCode>> codeOffsets;
    for (const auto& [op, version] : codes) {
        const auto code = static_cast<int32_t>(op);
        codeOffsets.push_back(
            fb::CreateOperatorCode(fbb, static_cast<int8_t>(std::min(code, 127)), 0, version, op));
    }

    // Buffer 0 is the format's empty buffer; activations point there.
    std::vector<std::vector<uint8_t>> buffers(1);
    std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
    for (const TensorDef& t : g.tensors) {
        uint32_t buffer = 0;
        if (!t.data.empty()) {
            buffer = static_cast<uint32_t>(buffers.size());
            buffers.push_back(t.data);
        }
        flatbuffers::Offset<fb::QuantizationParameters> quant = 0;
        if (t.quant)
            quant = fb::CreateQuantizationParameters(fbb, 0, 0, fbb.CreateVector(t.quant->scale),
                                                     fbb.CreateVector(t.quant->zeroPoint),
                                                     fb::QuantizationDetails::NONE, 0, t.quant->dimension);
        tensors.push_back(fb::CreateTensor(fbb, fbb.CreateVector(t.shape), t.type, buffer,
                                           fbb.CreateString(t.name), quant));
    }

    std::vector<flatbuffers::Offset<fb::Operator>> operators;
    for (size_t i = 0; i < g.operators.size(); ++i) {
        const OperatorDef& op = g.operators[i];
        auto options = op.options ? op.options(fbb) : 0;
        operators.push_back(fb::CreateOperator(fbb, opcodeIndex[i], fbb.CreateVector(op.inputs),
                                               fbb.CreateVector(op.outputs), op.optionsType, options));
    }
    const std::vector<int32_t> inputs{g.input}, outputs{g.output};
    auto subgraph =
        fb::CreateSubGraph(fbb, fbb.CreateVector(tensors), fbb.CreateVector(inputs),
                           fbb.CreateVector(outputs), fbb.CreateVector(operators), fbb.CreateString("main"));

    // The converter reserves 16 bytes, zero padded, for the version string.
    const std::string version = std::to_string(runtimeVersion[0]) + "." + std::to_string(runtimeVersion[1]) +
                                "." + std::to_string(runtimeVersion[2]);
    std::vector<uint8_t> versionBytes(16, 0);
    std::memcpy(versionBytes.data(), version.data(), version.size());
    const auto versionBuffer = static_cast<uint32_t>(buffers.size());
    buffers.push_back(versionBytes);

    std::vector<flatbuffers::Offset<fb::Buffer>> bufferOffsets;
    for (const auto& data : buffers) {
        if (data.empty()) {
            bufferOffsets.push_back(fb::CreateBuffer(fbb));
            continue;
        }
        fbb.ForceVectorAlignment(data.size(), 1, 16);
        bufferOffsets.push_back(fb::CreateBuffer(fbb, fbb.CreateVector(data)));
    }

    auto tensorMap = [&](const char* name, int32_t tensor) {
        const std::vector<flatbuffers::Offset<fb::TensorMap>> maps{
            fb::CreateTensorMap(fbb, fbb.CreateString(name), static_cast<uint32_t>(tensor))};
        return fbb.CreateVector(maps);
    };
    auto signatureInputs = tensorMap("image", g.input);
    auto signatureOutputs = tensorMap("scores", g.output);
    const std::vector<flatbuffers::Offset<fb::SignatureDef>> signatures{fb::CreateSignatureDef(
        fbb, signatureInputs, signatureOutputs, fbb.CreateString("serving_default"), 0)};
    const std::vector<flatbuffers::Offset<fb::Metadata>> metadata{
        fb::CreateMetadata(fbb, fbb.CreateString("min_runtime_version"), versionBuffer)};
    const std::vector<flatbuffers::Offset<fb::SubGraph>> subgraphs{subgraph};

    auto model = fb::CreateModel(fbb, 3, fbb.CreateVector(codeOffsets), fbb.CreateVector(subgraphs),
                                 fbb.CreateString(g.description), fbb.CreateVector(bufferOffsets), 0,
                                 fbb.CreateVector(metadata), fbb.CreateVector(signatures));
    fbb.Finish(model, fb::ModelIdentifier());
    return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

// ---------------------------------------------------------------------------------------------------------
// Quantization, as TFLite's converter does it for full-integer int8 models
// ---------------------------------------------------------------------------------------------------------

struct Range {
    float min = 0, max = 0;
};

// Asymmetric int8 from a calibrated range that always contains 0 (so that 0, the padding value, is exact),
// with the zero point nudged onto the integer grid like TFLite's quantizer does.
QuantParams activationQuant(Range r) {
    double lo = std::min(r.min, 0.f), hi = std::max(r.max, 0.f);
    if (hi - lo < 1e-6) hi = lo + 1;  // a tensor that is always zero still needs a usable scale
    const double scale = (hi - lo) / 255.0;
    const int64_t zeroPoint = std::clamp<int64_t>(std::llround(-128.0 - lo / scale), -128, 127);
    return {{static_cast<float>(scale)}, {zeroPoint}, 0};
}

struct QuantizedWeights {
    std::vector<int8_t> values;
    QuantParams quant;
};

// Symmetric over [-127, 127] (zero point 0, so the kernels need no weight offset), one scale per slice
// along `dimension`, or one for the whole tensor when `dimension` is negative.
QuantizedWeights quantizeWeights(const std::vector<float>& w, const std::vector<int32_t>& shape,
                                 int dimension) {
    int64_t channels = 1, inner = static_cast<int64_t>(w.size());
    if (dimension >= 0) {
        channels = shape[static_cast<size_t>(dimension)];
        inner = 1;
        for (size_t d = static_cast<size_t>(dimension) + 1; d < shape.size(); ++d)
            inner *= shape[d];
    }
    auto channelOf = [&](size_t i) {
        return static_cast<size_t>((static_cast<int64_t>(i) / inner) % channels);
    };
    std::vector<float> maxAbs(static_cast<size_t>(channels), 0.f);
    for (size_t i = 0; i < w.size(); ++i)
        maxAbs[channelOf(i)] = std::max(maxAbs[channelOf(i)], std::abs(w[i]));

    QuantizedWeights out;
    out.quant.dimension = std::max(dimension, 0);
    for (float m : maxAbs) {
        out.quant.scale.push_back(m > 0 ? m / 127.f : 1.f);
        out.quant.zeroPoint.push_back(0);
    }
    out.values.resize(w.size());
    for (size_t i = 0; i < w.size(); ++i) {
        const double q = std::round(static_cast<double>(w[i]) / out.quant.scale[channelOf(i)]);
        out.values[i] = static_cast<int8_t>(std::clamp(q, -127.0, 127.0));
    }
    return out;
}

// int32 with scale input_scale * weight_scale (per channel when the weights are) and zero point 0, which
// the integer kernels add straight to their accumulators.
std::pair<std::vector<int32_t>, QuantParams> quantizeBias(const std::vector<float>& bias, float inputScale,
                                                          const QuantParams& weights) {
    QuantParams quant;
    for (float weightScale : weights.scale) {
        quant.scale.push_back(static_cast<float>(static_cast<double>(inputScale) * weightScale));
        quant.zeroPoint.push_back(0);
    }
    std::vector<int32_t> values;
    for (size_t c = 0; c < bias.size(); ++c) {
        const double q =
            std::round(bias[c] / static_cast<double>(quant.scale[quant.scale.size() == 1 ? 0 : c]));
        values.push_back(static_cast<int32_t>(std::clamp(q, -2147483647.0, 2147483647.0)));
    }
    return {std::move(values), std::move(quant)};
}

// ---------------------------------------------------------------------------------------------------------
// From network to graph, in float or in int8
// ---------------------------------------------------------------------------------------------------------

struct Emitted {
    Graph graph;
    std::vector<int32_t> activations;  // tensor of each activation id
};

// Converter versions of the ops here, for float and int8 inputs (TFLite's op_version.cc).
int32_t opVersion(BuiltinOperator op, bool int8) {
    if (!int8) return 1;
    switch (op) {
        case BuiltinOperator::CONV_2D:
        case BuiltinOperator::DEPTHWISE_CONV_2D:
            return 3;
        case BuiltinOperator::FULLY_CONNECTED:
            return 4;
        case BuiltinOperator::RESHAPE:
        case BuiltinOperator::QUANTIZE:
            return 1;
        default:  // ADD, AVERAGE_POOL_2D, SOFTMAX, DEQUANTIZE
            return 2;
    }
}

// `ranges` (by activation id) selects the int8 model; without it the float model is written.
Emitted emit(const Network& net, const std::vector<Range>* ranges) {
    const bool int8 = ranges != nullptr;
    Emitted e;
    Graph& g = e.graph;
    g.description = int8 ? "Litescope demo CNN (int8)" : "Litescope demo CNN (float32)";
    std::vector<QuantParams> quant;  // by activation id, int8 only

    auto addOp = [&](BuiltinOperator op, std::vector<int32_t> inputs, int32_t output,
                     fb::BuiltinOptions optionsType = fb::BuiltinOptions::NONE, OptionsWriter options = {}) {
        g.operators.push_back(
            {op, opVersion(op, int8), std::move(inputs), {output}, optionsType, std::move(options)});
    };

    g.input = g.add({"image", TensorType::FLOAT32, net.inputShape, {}, std::nullopt});
    if (int8) {
        quant.push_back(activationQuant((*ranges)[0]));
        const int32_t q = g.add({"image_int8", TensorType::INT8, net.inputShape, {}, quant[0]});
        addOp(BuiltinOperator::QUANTIZE, {g.input}, q);
        e.activations.push_back(q);
    } else {
        e.activations.push_back(g.input);
    }

    for (size_t k = 0; k < net.layers.size(); ++k) {
        const Layer& l = net.layers[k];
        const auto in = static_cast<size_t>(l.inputs[0]);
        std::vector<int32_t> inputs{e.activations[in]};

        // Weights and bias of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED; per channel along the output
        // channel for the convolutions, one scale for the fully connected layer as the converter writes it.
        auto addParameters = [&](int quantizedDimension) {
            const std::vector<int32_t> biasShape{static_cast<int32_t>(l.bias.size())};
            if (!int8) {
                inputs.push_back(g.add({l.scope + "/weights", TensorType::FLOAT32, l.weightShape,
                                        toBytes(l.weights), std::nullopt}));
                inputs.push_back(g.add(
                    {l.scope + "/bias", TensorType::FLOAT32, biasShape, toBytes(l.bias), std::nullopt}));
                return;
            }
            QuantizedWeights qw = quantizeWeights(l.weights, l.weightShape, quantizedDimension);
            auto [biasValues, biasQuant] = quantizeBias(l.bias, quant[in].scale[0], qw.quant);
            inputs.push_back(
                g.add({l.scope + "/weights", TensorType::INT8, l.weightShape, toBytes(qw.values), qw.quant}));
            inputs.push_back(
                g.add({l.scope + "/bias", TensorType::INT32, biasShape, toBytes(biasValues), biasQuant}));
        };
        switch (l.kind) {
            case LayerKind::Conv:
                addParameters(0);
                break;
            case LayerKind::Depthwise:
                addParameters(3);
                break;
            case LayerKind::FullyConnected:
                addParameters(-1);
                break;
            case LayerKind::Add:
                inputs.push_back(e.activations[static_cast<size_t>(l.inputs[1])]);
                break;
            case LayerKind::Reshape: {
                const std::vector<int32_t> dims{static_cast<int32_t>(l.shape.size())};
                inputs.push_back(
                    g.add({l.scope + "/shape", TensorType::INT32, dims, toBytes(l.shape), std::nullopt}));
                break;
            }
            case LayerKind::AveragePool:
            case LayerKind::Softmax:
                break;
        }

        TensorDef out{l.output, TensorType::FLOAT32, l.shape, {}, std::nullopt};
        if (int8) {
            switch (l.kind) {
                case LayerKind::AveragePool:
                case LayerKind::Reshape:
                    // TFLite's int8 pooling and reshape move values without rescaling them.
                    quant.push_back(quant[in]);
                    break;
                case LayerKind::Softmax:
                    // The only output quantization TFLite's int8 SOFTMAX accepts: [0, 1) in 256 steps.
                    quant.push_back({{1.f / 256}, {-128}, 0});
                    break;
                default:
                    quant.push_back(activationQuant((*ranges)[k + 1]));
            }
            out.type = TensorType::INT8;
            out.quant = quant.back();
            if (k + 1 == net.layers.size()) out.name += "_int8";
        }
        const int32_t output = g.add(std::move(out));
        e.activations.push_back(output);

        const ActivationFunctionType act = l.activation;
        const int32_t stride = l.stride, window = l.window;
        const std::vector<int32_t> newShape = l.shape;
        switch (l.kind) {
            case LayerKind::Conv:
                addOp(BuiltinOperator::CONV_2D, inputs, output, fb::BuiltinOptions::Conv2DOptions,
                      [=](flatbuffers::FlatBufferBuilder& fbb) {
                          return fb::CreateConv2DOptions(fbb, fb::Padding::SAME, stride, stride, act).Union();
                      });
                break;
            case LayerKind::Depthwise:
                addOp(BuiltinOperator::DEPTHWISE_CONV_2D, inputs, output,
                      fb::BuiltinOptions::DepthwiseConv2DOptions, [=](flatbuffers::FlatBufferBuilder& fbb) {
                          return fb::CreateDepthwiseConv2DOptions(fbb, fb::Padding::SAME, stride, stride, 1,
                                                                  act)
                              .Union();
                      });
                break;
            case LayerKind::Add:
                addOp(BuiltinOperator::ADD, inputs, output, fb::BuiltinOptions::AddOptions,
                      [=](flatbuffers::FlatBufferBuilder& fbb) {
                          return fb::CreateAddOptions(fbb, act).Union();
                      });
                break;
            case LayerKind::AveragePool:
                addOp(BuiltinOperator::AVERAGE_POOL_2D, inputs, output, fb::BuiltinOptions::Pool2DOptions,
                      [=](flatbuffers::FlatBufferBuilder& fbb) {
                          return fb::CreatePool2DOptions(fbb, fb::Padding::VALID, stride, stride, window,
                                                         window, act)
                              .Union();
                      });
                break;
            case LayerKind::Reshape:
                addOp(BuiltinOperator::RESHAPE, inputs, output, fb::BuiltinOptions::ReshapeOptions,
                      [=](flatbuffers::FlatBufferBuilder& fbb) {
                          return fb::CreateReshapeOptions(fbb, fbb.CreateVector(newShape)).Union();
                      });
                break;
            case LayerKind::FullyConnected:
                addOp(BuiltinOperator::FULLY_CONNECTED, inputs, output,
                      fb::BuiltinOptions::FullyConnectedOptions, [=](flatbuffers::FlatBufferBuilder& fbb) {
                          return fb::CreateFullyConnectedOptions(fbb, act).Union();
                      });
                break;
            case LayerKind::Softmax:
                addOp(BuiltinOperator::SOFTMAX, inputs, output, fb::BuiltinOptions::SoftmaxOptions,
                      [](flatbuffers::FlatBufferBuilder& fbb) {
                          return fb::CreateSoftmaxOptions(fbb, 1.f).Union();
                      });
                break;
        }
    }

    g.output = e.activations.back();
    if (int8) {
        g.output = g.add({"scores", TensorType::FLOAT32, net.layers.back().shape, {}, std::nullopt});
        addOp(BuiltinOperator::DEQUANTIZE, {e.activations.back()}, g.output);
    }
    return e;
}

// ---------------------------------------------------------------------------------------------------------
// Calibration and checks in Litescope's runtime
// ---------------------------------------------------------------------------------------------------------

Result<std::shared_ptr<const Model>> loadCleanly(std::vector<uint8_t> bytes, const std::string& name) {
    auto model = Model::fromBytes(std::move(bytes), name);
    if (!model) return model.status();
    if (!(*model)->warnings().empty())
        return Status(ErrorCode::InvalidModel, name + ": " + (*model)->warnings().front());
    return model;
}

// Runs the float model on deterministic random images and records every activation's range, as the
// converter's calibration does with a representative dataset.
Result<std::vector<Range>> calibrate(const Emitted& floatModel) {
    auto model = loadCleanly(serialise(floatModel.graph), "demo_cnn_float.tflite");
    if (!model) return model.status();
    InterpreterOptions options;
    options.keepAllTensors = true;
    auto interpreter = Interpreter::create(*model, options);
    if (!interpreter) return interpreter.status();
    Interpreter& interp = **interpreter;
    if (Status s = interp.prepare(); !s) return s;

    std::vector<Range> ranges(floatModel.activations.size());
    SplitMix64 rng(0x63616c6962726174ull);
    for (int sample = 0; sample < 8; ++sample) {
        RuntimeTensor& input = interp.input(0);
        float* pixels = input.as<float>();
        for (int64_t i = 0; i < input.elementCount(); ++i)
            pixels[i] = static_cast<float>(rng.uniform(-1, 1));
        if (Status s = interp.invoke(); !s) return s;
        for (size_t id = 0; id < ranges.size(); ++id) {
            for (float v : interp.main().tensor(floatModel.activations[id]).values<float>()) {
                ranges[id].min = std::min(ranges[id].min, v);
                ranges[id].max = std::max(ranges[id].max, v);
            }
        }
    }
    // Widened to a coarse grid: the last bits of a float kernel's result depend on the CPU's vector width
    // and FMA, and must not change the int8 model's bytes from one build machine to the next.
    for (Range& r : ranges) {
        r.min = std::floor(r.min * 1024.f) / 1024.f;
        r.max = std::ceil(r.max * 1024.f) / 1024.f;
    }
    return ranges;
}

Status writeFile(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) return {ErrorCode::Io, "cannot write " + path.string()};
    return Status::ok();
}

Status run(const std::filesystem::path& outDir) {
    std::error_code ec;
    std::filesystem::create_directories(outDir, ec);
    if (ec) return {ErrorCode::Io, "cannot create " + outDir.string() + ": " + ec.message()};

    const Network net = demoNetwork();
    const Emitted floatModel = emit(net, nullptr);
    auto ranges = calibrate(floatModel);
    if (!ranges) return ranges.status();
    const Emitted int8Model = emit(net, &*ranges);

    const std::vector<uint8_t> floatBytes = serialise(floatModel.graph);
    const std::vector<uint8_t> int8Bytes = serialise(int8Model.graph);
    // A model the loader has anything to say about must not become the demo.
    if (auto m = loadCleanly(int8Bytes, "demo_cnn_int8.tflite"); !m) return m.status();
    if (Status s = writeFile(outDir / "demo_cnn_float.tflite", floatBytes); !s) return s;
    return writeFile(outDir / "demo_cnn_int8.tflite", int8Bytes);
}

}  // namespace
}  // namespace litescope

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: " << (argc > 0 ? argv[0] : "make_demo_model") << " OUT_DIR\n";
        return 2;
    }
    const litescope::Status status = litescope::run(argv[1]);
    if (!status) {
        std::cerr << "make_demo_model: " << status.message() << "\n";
        return 1;
    }
    return 0;
}
