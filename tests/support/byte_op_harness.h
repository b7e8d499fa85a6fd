// A harness for kernels that move bytes without arithmetic (shape and index ops): operands given as raw
// bytes (graph inputs, constants or omitted), results read back as bytes, random shapes and element bytes.
#pragma once

#include <cstring>
#include <functional>
#include <optional>
#include <random>
#include <vector>

#include "tests/support/single_op_model.h"

namespace litescope::test {

using B = fb::BuiltinOperator;
using Dims = std::vector<int32_t>;
using Bytes = std::vector<uint8_t>;
using OptionsFn = std::function<flatbuffers::Offset<void>(flatbuffers::FlatBufferBuilder&)>;

struct In {
    In(fb::TensorType t, Dims s, Bytes b, bool c = false, std::optional<QuantSpec> q = std::nullopt,
       bool o = false)
        : type(t), shape(std::move(s)), bytes(std::move(b)), constant(c), quant(std::move(q)), omitted(o) {}
    fb::TensorType type;
    Dims shape;
    Bytes bytes;
    bool constant;
    std::optional<QuantSpec> quant;
    bool omitted;
};

struct Out {
    Out(fb::TensorType t, std::optional<QuantSpec> q = std::nullopt) : type(t), quant(std::move(q)) {}
    fb::TensorType type;
    std::optional<QuantSpec> quant;
};

struct Result {
    Status status;
    std::vector<Dims> shapes;
    std::vector<Bytes> data;
};

template <typename T>
inline In values(fb::TensorType type, Dims shape, const std::vector<T>& v, bool constant = false) {
    return {type, std::move(shape), toBytes(v), constant, std::nullopt, false};
}

inline Result run(B op, const std::vector<In>& ins, const std::vector<Out>& outs,
                  fb::BuiltinOptions optionsType = fb::BuiltinOptions::NONE, OptionsFn options = nullptr) {
    SingleOpModel m(op);
    for (const In& in : ins) {
        if (in.omitted)
            m.addOmittedInput();
        else if (in.constant)
            m.addConstBytes(in.type, in.shape, in.bytes, in.quant);
        else
            m.addInput(in.type, in.shape, in.quant);
    }
    for (const Out& o : outs)
        m.addOutput(o.type, {}, o.quant);
    if (options) m.setOptions(optionsType, options);
    Result r;
    r.status = m.build();
    if (!r.status.isOk()) return r;
    for (size_t i = 0; i < ins.size(); ++i)
        if (!ins[i].omitted && !ins[i].constant) m.setInput<uint8_t>(static_cast<int>(i), ins[i].bytes);
    r.status = m.invoke();
    if (!r.status.isOk()) return r;
    for (size_t i = 0; i < outs.size(); ++i) {
        r.shapes.push_back(m.outputShape(static_cast<int>(i)));
        r.data.push_back(m.output<uint8_t>(static_cast<int>(i)));
    }
    return r;
}

template <typename T>
inline std::vector<T> as(const Bytes& b) {
    std::vector<T> v(b.size() / sizeof(T));
    if (!v.empty()) std::memcpy(v.data(), b.data(), v.size() * sizeof(T));
    return v;
}

inline Dims randomShape(std::mt19937& rng, int minRank, int maxRank, int maxDim, int minDim = 1) {
    const int rank = minRank + static_cast<int>(rng() % static_cast<unsigned>(maxRank - minRank + 1));
    Dims s(static_cast<size_t>(rank));
    for (auto& d : s)
        d = minDim + static_cast<int32_t>(rng() % static_cast<unsigned>(maxDim - minDim + 1));
    return s;
}

// An element type and its size: data moves as bytes, so a few sizes cover every fixed-size type.
struct Elem {
    fb::TensorType type;
    size_t size;
};

inline Bytes randomBytes(std::mt19937& rng, const Elem& e, int64_t n) {
    Bytes b(static_cast<size_t>(n) * e.size);
    for (auto& x : b)
        x = static_cast<uint8_t>(rng());
    if (e.type == fb::TensorType::BOOL)
        for (auto& x : b)
            x &= 1;
    return b;
}

// Output element i is input element source(i), or `pad` (one element's bytes) where source gives -1.
inline Bytes gather(const Bytes& in, size_t es, int64_t n, const std::function<int64_t(int64_t)>& source,
                    const Bytes& pad = {}) {
    Bytes out(static_cast<size_t>(n) * es);
    for (int64_t i = 0; i < n; ++i) {
        const int64_t s = source(i);
        const uint8_t* from = s < 0 ? pad.data() : in.data() + static_cast<size_t>(s) * es;
        std::memcpy(out.data() + static_cast<size_t>(i) * es, from, es);
    }
    return out;
}

#define EXPECT_OK(r) ASSERT_TRUE((r).status.isOk()) << (r).status.message()
#define EXPECT_ERROR(r, text)                                                                  \
    do {                                                                                       \
        ASSERT_FALSE((r).status.isOk());                                                       \
        EXPECT_NE((r).status.message().find(text), std::string::npos) << (r).status.message(); \
    } while (0)

}  // namespace litescope::test
