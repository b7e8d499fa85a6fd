#include "profiler/tensor_io.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "runtime/interpreter.h"

namespace litescope {

namespace {

uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint16_t floatToHalf(float f) {
    uint32_t x;
    std::memcpy(&x, &f, 4);
    const uint32_t sign = (x >> 16) & 0x8000;
    int32_t exponent = static_cast<int32_t>((x >> 23) & 0xff) - 127 + 15;
    uint32_t mantissa = x & 0x7fffff;
    if (exponent <= 0) return static_cast<uint16_t>(sign);  // inputs here are never that small
    if (exponent >= 31) return static_cast<uint16_t>(sign | 0x7c00);
    uint32_t half = sign | (static_cast<uint32_t>(exponent) << 10) | (mantissa >> 13);
    if ((mantissa & 0x1fff) > 0x1000 || ((mantissa & 0x1fff) == 0x1000 && (half & 1))) ++half;
    return static_cast<uint16_t>(half);
}

template <typename T>
double valueAt(const RuntimeTensor& t, int64_t i) {
    return static_cast<double>(t.as<T>()[i]);
}

double elementAsDouble(const RuntimeTensor& t, int64_t i) {
    switch (t.type) {
        case TensorType::Float32:
            return valueAt<float>(t, i);
        case TensorType::Float64:
            return valueAt<double>(t, i);
        case TensorType::Int8:
            return valueAt<int8_t>(t, i);
        case TensorType::UInt8:
            return valueAt<uint8_t>(t, i);
        case TensorType::Bool:
            return t.as<uint8_t>()[i] ? 1.0 : 0.0;
        case TensorType::Int16:
            return valueAt<int16_t>(t, i);
        case TensorType::UInt16:
            return valueAt<uint16_t>(t, i);
        case TensorType::Int32:
            return valueAt<int32_t>(t, i);
        case TensorType::UInt32:
            return valueAt<uint32_t>(t, i);
        case TensorType::Int64:
            return valueAt<int64_t>(t, i);
        case TensorType::UInt64:
            return valueAt<uint64_t>(t, i);
        default:
            return 0;
    }
}

}  // namespace

// Replaces a STRING tensor's contents with TFLite's packed layout of `strings`.
Status setStrings(RuntimeTensor& t, const std::vector<std::string>& strings) {
    size_t bytes = 4 * (strings.size() + 2);
    for (const auto& s : strings)
        bytes += s.size();
    std::vector<uint8_t> packed(bytes);
    auto put = [&](size_t pos, uint32_t v) { std::memcpy(packed.data() + pos, &v, 4); };
    put(0, static_cast<uint32_t>(strings.size()));
    size_t offset = 4 * (strings.size() + 2);
    for (size_t i = 0; i < strings.size(); ++i) {
        put(4 + 4 * i, static_cast<uint32_t>(offset));
        std::memcpy(packed.data() + offset, strings[i].data(), strings[i].size());
        offset += strings[i].size();
    }
    put(4 + 4 * strings.size(), static_cast<uint32_t>(offset));
    return setPackedStrings(t, packed);
}

Status setPackedStrings(RuntimeTensor& t, const std::vector<uint8_t>& packed) {
    if (t.type != TensorType::String) return {ErrorCode::InvalidArgument, "not a STRING tensor"};
    // Check the layout before any kernel reads it: count, then non-decreasing offsets within the buffer.
    auto readU32 = [&](size_t pos) {
        uint32_t v;
        std::memcpy(&v, packed.data() + pos, 4);
        return v;
    };
    if (packed.size() < 8) return {ErrorCode::InvalidArgument, "packed strings need at least 8 bytes"};
    const uint64_t count = readU32(0);
    if ((count + 2) * 4 > packed.size())
        return {ErrorCode::InvalidArgument, "packed strings: count larger than the buffer"};
    if (static_cast<int64_t>(count) != t.elementCount())
        return {ErrorCode::InvalidArgument, "packed strings: " + std::to_string(count) +
                                                " strings for a tensor of " +
                                                std::to_string(t.elementCount()) + " elements"};
    uint64_t previous = readU32(4);
    if (previous != (count + 2) * 4) return {ErrorCode::InvalidArgument, "packed strings: bad first offset"};
    for (uint64_t i = 1; i <= count; ++i) {
        const uint64_t offset = readU32(4 + 4 * i);
        if (offset < previous || offset > packed.size())
            return {ErrorCode::InvalidArgument,
                    "packed strings: offset " + std::to_string(i) + " out of order or past the end"};
        previous = offset;
    }
    if (packed.size() > t.capacity) {
        t.owned = allocateAligned(packed.size());
        if (!t.owned) return {ErrorCode::Runtime, "out of memory"};
        t.capacity = packed.size();
    }
    t.allocation = Allocation::Dynamic;
    t.data = t.owned.get();
    t.bytes = packed.size();
    std::memcpy(t.data, packed.data(), packed.size());
    return Status::ok();
}

Status fillDeterministic(RuntimeTensor& t, int k, const RandomInputOptions& o) {
    uint64_t state = o.seed * 1000003ull + static_cast<uint64_t>(k);
    const int64_t n = t.elementCount();
    if (t.type == TensorType::String) {
        std::vector<std::string> strings(static_cast<size_t>(n));
        for (auto& s : strings)
            s = "s" + std::to_string(splitmix64(state) % 1000);
        return setStrings(t, strings);
    }
    if (t.data == nullptr && n > 0)
        return {ErrorCode::Runtime, "input " + std::to_string(k) + " has no memory"};
    auto uniform = [&] {
        return o.floatLo + (o.floatHi - o.floatLo) * static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53;
    };
    auto integer = [&] {
        const uint64_t span = static_cast<uint64_t>(o.intHi - o.intLo) + 1;
        return o.intLo + static_cast<int64_t>(splitmix64(state) % span);
    };
    for (int64_t i = 0; i < n; ++i) {
        switch (t.type) {
            case TensorType::Float32:
                t.as<float>()[i] = static_cast<float>(uniform());
                break;
            case TensorType::Float64:
                t.as<double>()[i] = uniform();
                break;
            case TensorType::Float16:
                t.as<uint16_t>()[i] = floatToHalf(static_cast<float>(uniform()));
                break;
            case TensorType::Int8:
            case TensorType::UInt8:
                t.as<uint8_t>()[i] = static_cast<uint8_t>(splitmix64(state));
                break;
            case TensorType::Int16:
            case TensorType::UInt16:
                t.as<uint16_t>()[i] = static_cast<uint16_t>(splitmix64(state));
                break;
            case TensorType::Int32:
                t.as<int32_t>()[i] = static_cast<int32_t>(integer());
                break;
            case TensorType::UInt32:
                t.as<uint32_t>()[i] = static_cast<uint32_t>(integer());
                break;
            case TensorType::Int64:
                t.as<int64_t>()[i] = integer();
                break;
            case TensorType::UInt64:
                t.as<uint64_t>()[i] = static_cast<uint64_t>(integer());
                break;
            case TensorType::Bool:
                t.as<uint8_t>()[i] = splitmix64(state) & 1;
                break;
            default:
                return {ErrorCode::Unsupported, "input " + std::to_string(k) + ": cannot generate " +
                                                    std::string(tensorTypeName(t.type)) + " values"};
        }
    }
    return Status::ok();
}

Result<std::vector<uint8_t>> readFileBytes(const std::string& path, uint64_t maxBytes) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return Result<std::vector<uint8_t>>(ErrorCode::Io, path + ": " + ec.message());
    if (size > maxBytes)
        return Result<std::vector<uint8_t>>(ErrorCode::Io,
                                            path + ": too large (" + std::to_string(size) + " bytes)");
    std::vector<uint8_t> bytes(size);
    std::ifstream in(path, std::ios::binary);
    if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size)))
        return Result<std::vector<uint8_t>>(ErrorCode::Io, path + ": cannot read");
    return bytes;
}

