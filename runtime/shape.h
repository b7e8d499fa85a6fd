// A tensor shape held inline (no heap), so that shapes can change during invoke without allocating.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>

namespace litescope {

class Shape {
  public:
    static constexpr int kMaxRank = 16;

    Shape() = default;
    Shape(std::initializer_list<int32_t> dims) {
        assign(std::span<const int32_t>(dims.begin(), dims.size()));
    }
    explicit Shape(std::span<const int32_t> dims) { assign(dims); }

    // False when `dims` has more than kMaxRank dimensions (the shape is then left empty).
    bool assign(std::span<const int32_t> dims) {
        if (dims.size() > kMaxRank) {
            rank_ = 0;
            return false;
        }
        rank_ = static_cast<int>(dims.size());
        std::copy(dims.begin(), dims.end(), dims_.begin());
        return true;
    }

    int rank() const { return rank_; }
    int32_t dim(int i) const { return dims_[static_cast<size_t>(i)]; }
    int32_t& operator[](int i) { return dims_[static_cast<size_t>(i)]; }
    int32_t operator[](int i) const { return dims_[static_cast<size_t>(i)]; }
    void setRank(int rank) { rank_ = std::clamp(rank, 0, kMaxRank); }
    void push(int32_t d) {
        if (rank_ < kMaxRank) dims_[static_cast<size_t>(rank_++)] = d;
    }
    std::span<const int32_t> dims() const { return {dims_.data(), static_cast<size_t>(rank_)}; }

    int64_t elementCount() const {
        int64_t n = 1;
        for (int i = 0; i < rank_; ++i)
            n *= dims_[static_cast<size_t>(i)];
        return n;
    }
    // Product of dims [from, to).
    int64_t flatSize(int from, int to) const {
        int64_t n = 1;
        for (int i = std::max(from, 0); i < std::min(to, rank_); ++i)
            n *= dims_[static_cast<size_t>(i)];
        return n;
    }

    bool operator==(const Shape& other) const {
        return rank_ == other.rank_ && std::equal(dims_.begin(), dims_.begin() + rank_, other.dims_.begin());
    }
    bool operator!=(const Shape& other) const { return !(*this == other); }

    std::string toString() const {
        std::string s = "[";
        for (int i = 0; i < rank_; ++i)
            s += (i ? "," : "") + std::to_string(dims_[static_cast<size_t>(i)]);
        return s + "]";
    }

  private:
    std::array<int32_t, kMaxRank> dims_{};
    int rank_ = 0;
};

}  // namespace litescope
