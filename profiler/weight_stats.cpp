#include "profiler/weight_stats.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_set>
#include <vector>

#include "profiler/stored_values.h"

namespace litescope {

namespace {

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
    forEachStoredValue(t, count, [&](int64_t i, double v, uint64_t key) {
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
