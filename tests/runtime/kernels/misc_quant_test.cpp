// TFLite_Detection_PostProcess with quantized box encodings, class predictions and anchors: the kernel
// dequantizes them as (q - zero_point) * scale in float, so a model fed the quantized bytes must give exactly
// what the float model gives on those dequantized values.
#include <flatbuffers/flexbuffers.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "tests/support/single_op_model.h"

namespace litescope::test {
namespace {

std::vector<uint8_t> detectionOptions(bool regular) {
    flexbuffers::Builder fbb;
    fbb.Map([&] {
        fbb.Int("max_detections", 6);
        fbb.Int("max_classes_per_detection", 1);
        fbb.Int("detections_per_class", 4);
        fbb.Bool("use_regular_nms", regular);
        fbb.Float("nms_score_threshold", 0.3f);
        fbb.Float("nms_iou_threshold", 0.5f);
        fbb.Int("num_classes", 3);
        fbb.Float("y_scale", 10.f);
        fbb.Float("x_scale", 10.f);
        fbb.Float("h_scale", 5.f);
        fbb.Float("w_scale", 5.f);
    });
    fbb.Finish();
    return fbb.GetBuffer();
}

struct Operand {
    fb::TensorType type = fb::TensorType::FLOAT32;
    std::vector<uint8_t> bytes;
    std::optional<QuantSpec> quant;
};

struct Outputs {
    std::vector<float> boxes, classes, scores, count;
};

Status run(const Operand& enc, const Operand& scores, const Operand& anchors, int boxes, int columns,
           bool regular, Outputs& out) {
    SingleOpModel m(std::string("TFLite_Detection_PostProcess"));
    m.addInput(enc.type, {1, boxes, 4}, enc.quant);
    m.addInput(scores.type, {1, boxes, columns}, scores.quant);
    m.addConstBytes(anchors.type, {boxes, 4}, anchors.bytes, anchors.quant);
    for (int i = 0; i < 4; ++i)
        m.addOutput(fb::TensorType::FLOAT32);
    m.setCustomOptions(detectionOptions(regular));
    if (Status s = m.build(); !s) return s;
    m.setInput(0, enc.bytes);
    m.setInput(1, scores.bytes);
    if (Status s = m.invoke(); !s) return s;
    out = {m.output<float>(0), m.output<float>(1), m.output<float>(2), m.output<float>(3)};
    return Status::ok();
}

template <typename T>
Operand quantized(fb::TensorType type, const std::vector<T>& q, float scale, int64_t zeroPoint) {
    Operand o;
    o.type = type;
    o.bytes.resize(q.size() * sizeof(T));
    std::memcpy(o.bytes.data(), q.data(), o.bytes.size());
    QuantSpec spec;
    spec.scale = {scale};
    spec.zeroPoint = {zeroPoint};
    o.quant = spec;
    return o;
}

template <typename T>
Operand dequantized(const std::vector<T>& q, float scale, int64_t zeroPoint) {
    std::vector<float> v;
    for (T x : q)
        v.push_back((static_cast<float>(x) - static_cast<float>(zeroPoint)) * scale);
    Operand o;
    o.bytes.resize(v.size() * sizeof(float));
    std::memcpy(o.bytes.data(), v.data(), o.bytes.size());
    return o;
}

template <typename T>
void expectQuantizedMatchesFloat(fb::TensorType type, int64_t encZp, int64_t scoreZp, int64_t anchorZp) {
    const int boxes = 24, columns = 4;
    std::mt19937 rng(11);
    std::uniform_int_distribution<int> d(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
    auto draw = [&](size_t n) {
        std::vector<T> v(n);
        for (auto& x : v)
            x = static_cast<T>(d(rng));
        return v;
    };
    const auto enc = draw(boxes * 4), scores = draw(boxes * columns);
    // Anchors as a grid of small positive boxes, stored quantized.
    std::vector<T> anchors;
    for (int i = 0; i < boxes; ++i) {
        for (int j = 0; j < 4; ++j) {
            const int v = (j < 2 ? 10 + (i * 7 + j * 13) % 80 : 8 + (i + j) % 5) + static_cast<int>(anchorZp);
            anchors.push_back(static_cast<T>(v));
        }
    }
    const float encScale = 0.05f, scoreScale = 1.f / 256, anchorScale = 0.01f;
    for (bool regular : {false, true}) {
        Outputs fromQuantized, fromFloat;
        Status s =
            run(quantized(type, enc, encScale, encZp), quantized(type, scores, scoreScale, scoreZp),
                quantized(type, anchors, anchorScale, anchorZp), boxes, columns, regular, fromQuantized);
        ASSERT_TRUE(s.isOk()) << s.message();
        s = run(dequantized(enc, encScale, encZp), dequantized(scores, scoreScale, scoreZp),
                dequantized(anchors, anchorScale, anchorZp), boxes, columns, regular, fromFloat);
        ASSERT_TRUE(s.isOk()) << s.message();
        EXPECT_GT(fromFloat.count.at(0), 0.f);
        EXPECT_EQ(fromQuantized.count, fromFloat.count) << "regular " << regular;
        EXPECT_EQ(fromQuantized.classes, fromFloat.classes) << "regular " << regular;
        EXPECT_EQ(fromQuantized.scores, fromFloat.scores) << "regular " << regular;
        EXPECT_EQ(fromQuantized.boxes, fromFloat.boxes) << "regular " << regular;
    }
}

TEST(MiscQuantKernels, DetectionPostProcessDequantizesUint8Inputs) {
    expectQuantizedMatchesFloat<uint8_t>(fb::TensorType::UINT8, 128, 0, 0);
}

TEST(MiscQuantKernels, DetectionPostProcessDequantizesInt8Inputs) {
    expectQuantizedMatchesFloat<int8_t>(fb::TensorType::INT8, 3, -128, -128);
}

TEST(MiscQuantKernels, DetectionPostProcessRefusesInt16Inputs) {
    Operand enc;
    enc.type = fb::TensorType::INT16;
    enc.bytes.assign(4 * 2, 0);
    QuantSpec q;
    q.scale = {0.1f};
    q.zeroPoint = {0};
    enc.quant = q;
    Operand scores = dequantized(std::vector<uint8_t>(3, 0), 1.f, 0);
    Operand anchors = dequantized(std::vector<uint8_t>(4, 1), 1.f, 0);
    Outputs out;
    Status s = run(enc, scores, anchors, 1, 3, false, out);
    EXPECT_FALSE(s.isOk());
    EXPECT_EQ(s.code(), ErrorCode::Unsupported) << s.message();
}

}  // namespace
}  // namespace litescope::test
