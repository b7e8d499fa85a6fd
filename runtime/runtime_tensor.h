// A tensor as the interpreter holds it while running: its current shape and where its bytes live.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>

#include "runtime/model.h"
#include "runtime/shape.h"

namespace litescope {

enum class Allocation : uint8_t {
    None,        // not used, or an omitted optional tensor
    Constant,    // read-only data in the mapped model file
    Arena,       // planned into the subgraph's arena; valid during invoke
    Persistent,  // owned, lives across invokes (variables, outputs folded at prepare)
    Dynamic,     // shape known only during eval; owned, grown on demand
};

struct AlignedFree {
    void operator()(uint8_t* p) const { std::free(p); }
};
using AlignedBytes = std::unique_ptr<uint8_t, AlignedFree>;
// 64-byte aligned, as TFLite aligns tensors; nullptr when out of memory.
AlignedBytes allocateAligned(size_t bytes);

struct RuntimeTensor {
    const Tensor* model = nullptr;  // name, quantization, sparsity, constant data
    TensorType type = TensorType::Float32;
    Shape shape;
    uint8_t* data = nullptr;
    size_t bytes = 0;
    Allocation allocation = Allocation::None;
    AlignedBytes owned;  // for Persistent and Dynamic
    size_t capacity = 0;

    const QuantizationParams& quantization() const { return model->quantization; }
    float scale() const { return model->quantization.scale.empty() ? 0.f : model->quantization.scale[0]; }
    int32_t zeroPoint() const {
        return model->quantization.zeroPoint.empty() ? 0
                                                     : static_cast<int32_t>(model->quantization.zeroPoint[0]);
    }
    bool isConstant() const { return allocation == Allocation::Constant; }
    int64_t elementCount() const { return shape.elementCount(); }

    template <typename T>
    T* as() {
        return reinterpret_cast<T*>(data);
    }
    template <typename T>
    const T* as() const {
        return reinterpret_cast<const T*>(data);
    }
    template <typename T>
    std::span<const T> values() const {
        return {as<T>(), static_cast<size_t>(elementCount())};
    }
};

// Bytes for `shape` of `type`; -1 for types without a fixed size or on overflow.
int64_t tensorBytes(TensorType type, const Shape& shape);

}  // namespace litescope
