#include "profiler/weight_stats.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_set>
#include <vector>

namespace litescope {

namespace {

float halfToFloat(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
    const uint32_t exponent = (h >> 10) & 0x1f;
    const uint32_t mantissa = h & 0x3ff;
    if (exponent == 0) {
        // zero or subnormal: mantissa * 2^-24
        float v = std::ldexp(static_cast<float>(mantissa), -24);
        return sign ? -v : v;
    }
    uint32_t bits = exponent == 31 ? (sign | 0x7f800000u | (mantissa << 13))
                                   : (sign | ((exponent + 112) << 23) | (mantissa << 13));
    return std::bit_cast<float>(bits);
}

float bfloat16ToFloat(uint16_t b) {
    return std::bit_cast<float>(static_cast<uint32_t>(b) << 16);
}

// Counts distinct values up to a limit: a bitmap for narrow integer types, a small hash set otherwise.
class DistinctCounter {
  public:
    explicit DistinctCounter(int bits) : narrow_(bits > 0 && bits <= 16) {
        if (narrow_) bitmap_.assign((size_t{1} << bits) / 64 + 1, 0);
    }
    void addNarrow(uint32_t key) {
        uint64_t& word = bitmap_[key >> 6];
        const uint64_t bit = uint64_t{1} << (key & 63);
        if (!(word & bit)) {
            word |= bit;
            ++count_;
        }
    }
    void addWide(uint64_t key) {
        if (overflowed_) return;
        if (set_.insert(key).second && static_cast<int64_t>(set_.size()) > kMaxDistinctCounted)
            overflowed_ = true;
        count_ = static_cast<int64_t>(set_.size());
    }
    bool narrow() const { return narrow_; }
    bool done() const { return overflowed_; }
    std::optional<int64_t> result() const {
        if (overflowed_ || count_ > kMaxDistinctCounted) return std::nullopt;
        return count_;
    }

  private:
    bool narrow_;
    bool overflowed_ = false;
    int64_t count_ = 0;
    std::vector<uint64_t> bitmap_;
    std::unordered_set<uint64_t> set_;
};

class Accumulator {
  public:
    void add(double v) {
        if (!std::isfinite(v)) {
            ++nonFinite_;
            return;
        }
        if (n_ == 0) min_ = max_ = v;
        min_ = std::min(min_, v);
        max_ = std::max(max_, v);
        ++n_;
        const double delta = v - mean_;
        mean_ += delta / static_cast<double>(n_);
        m2_ += delta * (v - mean_);
        if (v == 0) ++zeros_;
    }
    ValueStats finish(int64_t denseCount, int64_t storedCount) const {
        ValueStats s;
        s.count = storedCount;
        s.min = min_;
        s.max = max_;
        s.mean = mean_;
        s.stddev = n_ > 1 ? std::sqrt(m2_ / static_cast<double>(n_)) : 0.0;
        s.nonFinite = nonFinite_;
        const int64_t omitted = denseCount - storedCount;
        s.zeroFraction = denseCount > 0 ? static_cast<double>(zeros_ + std::max<int64_t>(omitted, 0)) /
                                              static_cast<double>(denseCount)
                                        : 0.0;
        return s;
    }

