// The built-in demo model: the embedded resources are the generated files, both models load cleanly, the
// float one runs, the int8 one is quantized as TFLite's converter does it, and generation is deterministic.
#include <gtest/gtest.h>

#include <QByteArray>
#include <QFile>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "format/tflite_generated.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"

namespace litescope {
namespace {

const char* const kModelFiles[] = {"demo_cnn_float.tflite", "demo_cnn_int8.tflite"};

QByteArray readAll(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return {};
    return file.readAll();
}

QString onDisk(const char* name) {
    return QStringLiteral(LITESCOPE_DEMO_DIR "/") + QString::fromLatin1(name);
}

std::shared_ptr<const Model> load(const char* name) {
    const QByteArray bytes = readAll(QStringLiteral(":/demo/") + QString::fromLatin1(name));
    auto model = Model::fromBytes(std::vector<uint8_t>(bytes.begin(), bytes.end()), name);
    if (!model) {
        ADD_FAILURE() << name << ": " << model.message();
        return nullptr;
    }
    return *model;
}

template <typename T>
std::vector<T> values(const Tensor& t) {
    std::vector<T> out(t.data.size() / sizeof(T));
    if (!out.empty()) std::memcpy(out.data(), t.data.data(), out.size() * sizeof(T));
    return out;
}

const Tensor& tensor(const Model& m, int32_t index) {
    return m.subgraphs()[0].tensors[static_cast<size_t>(index)];
}

bool isBuiltin(const Model& m, const Operator& op, fb::BuiltinOperator code) {
    return m.operatorCode(op).builtinCode == static_cast<int32_t>(code);
}

// The operators that carry weights, in graph order: both models list them in the same order.
std::vector<const Operator*> weightedOps(const Model& m) {
    std::vector<const Operator*> out;
    for (const Operator& op : m.subgraphs()[0].operators)
        if (isBuiltin(m, op, fb::BuiltinOperator::CONV_2D) ||
            isBuiltin(m, op, fb::BuiltinOperator::DEPTHWISE_CONV_2D) ||
            isBuiltin(m, op, fb::BuiltinOperator::FULLY_CONNECTED))
            out.push_back(&op);
    return out;
}

TEST(DemoModelTest, ResourcesAreTheGeneratedFiles) {
    for (const char* name : kModelFiles) {
        SCOPED_TRACE(name);
        const QString resource = QStringLiteral(":/demo/") + QString::fromLatin1(name);
        ASSERT_TRUE(QFile::exists(resource));
        const QByteArray embedded = readAll(resource);
        const QByteArray generated = readAll(onDisk(name));
        ASSERT_FALSE(generated.isEmpty());
        EXPECT_EQ(embedded, generated);
    }
    const QByteArray icon = readAll(QStringLiteral(":/icons/litescope.svg"));
    EXPECT_TRUE(icon.contains("<svg")) << "the application icon is not embedded";
}

TEST(DemoModelTest, BothModelsLoadWithoutWarnings) {
    for (const char* name : kModelFiles) {
        SCOPED_TRACE(name);
        auto model = load(name);
        ASSERT_TRUE(model);
        EXPECT_TRUE(model->warnings().empty()) << model->warnings().front();
        EXPECT_EQ(model->version(), 3u);
        ASSERT_EQ(model->signatures().size(), 1u);
        const SignatureDef& signature = model->signatures()[0];
        EXPECT_EQ(signature.key, "serving_default");
        ASSERT_EQ(signature.inputs.size(), 1u);
        ASSERT_EQ(signature.outputs.size(), 1u);
        EXPECT_EQ(signature.inputs[0].name, "image");
        EXPECT_EQ(signature.outputs[0].name, "scores");
        const Subgraph& main = model->subgraphs()[0];
        EXPECT_EQ(tensor(*model, static_cast<int32_t>(signature.inputs[0].tensorIndex)).name, "image");
        EXPECT_EQ(tensor(*model, main.inputs[0]).type, TensorType::Float32);
        EXPECT_EQ(tensor(*model, main.outputs[0]).name, "scores");
        EXPECT_EQ(tensor(*model, main.outputs[0]).type, TensorType::Float32);
        EXPECT_NE(model->findMetadata("min_runtime_version"), nullptr);
    }
    EXPECT_EQ(load(kModelFiles[0])->description(), "Litescope demo CNN (float32)");
    EXPECT_EQ(load(kModelFiles[1])->description(), "Litescope demo CNN (int8)");
}

TEST(DemoModelTest, FloatModelRunsToAProbabilityVector) {
    auto model = load(kModelFiles[0]);
    ASSERT_TRUE(model);
    auto interpreter = Interpreter::create(model);
    ASSERT_TRUE(interpreter) << interpreter.message();
    Interpreter& interp = **interpreter;
    const Status prepared = interp.prepare();
    ASSERT_TRUE(prepared) << prepared.message();
    for (int sample = 0; sample < 3; ++sample) {
        RuntimeTensor& input = interp.input(0);
        ASSERT_EQ(input.elementCount(), 64 * 64 * 3);
        float* pixels = input.as<float>();
        for (int64_t i = 0; i < input.elementCount(); ++i)
            pixels[i] = static_cast<float>(std::sin(0.37 * static_cast<double>(i) + sample) * 0.8);
        const Status status = interp.invoke();
        ASSERT_TRUE(status) << status.message();
        const auto scores = interp.output(0).values<float>();
        ASSERT_EQ(scores.size(), 10u);
        double sum = 0;
        for (float p : scores) {
            EXPECT_GE(p, 0.f);
            EXPECT_LE(p, 1.f);
            sum += p;
        }
        EXPECT_NEAR(sum, 1.0, 1e-5);
    }
}

TEST(DemoModelTest, Int8ModelIsQuantizedLikeTheConverterDoesIt) {
    auto floatModel = load(kModelFiles[0]);
    auto int8Model = load(kModelFiles[1]);
    ASSERT_TRUE(floatModel && int8Model);
    const Model& fm = *floatModel;
    const Model& qm = *int8Model;

    const auto& ops = qm.subgraphs()[0].operators;
    ASSERT_GE(ops.size(), 2u);
    EXPECT_TRUE(isBuiltin(qm, ops.front(), fb::BuiltinOperator::QUANTIZE));
    EXPECT_TRUE(isBuiltin(qm, ops.back(), fb::BuiltinOperator::DEQUANTIZE));
    EXPECT_EQ(ops.size(), fm.subgraphs()[0].operators.size() + 2);

    // The versions TFLite's converter writes for these ops with int8 inputs (op_version.cc).
    const std::pair<fb::BuiltinOperator, int32_t> expectedVersions[] = {
        {fb::BuiltinOperator::QUANTIZE, 1},          {fb::BuiltinOperator::CONV_2D, 3},
        {fb::BuiltinOperator::DEPTHWISE_CONV_2D, 3}, {fb::BuiltinOperator::ADD, 2},
        {fb::BuiltinOperator::AVERAGE_POOL_2D, 2},   {fb::BuiltinOperator::RESHAPE, 1},
        {fb::BuiltinOperator::FULLY_CONNECTED, 4},   {fb::BuiltinOperator::SOFTMAX, 2},
        {fb::BuiltinOperator::DEQUANTIZE, 2}};
    for (const Operator& op : ops) {
        const OperatorCode& code = qm.operatorCode(op);
        for (const auto& [builtin, version] : expectedVersions) {
            if (code.builtinCode == static_cast<int32_t>(builtin)) {
                EXPECT_EQ(code.version, version) << code.name;
            }
        }
        // Every int8 activation has one scale and a zero point inside the int8 range.
        for (int32_t out : op.outputs) {
            const Tensor& t = tensor(qm, out);
            if (t.type != TensorType::Int8) continue;
            ASSERT_EQ(t.quantization.scale.size(), 1u) << t.name;
            EXPECT_GT(t.quantization.scale[0], 0.f) << t.name;
            EXPECT_GE(t.quantization.zeroPoint[0], -128) << t.name;
            EXPECT_LE(t.quantization.zeroPoint[0], 127) << t.name;
        }
        // TFLite's int8 pooling and reshape require the output quantized like the input.
        if (isBuiltin(qm, op, fb::BuiltinOperator::AVERAGE_POOL_2D) ||
            isBuiltin(qm, op, fb::BuiltinOperator::RESHAPE)) {
            const Tensor& in = tensor(qm, op.inputs[0]);
            const Tensor& out = tensor(qm, op.outputs[0]);
            EXPECT_EQ(in.quantization.scale[0], out.quantization.scale[0]) << out.name;
            EXPECT_EQ(in.quantization.zeroPoint[0], out.quantization.zeroPoint[0]) << out.name;
        }
        if (isBuiltin(qm, op, fb::BuiltinOperator::SOFTMAX)) {
            const Tensor& out = tensor(qm, op.outputs[0]);
            ASSERT_EQ(out.type, TensorType::Int8);
            EXPECT_FLOAT_EQ(out.quantization.scale[0], 1.f / 256);
            EXPECT_EQ(out.quantization.zeroPoint[0], -128);
        }
    }

    const auto floatOps = weightedOps(fm);
    const auto int8Ops = weightedOps(qm);
    ASSERT_EQ(floatOps.size(), int8Ops.size());
    ASSERT_FALSE(int8Ops.empty());
    for (size_t k = 0; k < int8Ops.size(); ++k) {
        const Operator& fop = *floatOps[k];
        const Operator& qop = *int8Ops[k];
        ASSERT_EQ(fm.operatorCode(fop).builtinCode, qm.operatorCode(qop).builtinCode);
        const Tensor& input = tensor(qm, qop.inputs[0]);
        const Tensor& weights = tensor(qm, qop.inputs[1]);
        const Tensor& bias = tensor(qm, qop.inputs[2]);
        const Tensor& floatWeights = tensor(fm, fop.inputs[1]);
        SCOPED_TRACE(std::string(weights.name));
        EXPECT_EQ(weights.name, floatWeights.name);
        ASSERT_EQ(input.type, TensorType::Int8);
        ASSERT_EQ(weights.type, TensorType::Int8);
        ASSERT_EQ(bias.type, TensorType::Int32);
        ASSERT_EQ(std::vector<int32_t>(weights.shape.begin(), weights.shape.end()),
                  std::vector<int32_t>(floatWeights.shape.begin(), floatWeights.shape.end()));

        const QuantizationParams& wq = weights.quantization;
        size_t channels = 1;
        int64_t inner = weights.elementCount;
        if (isBuiltin(qm, qop, fb::BuiltinOperator::FULLY_CONNECTED)) {
            EXPECT_EQ(wq.scale.size(), 1u);
        } else {
            // Per output channel: dimension 0 of CONV_2D's [O,H,W,I], dimension 3 of DEPTHWISE's [1,H,W,C].
            const int32_t dim = isBuiltin(qm, qop, fb::BuiltinOperator::CONV_2D) ? 0 : 3;
            EXPECT_EQ(wq.quantizedDimension, dim);
            channels = static_cast<size_t>(weights.shape[static_cast<size_t>(dim)]);
            ASSERT_EQ(wq.scale.size(), channels);
            inner = 1;
            for (size_t d = static_cast<size_t>(dim) + 1; d < weights.shape.size(); ++d)
                inner *= weights.shape[d];
        }
        ASSERT_EQ(wq.zeroPoint.size(), wq.scale.size());
        for (int64_t zp : wq.zeroPoint)
            EXPECT_EQ(zp, 0);

        const auto q = values<int8_t>(weights);
        const auto w = values<float>(floatWeights);
        ASSERT_EQ(q.size(), w.size());
        for (size_t i = 0; i < q.size(); ++i) {
            const size_t c = static_cast<size_t>(static_cast<int64_t>(i) / inner) % channels;
            const double scale = wq.scale[c];
            EXPECT_GE(q[i], -127);  // symmetric, narrow range
            ASSERT_LE(std::abs(q[i] * scale - w[i]), scale / 2 * (1 + 1e-6)) << "element " << i;
        }

        const QuantizationParams& bq = bias.quantization;
        ASSERT_EQ(bq.scale.size(), wq.scale.size());
        for (size_t c = 0; c < bq.scale.size(); ++c) {
            const double expected = static_cast<double>(input.quantization.scale[0]) * wq.scale[c];
            EXPECT_NEAR(bq.scale[c], expected, expected * 1e-6) << "channel " << c;
            EXPECT_EQ(bq.zeroPoint[c], 0);
        }
    }
}

TEST(DemoModelTest, GenerationIsDeterministic) {
    std::vector<QByteArray> runs[2];
    for (auto& run : runs) {
        QTemporaryDir dir;
        ASSERT_TRUE(dir.isValid());
        QProcess generator;
        generator.start(QStringLiteral(LITESCOPE_MAKE_DEMO_MODEL), {dir.path()});
        ASSERT_TRUE(generator.waitForFinished(60'000));
        ASSERT_EQ(generator.exitStatus(), QProcess::NormalExit);
        ASSERT_EQ(generator.exitCode(), 0) << generator.readAllStandardError().toStdString();
        for (const char* name : kModelFiles)
            run.push_back(readAll(dir.filePath(QString::fromLatin1(name))));
    }
    for (size_t i = 0; i < std::size(kModelFiles); ++i) {
        SCOPED_TRACE(kModelFiles[i]);
        ASSERT_FALSE(runs[0][i].isEmpty());
        EXPECT_EQ(runs[0][i], runs[1][i]);
        EXPECT_EQ(runs[0][i], readAll(onDisk(kModelFiles[i])));
    }
}

}  // namespace
}  // namespace litescope