Status readRawInput(RuntimeTensor& t, const std::string& path, const std::string& what) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return {ErrorCode::Io, path + ": " + ec.message()};
    if (t.type == TensorType::String) {
        auto bytes = readFileBytes(path, uint64_t{1} << 31);
        if (!bytes) return bytes.status();
        Status s = setPackedStrings(t, *bytes);
        return s ? s : Status(ErrorCode::InvalidArgument, what + ": " + path + ": " + s.message());
    }
    if (size != t.bytes)
        return {ErrorCode::InvalidArgument, what + ": " + path + " has " + std::to_string(size) +
                                                " bytes, but the tensor " + t.shape.toString() + " " +
                                                std::string(tensorTypeName(t.type)) + " needs " +
                                                std::to_string(t.bytes)};
    std::ifstream in(path, std::ios::binary);
    if (!in.read(reinterpret_cast<char*>(t.data), static_cast<std::streamsize>(size)))
        return {ErrorCode::Io, path + ": cannot read"};
    return Status::ok();
}

Status writeRawOutput(const RuntimeTensor& t, const std::string& path) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) return {ErrorCode::Io, path + ": cannot create"};
    out.write(reinterpret_cast<const char*>(t.data), static_cast<std::streamsize>(t.bytes));
    return out ? Status::ok() : Status(ErrorCode::Io, path + ": cannot write");
}

