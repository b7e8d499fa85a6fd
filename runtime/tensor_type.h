// The element types a TFLite tensor can have, numbered exactly as the format numbers them.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace litescope {

enum class TensorType : int8_t {
    Float32 = 0,
    Float16 = 1,
    Int32 = 2,
    UInt8 = 3,
    Int64 = 4,
    String = 5,
    Bool = 6,
    Int16 = 7,
    Complex64 = 8,
    Int8 = 9,
    Float64 = 10,
    Complex128 = 11,
    UInt64 = 12,
    Resource = 13,
    Variant = 14,
    UInt32 = 15,
    UInt16 = 16,
    Int4 = 17,
    BFloat16 = 18,
    Int2 = 19,
    UInt4 = 20,
    Float8E4M3FN = 21,
    Float8E5M2 = 22,
};

// The spelling TFLite uses ("FLOAT32", "INT8", ...); "UNKNOWN(n)" style names are left to callers.
std::string_view tensorTypeName(TensorType type);
std::optional<TensorType> tensorTypeFromCode(int code);
// Bits per element, or 0 for types with no fixed element size (STRING, RESOURCE, VARIANT).
int tensorTypeBits(TensorType type);
bool isFloatType(TensorType type);

}  // namespace litescope
