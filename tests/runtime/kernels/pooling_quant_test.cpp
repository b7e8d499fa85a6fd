// Quantized AVERAGE_POOL_2D and MAX_POOL_2D (int8, uint8, int16) against plain loops with TFLite's rounding,
// and quantized RESIZE_BILINEAR against the float interpolation (within one quantum) plus exact values.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "tests/support/single_op_model.h"

namespace litescope::test {
namespace {

using B = fb::BuiltinOperator;
using TT = fb::TensorType;
using Act = fb::ActivationFunctionType;

QuantSpec quant(float scale, int64_t zeroPoint) {
    QuantSpec q;
    q.scale = {scale};
    q.zeroPoint = {zeroPoint};
    return q;
}

template <typename T>
void checkPool(B op, TT type, fb::Padding padding, int stride, int filter, Act act, std::mt19937& rng) {
    const int32_t n = 2, h = 5, w = 6, c = 3;
    const QuantSpec q = quant(0.1f, type == TT::UINT8 ? 100 : (type == TT::INT8 ? -10 : 0));
    SingleOpModel m(op);
    m.addInput(type, {n, h, w, c}, q);
    m.addOutput(type, {}, q);
    m.setOptions(fb::BuiltinOptions::Pool2DOptions, [=](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreatePool2DOptions(f, padding, stride, stride, filter, filter, act).Union();
    });
    ASSERT_TRUE(m.build().isOk());
    std::uniform_int_distribution<int32_t> dist(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
    std::vector<T> x(static_cast<size_t>(n * h * w * c));
    for (auto& v : x)
        v = static_cast<T>(dist(rng));
    m.setInput(0, x);
    ASSERT_TRUE(m.invoke().isOk());
    const std::vector<int32_t> shape = m.outputShape(0);
    const int32_t oh = shape[1], ow = shape[2];
    const int32_t padH = std::max(0, ((oh - 1) * stride + filter - h) / 2);
    const int32_t padW = std::max(0, ((ow - 1) * stride + filter - w) / 2);
    int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
    if (act == Act::RELU6) {
        lo = std::max(lo, static_cast<int32_t>(q.zeroPoint[0]));
        hi = std::min(hi, static_cast<int32_t>(q.zeroPoint[0]) + 60);
    }
    const std::vector<T> y = m.output<T>(0);
    for (int32_t b = 0; b < n; ++b)
        for (int32_t oy = 0; oy < oh; ++oy)
            for (int32_t ox = 0; ox < ow; ++ox)
                for (int32_t k = 0; k < c; ++k) {
                    int32_t sum = 0, count = 0, max = std::numeric_limits<T>::min();
                    for (int32_t fy = 0; fy < filter; ++fy)
                        for (int32_t fx = 0; fx < filter; ++fx) {
                            const int32_t iy = oy * stride - padH + fy, ix = ox * stride - padW + fx;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                            const int32_t v = x[static_cast<size_t>(((b * h + iy) * w + ix) * c + k)];
                            sum += v;
                            max = std::max(max, v);
                            ++count;
                        }
                    // Rounded half away from zero, as TFLite.
                    int32_t expected = max;
                    if (op == B::AVERAGE_POOL_2D)
                        expected = static_cast<int32_t>(std::round(static_cast<double>(sum) / count));
                    expected = std::clamp(expected, lo, hi);
                    ASSERT_EQ(static_cast<int32_t>(y[static_cast<size_t>(((b * oh + oy) * ow + ox) * c + k)]),
                              expected)
                        << b << "," << oy << "," << ox << "," << k;
                }
}

TEST(PoolingQuant, AverageAndMaxEveryType) {
    std::mt19937 rng(21);
    for (B op : {B::AVERAGE_POOL_2D, B::MAX_POOL_2D}) {
        for (fb::Padding padding : {fb::Padding::SAME, fb::Padding::VALID}) {
            checkPool<int8_t>(op, TT::INT8, padding, 2, 3, Act::NONE, rng);
            checkPool<uint8_t>(op, TT::UINT8, padding, 1, 2, Act::RELU6, rng);
            checkPool<int16_t>(op, TT::INT16, padding, 2, 2, Act::NONE, rng);
            checkPool<int8_t>(op, TT::INT8, padding, 1, 3, Act::RELU6, rng);
        }
    }
}

template <typename T>
void checkBilinear(TT type, bool align, bool half, std::mt19937& rng) {
    const int32_t h = 3, w = 4, c = 2, oh = 7, ow = 5;
    SingleOpModel m(B::RESIZE_BILINEAR);
    m.addInput(type, {1, h, w, c}, quant(0.1f, 0));
    m.addConstInput<int32_t>(TT::INT32, {2}, {oh, ow});
    m.addOutput(type, {}, quant(0.1f, 0));
    m.setOptions(fb::BuiltinOptions::ResizeBilinearOptions, [=](flatbuffers::FlatBufferBuilder& f) {
        return fb::CreateResizeBilinearOptions(f, align, half).Union();
    });
    ASSERT_TRUE(m.build().isOk());
    std::uniform_int_distribution<int32_t> dist(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
    std::vector<T> x(static_cast<size_t>(h * w * c));
    for (auto& v : x)
        v = static_cast<T>(dist(rng));
    m.setInput(0, x);
    ASSERT_TRUE(m.invoke().isOk());
    const std::vector<T> y = m.output<T>(0);
    auto scaleOf = [&](int32_t in, int32_t out) {
        return align && out > 1 ? double(in - 1) / (out - 1) : double(in) / out;
    };
    for (int32_t oy = 0; oy < oh; ++oy)
        for (int32_t ox = 0; ox < ow; ++ox)
            for (int32_t k = 0; k < c; ++k) {
                const double fy = half ? (oy + 0.5) * scaleOf(h, oh) - 0.5 : oy * scaleOf(h, oh);
                const double fx = half ? (ox + 0.5) * scaleOf(w, ow) - 0.5 : ox * scaleOf(w, ow);
                const int32_t y0 = std::max(0, int32_t(std::floor(fy))),
                              y1 = std::min(h - 1, int32_t(std::ceil(fy)));
                const int32_t x0 = std::max(0, int32_t(std::floor(fx))),
                              x1 = std::min(w - 1, int32_t(std::ceil(fx)));
                auto at = [&](int32_t yy, int32_t xx) {
                    return double(x[static_cast<size_t>((yy * w + xx) * c + k)]);
                };
                const double dy = fy - y0, dx = fx - x0;
                const double v = at(y0, x0) * (1 - dy) * (1 - dx) + at(y1, x0) * dy * (1 - dx) +
                                 at(y0, x1) * (1 - dy) * dx + at(y1, x1) * dy * dx;
                // The scale in 1/1024ths is off by up to half a step, an error that grows with the output
                // index and that an int16 neighbour difference of up to 65535 turns into many quanta.
                const double tolerance = sizeof(T) == 1 ? 1.0 : 1.0 + 65536.0 * (oy + ox + 2) / 2048;
                ASSERT_NEAR(double(y[static_cast<size_t>((oy * ow + ox) * c + k)]), v, tolerance)
                    << oy << "," << ox << "," << k;
            }
}

TEST(PoolingQuant, ResizeBilinearQuantized) {
    std::mt19937 rng(22);
    for (bool align : {false, true})
        for (bool half : {false, true}) {
            if (align && half) continue;
            checkBilinear<int8_t>(TT::INT8, align, half, rng);
            checkBilinear<uint8_t>(TT::UINT8, align, half, rng);
            checkBilinear<int16_t>(TT::INT16, align, half, rng);
        }
}

TEST(PoolingQuant, ResizeBilinearInt8RoundsHalfAwayFromZero) {
    SingleOpModel m(B::RESIZE_BILINEAR);
    m.addInput(TT::INT8, {1, 1, 2, 1}, quant(1.f, 0));
    m.addConstInput<int32_t>(TT::INT32, {2}, {1, 4});
    m.addOutput(TT::INT8, {}, quant(1.f, 0));
    ASSERT_TRUE(m.build().isOk());
    m.setInput<int8_t>(0, {-3, 0});
    ASSERT_TRUE(m.invoke().isOk());
    // Sources 0, 0.5, 1, 1.5 (clamped): -3, -1.5 -> -2, 0, 0.
    EXPECT_EQ(m.output<int8_t>(0), (std::vector<int8_t>{-3, -2, 0, 0}));
}

}  // namespace
}  // namespace litescope::test
