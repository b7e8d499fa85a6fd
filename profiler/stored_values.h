// Decoding a constant tensor's stored values (every numeric type, sub-byte types packed low bits first, as
// TFLite packs them), shared by the weight statistics and the GUI's histograms so the two agree exactly.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "runtime/model.h"

namespace litescope {

inline float halfToFloat(uint16_t h) {
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

inline float bfloat16ToFloat(uint16_t b) {
    return std::bit_cast<float>(static_cast<uint32_t>(b) << 16);
}

// Calls fn(index, value, key) for the first `count` stored values of `t`, where `key` is the raw bits (for
// counting distinct values). False for types with no numeric value (STRING, RESOURCE, ...).
template <typename Fn>
bool forEachStoredValue(const Tensor& t, int64_t count, Fn&& fn) {
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

}  // namespace litescope
