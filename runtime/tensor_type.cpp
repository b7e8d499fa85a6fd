#include "runtime/tensor_type.h"

namespace litescope {

std::string_view tensorTypeName(TensorType type) {
    switch (type) {
        case TensorType::Float32:
            return "FLOAT32";
        case TensorType::Float16:
            return "FLOAT16";
        case TensorType::Int32:
            return "INT32";
        case TensorType::UInt8:
            return "UINT8";
        case TensorType::Int64:
            return "INT64";
        case TensorType::String:
            return "STRING";
        case TensorType::Bool:
            return "BOOL";
        case TensorType::Int16:
            return "INT16";
        case TensorType::Complex64:
            return "COMPLEX64";
        case TensorType::Int8:
            return "INT8";
        case TensorType::Float64:
            return "FLOAT64";
        case TensorType::Complex128:
            return "COMPLEX128";
        case TensorType::UInt64:
            return "UINT64";
        case TensorType::Resource:
            return "RESOURCE";
        case TensorType::Variant:
            return "VARIANT";
        case TensorType::UInt32:
            return "UINT32";
        case TensorType::UInt16:
            return "UINT16";
        case TensorType::Int4:
            return "INT4";
        case TensorType::BFloat16:
            return "BFLOAT16";
        case TensorType::Int2:
            return "INT2";
        case TensorType::UInt4:
            return "UINT4";
        case TensorType::Float8E4M3FN:
            return "FLOAT8_E4M3FN";
        case TensorType::Float8E5M2:
            return "FLOAT8_E5M2";
    }
    return "UNKNOWN";
}

std::optional<TensorType> tensorTypeFromCode(int code) {
    if (code < 0 || code > static_cast<int>(TensorType::Float8E5M2)) return std::nullopt;
    return static_cast<TensorType>(code);
}

int tensorTypeBits(TensorType type) {
    switch (type) {
        case TensorType::Int2:
            return 2;
        case TensorType::Int4:
        case TensorType::UInt4:
            return 4;
        case TensorType::UInt8:
        case TensorType::Int8:
        case TensorType::Float8E4M3FN:
        case TensorType::Float8E5M2:
        case TensorType::Bool:
            return 8;
        case TensorType::Float16:
        case TensorType::BFloat16:
        case TensorType::Int16:
        case TensorType::UInt16:
            return 16;
        case TensorType::Float32:
        case TensorType::Int32:
        case TensorType::UInt32:
            return 32;
        case TensorType::Int64:
        case TensorType::UInt64:
        case TensorType::Float64:
        case TensorType::Complex64:
            return 64;
        case TensorType::Complex128:
            return 128;
        case TensorType::String:
        case TensorType::Resource:
        case TensorType::Variant:
            return 0;
    }
    return 0;
}

bool isFloatType(TensorType type) {
    return type == TensorType::Float32 || type == TensorType::Float16 || type == TensorType::BFloat16 ||
           type == TensorType::Float64 || type == TensorType::Float8E4M3FN || type == TensorType::Float8E5M2;
}

}  // namespace litescope
