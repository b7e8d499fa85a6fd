// Pooling and resize kernels against plain loops: AVERAGE/MAX/L2 pooling over random shapes, filters,
// strides, SAME/VALID padding and fused activations; RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR with every
// align_corners / half_pixel_centers combination, constant and run-time sizes; and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "tests/support/single_op_model.h"
#include "tests/support/test_values.h"

namespace litescope::test {
namespace {

using B = fb::BuiltinOperator;
using Act = fb::ActivationFunctionType;

struct PoolCase {
    std::vector<int32_t> shape;  // NHWC
    int32_t filterH, filterW, strideH, strideW;
    fb::Padding padding;
    Act activation;
};

// TFLite's pooling geometry, written out: SAME gives ceil(in / stride) outputs and puts the smaller half of
// the total padding first; VALID gives floor((in - filter) / stride) + 1 and no padding.
void geometry(int32_t in, int32_t filter, int32_t stride, fb::Padding padding, int32_t& out, int32_t& pad) {
    out = padding == fb::Padding::SAME ? (in + stride - 1) / stride : (in - filter) / stride + 1;
    pad = std::max(0, ((out - 1) * stride + filter - in) / 2);
}

float clampActivation(float v, Act a) {
    float lo = std::numeric_limits<float>::lowest(), hi = std::numeric_limits<float>::max();
    if (a == Act::RELU) lo = 0;
    if (a == Act::RELU6) lo = 0, hi = 6;
    if (a == Act::RELU_N1_TO_1) lo = -1, hi = 1;
    return std::min(std::max(v, lo), hi);
}

std::vector<float> referencePool(B op, const PoolCase& c, const std::vector<float>& x,
                                 std::vector<int32_t>& outShape) {
    const int32_t n = c.shape[0], h = c.shape[1], w = c.shape[2], ch = c.shape[3];
    int32_t oh, ow, ph, pw;
    geometry(h, c.filterH, c.strideH, c.padding, oh, ph);
    geometry(w, c.filterW, c.strideW, c.padding, ow, pw);
    outShape = {n, oh, ow, ch};
    std::vector<float> y;
    for (int32_t b = 0; b < n; ++b)
        for (int32_t oy = 0; oy < oh; ++oy)
            for (int32_t ox = 0; ox < ow; ++ox)
                for (int32_t k = 0; k < ch; ++k) {
                    double sum = 0, max = std::numeric_limits<float>::lowest();
                    int count = 0;
                    for (int32_t fy = 0; fy < c.filterH; ++fy)
                        for (int32_t fx = 0; fx < c.filterW; ++fx) {
                            const int32_t iy = oy * c.strideH - ph + fy, ix = ox * c.strideW - pw + fx;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;  // padding: not counted
                            const double v = x[static_cast<size_t>(((b * h + iy) * w + ix) * ch + k)];
                            sum += op == B::L2_POOL_2D ? v * v : v;
                            max = std::max(max, v);
                            ++count;
                        }
                    double r = op == B::MAX_POOL_2D ? max : sum / count;
                    if (op == B::L2_POOL_2D) r = std::sqrt(r);
                    y.push_back(clampActivation(static_cast<float>(r), c.activation));
                }
    return y;
}

Status runPool(B op, const PoolCase& c, const std::vector<float>& x, std::vector<float>& y,
               std::vector<int32_t>& shape) {
    SingleOpModel m(op);
    m.addInput(fb::TensorType::FLOAT32, c.shape);
    m.addOutput(fb::TensorType::FLOAT32);
    m.setOptions(fb::BuiltinOptions::Pool2DOptions, [=](flatbuffers::FlatBufferBuilder& fbb) {
        return fb::CreatePool2DOptions(fbb, c.padding, c.strideW, c.strideH, c.filterW, c.filterH,
                                       c.activation)
            .Union();
    });
    if (Status s = m.build(); !s) return s;
    m.setInput(0, x);
    if (Status s = m.invoke(); !s) return s;
    y = m.output<float>(0);
    shape = m.outputShape(0);
    return Status::ok();
}

TEST(PoolingKernels, PoolsMatchReference) {
    std::mt19937 rng(3);
    const Act activations[] = {Act::NONE, Act::RELU, Act::RELU6, Act::RELU_N1_TO_1};
    for (B op : {B::AVERAGE_POOL_2D, B::MAX_POOL_2D, B::L2_POOL_2D}) {
        for (int trial = 0; trial < 60; ++trial) {
            PoolCase c;
            c.shape = {1 + static_cast<int32_t>(rng() % 2), 1 + static_cast<int32_t>(rng() % 9),
                       1 + static_cast<int32_t>(rng() % 9), 1 + static_cast<int32_t>(rng() % 5)};
            c.padding = rng() % 2 ? fb::Padding::SAME : fb::Padding::VALID;
            c.filterH = 1 + static_cast<int32_t>(rng() % 4);
            c.filterW = 1 + static_cast<int32_t>(rng() % 4);
            c.strideH = 1 + static_cast<int32_t>(rng() % 3);
            c.strideW = 1 + static_cast<int32_t>(rng() % 3);
            if (c.padding == fb::Padding::VALID) {
                c.filterH = std::min(c.filterH, c.shape[1]);
                c.filterW = std::min(c.filterW, c.shape[2]);
            }
            c.activation = activations[rng() % 4];
            const auto x = randomFloats(rng, elementCount(c.shape), -8, 8);
            std::vector<int32_t> wantShape, gotShape;
            const auto want = referencePool(op, c, x, wantShape);
            std::vector<float> got;
            Status s = runPool(op, c, x, got, gotShape);
            ASSERT_TRUE(s.isOk()) << s.message();
            ASSERT_EQ(gotShape, wantShape);
            ASSERT_EQ(got.size(), want.size());
            for (size_t i = 0; i < got.size(); ++i)
                ASSERT_NEAR(got[i], want[i], 1e-5 * std::max(1.f, std::fabs(want[i])))
                    << builtinOperatorName(static_cast<int32_t>(op)) << " trial " << trial << " element "
                    << i;
        }
    }
}

TEST(PoolingKernels, SamePaddingAverageCountsOnlyTheInput) {
    // 3x3 input, 3x3 filter, SAME, stride 1: a corner output averages the 4 elements inside the input.
    PoolCase c{{1, 3, 3, 1}, 3, 3, 1, 1, fb::Padding::SAME, Act::NONE};
    std::vector<float> y;
    std::vector<int32_t> shape;
    ASSERT_TRUE(runPool(B::AVERAGE_POOL_2D, c, {1, 2, 3, 4, 5, 6, 7, 8, 9}, y, shape).isOk());
    EXPECT_EQ(shape, (std::vector<int32_t>{1, 3, 3, 1}));
    EXPECT_FLOAT_EQ(y[0], (1 + 2 + 4 + 5) / 4.f);
    EXPECT_FLOAT_EQ(y[4], 5.f);
    EXPECT_FLOAT_EQ(y[8], (5 + 6 + 8 + 9) / 4.f);
}

TEST(PoolingKernels, MaxPoolClampsInfinityLikeTflite) {
    // TFLite clamps to the float range even with no activation.
    const float inf = std::numeric_limits<float>::infinity();
    PoolCase c{{1, 1, 2, 1}, 1, 1, 1, 1, fb::Padding::VALID, Act::NONE};
    std::vector<float> y;
    std::vector<int32_t> shape;
    ASSERT_TRUE(runPool(B::MAX_POOL_2D, c, {inf, -inf}, y, shape).isOk());
    EXPECT_EQ(y,
              (std::vector<float>{std::numeric_limits<float>::max(), std::numeric_limits<float>::lowest()}));
}

TEST(PoolingKernels, BadParametersFailAtPrepare) {
    std::vector<float> y;
    std::vector<int32_t> shape;
    // A VALID filter larger than the input.
    EXPECT_FALSE(runPool(B::MAX_POOL_2D, PoolCase{{1, 2, 2, 1}, 4, 4, 1, 1, fb::Padding::VALID, Act::NONE},
                         {1, 2, 3, 4}, y, shape)
                     .isOk());
    // A zero stride.
    Status s = runPool(B::AVERAGE_POOL_2D, PoolCase{{1, 2, 2, 1}, 1, 1, 0, 1, fb::Padding::SAME, Act::NONE},
                       {1, 2, 3, 4}, y, shape);
    ASSERT_FALSE(s.isOk());
    EXPECT_NE(s.message().find("strides must be positive"), std::string::npos) << s.message();
    // L2 pooling has no quantized kernel (TFLite has none either).
    SingleOpModel m(B::L2_POOL_2D);
    QuantSpec q;
    q.scale = {0.5f};
    q.zeroPoint = {0};
    m.addInput(fb::TensorType::INT8, {1, 2, 2, 1}, q);
    m.addOutput(fb::TensorType::INT8, {}, q);
    m.setOptions(fb::BuiltinOptions::Pool2DOptions, [](flatbuffers::FlatBufferBuilder& fbb) {
        return fb::CreatePool2DOptions(fbb, fb::Padding::VALID, 1, 1, 1, 1).Union();
    });
    s = m.build();
    ASSERT_FALSE(s.isOk());
    EXPECT_EQ(s.code(), ErrorCode::Unsupported) << s.message();
}

// ---------------------------------------------------------------------------------------------------------

// The source coordinate of output index i along an axis, as TFLite's float maths computes it.
float scaleOf(int32_t in, int32_t out, bool align) {
    return align && out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1)
                            : static_cast<float>(in) / static_cast<float>(out);
}

std::vector<float> referenceBilinear(const std::vector<float>& x, const std::vector<int32_t>& s, int32_t oh,
                                     int32_t ow, bool align, bool half) {
    const int32_t n = s[0], h = s[1], w = s[2], ch = s[3];
    const float sh = scaleOf(h, oh, align), sw = scaleOf(w, ow, align);
    std::vector<float> y;
    for (int32_t b = 0; b < n; ++b)
        for (int32_t oy = 0; oy < oh; ++oy)
            for (int32_t ox = 0; ox < ow; ++ox)
                for (int32_t k = 0; k < ch; ++k) {
                    const float fy =
                        half ? (static_cast<float>(oy) + 0.5f) * sh - 0.5f : static_cast<float>(oy) * sh;
                    const float fx =
                        half ? (static_cast<float>(ox) + 0.5f) * sw - 0.5f : static_cast<float>(ox) * sw;
                    const int32_t y0 = std::max(0, static_cast<int32_t>(std::floor(fy))),
                                  y1 = std::min(h - 1, static_cast<int32_t>(std::ceil(fy)));
                    const int32_t x0 = std::max(0, static_cast<int32_t>(std::floor(fx))),
                                  x1 = std::min(w - 1, static_cast<int32_t>(std::ceil(fx)));
                    auto at = [&](int32_t yy, int32_t xx) {
                        return static_cast<double>(x[static_cast<size_t>(((b * h + yy) * w + xx) * ch + k)]);
                    };
                    const double dy = fy - y0, dx = fx - x0;
                    y.push_back(static_cast<float>(at(y0, x0) * (1 - dy) * (1 - dx) +
                                                   at(y1, x0) * dy * (1 - dx) + at(y0, x1) * (1 - dy) * dx +
                                                   at(y1, x1) * dy * dx));
                }
    return y;
}

int32_t nearestSource(int32_t i, int32_t in, int32_t out, bool align, bool half) {
    const float v = (static_cast<float>(i) + (half ? 0.5f : 0.f)) * scaleOf(in, out, align);
    const int32_t r = static_cast<int32_t>(align ? std::round(v) : std::floor(v));
    return std::max(0, std::min(r, in - 1));
}

template <typename T>
std::vector<T> referenceNearest(const std::vector<T>& x, const std::vector<int32_t>& s, int32_t oh,
                                int32_t ow, bool align, bool half) {
    const int32_t n = s[0], h = s[1], w = s[2], ch = s[3];
    std::vector<T> y;
    for (int32_t b = 0; b < n; ++b)
        for (int32_t oy = 0; oy < oh; ++oy)
            for (int32_t ox = 0; ox < ow; ++ox)
                for (int32_t k = 0; k < ch; ++k) {
                    const int32_t iy = nearestSource(oy, h, oh, align, half),
                                  ix = nearestSource(ox, w, ow, align, half);
                    y.push_back(x[static_cast<size_t>(((b * h + iy) * w + ix) * ch + k)]);
                }
    return y;
}

template <typename T>
Status runResize(B op, fb::TensorType type, const std::vector<int32_t>& shape, const std::vector<T>& x,
                 int32_t oh, int32_t ow, bool align, bool half, bool runtimeSize, std::vector<T>& y,
                 std::vector<int32_t>& outShape) {
    SingleOpModel m(op);
    m.addInput(type, shape);
    if (runtimeSize)
        m.addInput(fb::TensorType::INT32, {2});
    else
        m.addConstInput<int32_t>(fb::TensorType::INT32, {2}, {oh, ow});
    m.addOutput(type);
    if (op == B::RESIZE_BILINEAR)
        m.setOptions(fb::BuiltinOptions::ResizeBilinearOptions, [=](flatbuffers::FlatBufferBuilder& fbb) {
            return fb::CreateResizeBilinearOptions(fbb, align, half).Union();
        });
    else
        m.setOptions(fb::BuiltinOptions::ResizeNearestNeighborOptions,
                     [=](flatbuffers::FlatBufferBuilder& fbb) {
                         return fb::CreateResizeNearestNeighborOptions(fbb, align, half).Union();
                     });
    if (Status s = m.build(); !s) return s;
    m.setInput(0, x);
    if (runtimeSize) m.setInput<int32_t>(1, {oh, ow});
    if (Status s = m.invoke(); !s) return s;
    y = m.output<T>(0);
    outShape = m.outputShape(0);
    return Status::ok();
}

TEST(PoolingKernels, ResizeBilinearMatchesReference) {
    std::mt19937 rng(5);
    for (int trial = 0; trial < 80; ++trial) {
        const std::vector<int32_t> shape = {
            1 + static_cast<int32_t>(rng() % 2), 1 + static_cast<int32_t>(rng() % 6),
            1 + static_cast<int32_t>(rng() % 6), 1 + static_cast<int32_t>(rng() % 3)};
        const int32_t oh = 1 + static_cast<int32_t>(rng() % 12), ow = 1 + static_cast<int32_t>(rng() % 12);
        const int mode = trial % 3;  // plain, align_corners, half_pixel_centers
        const bool align = mode == 1, half = mode == 2;
        const auto x = randomFloats(rng, elementCount(shape), -4, 4);
        std::vector<float> y;
        std::vector<int32_t> outShape;
        Status s = runResize(B::RESIZE_BILINEAR, fb::TensorType::FLOAT32, shape, x, oh, ow, align, half,
                             trial % 4 == 0, y, outShape);
        ASSERT_TRUE(s.isOk()) << s.message();
        EXPECT_EQ(outShape, (std::vector<int32_t>{shape[0], oh, ow, shape[3]}));
        const auto want = referenceBilinear(x, shape, oh, ow, align, half);
        ASSERT_EQ(y.size(), want.size());
        for (size_t i = 0; i < y.size(); ++i)
            ASSERT_NEAR(y[i], want[i], 1e-5 * std::max(1.f, std::fabs(want[i])))
                << "trial " << trial << " element " << i;
    }
}

TEST(PoolingKernels, ResizeBilinearUpsamplesAKnownImage) {
    // 2x2 -> 3x3 with align_corners: the corners stay, the centre is the mean.
    std::vector<float> y;
    std::vector<int32_t> shape;
    ASSERT_TRUE(runResize<float>(B::RESIZE_BILINEAR, fb::TensorType::FLOAT32, {1, 2, 2, 1}, {0, 2, 4, 6}, 3,
                                 3, true, false, false, y, shape)
                    .isOk());
    EXPECT_EQ(y, (std::vector<float>{0, 1, 2, 2, 3, 4, 4, 5, 6}));
}

TEST(PoolingKernels, ResizeNearestNeighborMatchesReference) {
    std::mt19937 rng(6);
    for (int trial = 0; trial < 80; ++trial) {
        const std::vector<int32_t> shape = {
            1 + static_cast<int32_t>(rng() % 2), 1 + static_cast<int32_t>(rng() % 6),
            1 + static_cast<int32_t>(rng() % 6), 1 + static_cast<int32_t>(rng() % 3)};
        const int32_t oh = 1 + static_cast<int32_t>(rng() % 12), ow = 1 + static_cast<int32_t>(rng() % 12);
        const int mode = trial % 3;
        const bool align = mode == 1, half = mode == 2;
        std::vector<int32_t> outShape;
        if (trial % 2) {
            const auto x = randomFloats(rng, elementCount(shape), -4, 4);
            std::vector<float> y;
            Status s = runResize(B::RESIZE_NEAREST_NEIGHBOR, fb::TensorType::FLOAT32, shape, x, oh, ow, align,
                                 half, trial % 5 == 0, y, outShape);
            ASSERT_TRUE(s.isOk()) << s.message();
            EXPECT_EQ(y, referenceNearest(x, shape, oh, ow, align, half)) << "trial " << trial;
        } else {
            std::vector<int8_t> x(static_cast<size_t>(elementCount(shape)));
            for (auto& v : x)
                v = static_cast<int8_t>(rng());
            std::vector<int8_t> y;
            Status s = runResize(B::RESIZE_NEAREST_NEIGHBOR, fb::TensorType::INT8, shape, x, oh, ow, align,
                                 half, false, y, outShape);
            ASSERT_TRUE(s.isOk()) << s.message();
            EXPECT_EQ(y, referenceNearest(x, shape, oh, ow, align, half)) << "trial " << trial;
        }
        EXPECT_EQ(outShape, (std::vector<int32_t>{shape[0], oh, ow, shape[3]}));
    }
}

TEST(PoolingKernels, ResizeNearestNeighborRoundsWithAlignCorners) {
    // 3 -> 2 with align_corners: scale 2, sources 0 and 2; 2 -> 3: scale 0.5, sources round(0, 0.5, 1) = 0,
    // 1, 1.
    std::vector<float> y;
    std::vector<int32_t> shape;
    ASSERT_TRUE(runResize<float>(B::RESIZE_NEAREST_NEIGHBOR, fb::TensorType::FLOAT32, {1, 1, 3, 1},
                                 {10, 20, 30}, 1, 2, true, false, false, y, shape)
                    .isOk());
    EXPECT_EQ(y, (std::vector<float>{10, 30}));
    ASSERT_TRUE(runResize<float>(B::RESIZE_NEAREST_NEIGHBOR, fb::TensorType::FLOAT32, {1, 1, 2, 1}, {10, 20},
                                 1, 3, true, false, false, y, shape)
                    .isOk());
    EXPECT_EQ(y, (std::vector<float>{10, 20, 20}));
}

TEST(PoolingKernels, ResizeNearestNeighborUint8UsesTfliteFixedPoint) {
    // Width 2 -> 82: output 41 sits exactly on source 1. TFLite's float rule lands just below (41 * (2/82.f)
    // = 0.99999994, source 0); its UINT8 kernel computes in 16.16 fixed point and lands on source 1.
    std::vector<float> yf;
    std::vector<uint8_t> yq;
    std::vector<int32_t> shape;
    ASSERT_TRUE(runResize<float>(B::RESIZE_NEAREST_NEIGHBOR, fb::TensorType::FLOAT32, {1, 1, 2, 1}, {10, 20},
                                 1, 82, false, false, false, yf, shape)
                    .isOk());
    ASSERT_TRUE(runResize<uint8_t>(B::RESIZE_NEAREST_NEIGHBOR, fb::TensorType::UINT8, {1, 1, 2, 1}, {10, 20},
                                   1, 82, false, false, false, yq, shape)
                    .isOk());
    ASSERT_EQ(yf.size(), 82u);
    ASSERT_EQ(yq.size(), 82u);
    EXPECT_EQ(yf[40], 10.f);
    EXPECT_EQ(yf[41], 10.f);
    EXPECT_EQ(yf[42], 20.f);
    EXPECT_EQ(yq[40], 10);
    EXPECT_EQ(yq[41], 20);
    // With half_pixel_centers the UINT8 kernel uses the float rule too.
    ASSERT_TRUE(runResize<uint8_t>(B::RESIZE_NEAREST_NEIGHBOR, fb::TensorType::UINT8, {1, 1, 2, 1}, {10, 20},
                                   1, 82, false, true, false, yq, shape)
                    .isOk());
    EXPECT_EQ(yq, referenceNearest<uint8_t>({10, 20}, {1, 1, 2, 1}, 1, 82, false, true));
}

TEST(PoolingKernels, ResizeErrors) {
    std::vector<float> y;
    std::vector<int32_t> shape;
    const std::vector<float> x = {1, 2, 3, 4};
    Status s = runResize<float>(B::RESIZE_BILINEAR, fb::TensorType::FLOAT32, {1, 2, 2, 1}, x, 4, 4, true,
                                true, false, y, shape);
    ASSERT_FALSE(s.isOk());
    EXPECT_NE(s.message().find("cannot both be set"), std::string::npos) << s.message();
    s = runResize<float>(B::RESIZE_BILINEAR, fb::TensorType::FLOAT32, {1, 2, 2, 1}, x, 0, 4, false, false,
                         false, y, shape);
    ASSERT_FALSE(s.isOk());
    EXPECT_NE(s.message().find("must be positive"), std::string::npos) << s.message();
    // A run-time size is checked when it arrives.
    s = runResize<float>(B::RESIZE_NEAREST_NEIGHBOR, fb::TensorType::FLOAT32, {1, 2, 2, 1}, x, 3, -1, false,
                         false, true, y, shape);
    ASSERT_FALSE(s.isOk());
    EXPECT_NE(s.message().find("must be positive"), std::string::npos) << s.message();
    s = runResize<float>(B::RESIZE_BILINEAR, fb::TensorType::FLOAT32, {2, 2}, x, 3, 3, false, false, false, y,
                         shape);
    EXPECT_FALSE(s.isOk());
}

}  // namespace
}  // namespace litescope::test