OutputSummary summarizeOutput(const RuntimeTensor& t, size_t topK) {
    OutputSummary s;
    const int64_t n = t.elementCount();
    if (n == 0 || t.data == nullptr || tensorTypeBits(t.type) == 0) return s;
    s.min = std::numeric_limits<double>::infinity();
    s.max = -s.min;
    double sum = 0;
    int64_t finite = 0;
    for (int64_t i = 0; i < n; ++i) {
        double v = elementAsDouble(t, i);
        if (!std::isfinite(v)) {
            ++s.nonFinite;
            continue;
        }
        s.min = std::min(s.min, v);
        s.max = std::max(s.max, v);
        sum += v;
        ++finite;
    }
    s.mean = finite ? sum / static_cast<double>(finite) : 0;
    if (finite == 0) s.min = s.max = 0;
    // A classifier's scores: [N] or [1, N] with a few classes or more.
    const bool classifier =
        (t.shape.rank() == 1 || (t.shape.rank() == 2 && t.shape[0] == 1)) && n >= 2 && n <= 100000;
    if (classifier) {
        std::vector<std::pair<int64_t, double>> all;
        for (int64_t i = 0; i < n; ++i)
            all.push_back({i, elementAsDouble(t, i)});
        const size_t k = std::min<size_t>(topK, all.size());
        std::partial_sort(all.begin(), all.begin() + static_cast<long>(k), all.end(),
                          [](const auto& a, const auto& b) { return a.second > b.second; });
        s.top.assign(all.begin(), all.begin() + static_cast<long>(k));
    }
    return s;
}

Result<const SignatureDef*> signatureNamed(const Interpreter& interpreter, const std::string& key) {
    if (key.empty()) return static_cast<const SignatureDef*>(nullptr);
    if (const SignatureDef* signature = interpreter.findSignature(key)) return signature;
    std::string keys;
    for (const SignatureDef& s : interpreter.model().signatures())
        keys += (keys.empty() ? "" : ", ") + std::string(s.key);
    return Status{ErrorCode::InvalidArgument,
                  "no signature '" + key + "' (the model has: " + (keys.empty() ? "none" : keys) + ")"};
}

OutputCheck compareOutput(const RuntimeTensor& t, const std::vector<uint8_t>& ref,
                          const std::vector<int32_t>& refShape, int64_t integerTolerance) {
    OutputCheck c;
    const Shape expected(std::span<const int32_t>(refShape.data(), refShape.size()));
    if (expected != t.shape) {
        c.shapeMatches = false;
        c.note = "shape " + t.shape.toString() + " differs from the reference " + expected.toString();
        return c;
    }
    if (ref.size() != t.bytes) {
        c.note = "size " + std::to_string(t.bytes) + " bytes differs from the reference's " +
                 std::to_string(ref.size());
        return c;
    }
    const int64_t n = t.elementCount();
    if (t.type == TensorType::Float32 || t.type == TensorType::Float64) {
        auto refAt = [&](int64_t i) {
            if (t.type == TensorType::Float32) {
                float v;
                std::memcpy(&v, ref.data() + i * 4, 4);
                return static_cast<double>(v);
            }
            double v;
            std::memcpy(&v, ref.data() + i * 8, 8);
            return v;
        };
        double maxRef = 0;
        for (int64_t i = 0; i < n; ++i)
            if (std::isfinite(refAt(i))) maxRef = std::max(maxRef, std::fabs(refAt(i)));
        c.tolerance = 1e-4 * std::max(1.0, maxRef);
        for (int64_t i = 0; i < n; ++i) {
            const double a = elementAsDouble(t, i), b = refAt(i);
            double diff = std::fabs(a - b);
            if (std::isnan(a) && std::isnan(b))
                diff = 0;
            else if (std::isinf(a) && a == b)
                diff = 0;
            else if (!std::isfinite(diff))
                diff = std::numeric_limits<double>::infinity();
            c.maxAbsDiff = std::max(c.maxAbsDiff, diff);
            if (!(diff <= c.tolerance)) {
                if (c.firstMismatch < 0) c.firstMismatch = i;
                ++c.mismatches;
            }
        }
    } else {
        // Integers, bools, and everything else: byte for byte, reporting the largest element difference.
        const size_t width = std::max<size_t>(tensorTypeBits(t.type) / 8, 1);
        for (int64_t i = 0; i < n; ++i) {
            if (std::memcmp(t.data + i * static_cast<int64_t>(width),
                            ref.data() + i * static_cast<int64_t>(width), width) != 0) {
                RuntimeTensor view;
                view.type = t.type;
                view.data = const_cast<uint8_t*>(ref.data());
                const double diff = std::fabs(elementAsDouble(t, i) - elementAsDouble(view, i));
                c.maxAbsDiff = std::max(c.maxAbsDiff, diff);
                if (c.firstDiffering < 0) c.firstDiffering = i;
                if (integerTolerance > 0 && diff <= static_cast<double>(integerTolerance)) {
                    ++c.withinIntegerTolerance;
                    continue;
                }
                if (c.firstMismatch < 0) c.firstMismatch = i;
                ++c.mismatches;
            }
        }
    }
    c.withinTolerance = c.mismatches == 0;
    return c;
}

}  // namespace litescope