  private:
    int64_t n_ = 0, zeros_ = 0, nonFinite_ = 0;
    double min_ = 0, max_ = 0, mean_ = 0, m2_ = 0;
};

// Visits the stored values of `t` in order as (index, value, raw key for distinct counting).
template <typename Fn>
bool forEachValue(const Tensor& t, int64_t count, Fn&& fn) {
    const uint8_t* p = t.data.data();
    auto loop = [&](auto tag, auto toDouble) {
        using T = decltype(tag);
        for (int64_t i = 0; i < count; ++i) {
            T v;
            std::memcpy(&v, p + i * sizeof(T), sizeof(T));
            uint64_t key = 0;
            std::memcpy(&key, &v, sizeof(T));
            fn(i, toDouble(v), key);
        }
    };
    auto same = [](auto v) { return static_cast<double>(v); };
    switch (t.type) {
        case TensorType::Float32:
            loop(float{}, same);
            return true;
        case TensorType::Float64:
            loop(double{}, same);
            return true;
        case TensorType::Float16:
            loop(uint16_t{}, [](uint16_t v) { return static_cast<double>(halfToFloat(v)); });
            return true;
        case TensorType::BFloat16:
            loop(uint16_t{}, [](uint16_t v) { return static_cast<double>(bfloat16ToFloat(v)); });
            return true;
        case TensorType::Int8:
            loop(int8_t{}, same);
            return true;
        case TensorType::UInt8:
            loop(uint8_t{}, same);
            return true;
        case TensorType::Bool:
            loop(uint8_t{}, [](uint8_t v) { return v ? 1.0 : 0.0; });
            return true;
        case TensorType::Int16:
            loop(int16_t{}, same);
            return true;
        case TensorType::UInt16:
            loop(uint16_t{}, same);
            return true;
        case TensorType::Int32:
            loop(int32_t{}, same);
            return true;
        case TensorType::UInt32:
            loop(uint32_t{}, same);
            return true;
        case TensorType::Int64:
            loop(int64_t{}, same);
            return true;
        case TensorType::UInt64:
            loop(uint64_t{}, same);
            return true;
        case TensorType::Int4:
        case TensorType::UInt4:
        case TensorType::Int2: {
            // Packed low bits first, as TFLite packs sub-byte weights.
            const int bits = tensorTypeBits(t.type);
            const int perByte = 8 / bits;
            const bool isSigned = t.type != TensorType::UInt4;
            for (int64_t i = 0; i < count; ++i) {
                uint32_t raw = (p[i / perByte] >> ((i % perByte) * bits)) & ((1u << bits) - 1);
                int32_t v = static_cast<int32_t>(raw);
                if (isSigned && (raw & (1u << (bits - 1)))) v -= (1 << bits);
                fn(i, static_cast<double>(v), raw);
            }
            return true;
        }
        default:
            return false;
    }
}

}  // namespace

std::optional<WeightStats> computeWeightStats(const Tensor& t) {
    if (!t.isConstant() || t.byteSize < 0) return std::nullopt;
    const int bits = tensorTypeBits(t.type);
    if (bits <= 0) return std::nullopt;
    // A sparse tensor stores fewer values than its shape holds; read only what is there.
    const int64_t stored =
        t.sparsity ? static_cast<int64_t>(t.data.size() * 8 / static_cast<size_t>(bits)) : t.elementCount;
    const int64_t count =
        std::min<int64_t>(stored, static_cast<int64_t>(t.data.size() * 8 / static_cast<size_t>(bits)));

    const QuantizationParams& q = t.quantization;
    const bool quantized = q.hasAffine() && !isFloatType(t.type) && !t.sparsity;
    int64_t inner = 1, channels = 1;
    if (quantized && q.isPerChannel()) {
        channels = static_cast<int64_t>(q.scale.size());
        for (size_t d = static_cast<size_t>(q.quantizedDimension) + 1; d < t.shape.size(); ++d)
            inner *= t.shape[d];
    }

    Accumulator storedAcc, realAcc;
    DistinctCounter distinct(bits <= 16 && !isFloatType(t.type) ? bits : 0);
    const bool countDistinctNarrow = distinct.narrow();
    forEachValue(t, count, [&](int64_t i, double v, uint64_t key) {
        storedAcc.add(v);
        if (countDistinctNarrow)
            distinct.addNarrow(static_cast<uint32_t>(key & ((uint64_t{1} << bits) - 1)));
        else if (!distinct.done())
            distinct.addWide(key);
        if (quantized) {
            const int64_t c = channels > 1 ? (i / inner) % channels : 0;
            const double zp =
                q.zeroPoint.empty() ? 0.0 : static_cast<double>(q.zeroPoint[static_cast<size_t>(c)]);
            realAcc.add(static_cast<double>(q.scale[static_cast<size_t>(c)]) * (v - zp));
        }
    });

    WeightStats out;
    out.stored = storedAcc.finish(t.elementCount, count);
    out.stored.distinctValues = distinct.result();
    if (quantized) out.real = realAcc.finish(t.elementCount, count);
    return out;
}

}  // namespace litescope
