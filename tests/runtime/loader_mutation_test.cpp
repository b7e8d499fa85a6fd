// Thousands of deterministic corruptions of real models: truncations, flipped bytes, and targeted damage to
// the fields a loader trusts (indices, dimensions, offsets, vector lengths). Each corrupted file must either
// load, and then survive the whole inspect report, or be rejected with a message. Built with AddressSanitizer
// and UndefinedBehaviorSanitizer (ctest label "sanitize"), so an out-of-bounds read fails the test.
#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "format/tflite_generated.h"
#include "profiler/inspect_report.h"
#include "profiler/model_report.h"
#include "runtime/model.h"
#include "tests/support/model_builder.h"
#include "tests/support/shared_data.h"

namespace litescope::test {
namespace {

using Bytes = std::vector<uint8_t>;

struct Outcome {
    int loaded = 0;
    int rejected = 0;
};

// Loads `bytes`; on success runs everything inspect runs. Returns whether it loaded.
bool exercise(const Bytes& bytes, const std::string& what) {
    auto model = Model::fromBytes(bytes, what);
    if (!model) {
        EXPECT_TRUE(model.code() == ErrorCode::NotAModel || model.code() == ErrorCode::InvalidModel) << what;
        EXPECT_FALSE(model.message().empty()) << what;
        EXPECT_EQ(model.message().find('\n'), std::string::npos) << what << ": " << model.message();
        return false;
    }
    ModelReport report = buildModelReport(**model);
    std::string json =
        inspectJson(**model, report).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::string text = inspectText(**model, report, {.constantTensors = true, .operators = true});
    EXPECT_FALSE(json.empty());
    EXPECT_FALSE(text.empty());
    return true;
}

void put32(Bytes& b, size_t pos, uint32_t v) {
    if (pos + 4 <= b.size()) std::memcpy(b.data() + pos, &v, 4);
}
void put64(Bytes& b, size_t pos, uint64_t v) {
    if (pos + 8 <= b.size()) std::memcpy(b.data() + pos, &v, 8);
}

// Where a scalar field of a table lives in the file, or npos when it is absent (default value).
template <typename T>
size_t fieldOffset(const Bytes& base, const T* table, flatbuffers::voffset_t field) {
    const uint8_t* p = reinterpret_cast<const flatbuffers::Table*>(table)->GetAddressOf(field);
    return p ? static_cast<size_t>(p - base.data()) : std::string::npos;
}
template <typename V>
size_t vectorLengthOffset(const Bytes& base, const V* vec) {
    return vec ? static_cast<size_t>(reinterpret_cast<const uint8_t*>(vec) - base.data()) : std::string::npos;
}

// A targeted corruption: a name, and a function that damages a copy of the file.
struct Damage {
    std::string name;
    std::function<void(Bytes&)> apply;
    bool mustReject;  // certainly invalid: the loader may not accept it
};

std::vector<Damage> targetedDamage(const Bytes& original, std::mt19937& rng) {
    std::vector<Damage> out;
    const fb::Model* m = fb::GetModel(original.data());
    const auto* sgs = m->subgraphs();
    const uint32_t hugeIndex = 0x7fffff00u;
    auto pick = [&](size_t n) {
        return static_cast<uint32_t>(std::uniform_int_distribution<size_t>(0, n - 1)(rng));
    };

    for (uint32_t s = 0; sgs && s < sgs->size(); ++s) {
        const fb::SubGraph* sg = sgs->Get(s);
        const auto* tensors = sg->tensors();
        const auto* ops = sg->operators();
        for (int k = 0; tensors && tensors->size() > 0 && k < 12; ++k) {
            const fb::Tensor* t = tensors->Get(pick(tensors->size()));
            const std::string at = "subgraph " + std::to_string(s) + " tensor";
            if (size_t f = fieldOffset(original, t, fb::Tensor::VT_BUFFER); f != std::string::npos)
                out.push_back(
                    {at + " buffer index huge", [f, hugeIndex](Bytes& b) { put32(b, f, hugeIndex); }, true});
            if (t->shape() && t->shape()->size() > 0) {
                size_t data = static_cast<size_t>(reinterpret_cast<const uint8_t*>(t->shape()->data()) -
                                                  original.data());
                size_t rank = t->shape()->size();
                out.push_back(
                    {at + " negative dimension", [data](Bytes& b) { put32(b, data, 0xffffffffu); }, true});
                out.push_back({at + " huge dimensions",
                               [data, rank](Bytes& b) {
                                   for (size_t d = 0; d < rank; ++d)
                                       put32(b, data + 4 * d, 0x7fffffffu);
                               },
                               rank >= 3});
                out.push_back({at + " shape length huge",
                               [len = vectorLengthOffset(original, t->shape())](Bytes& b) {
                                   put32(b, len, 0x3fffffffu);
                               },
                               true});
            }
            if (const auto* q = t->quantization()) {
                if (size_t f = fieldOffset(original, q, fb::QuantizationParameters::VT_QUANTIZED_DIMENSION);
                    f != std::string::npos)
                    out.push_back({at + " quantized dimension", [f](Bytes& b) { put32(b, f, 0x40000000u); },
                                   q->scale() && q->scale()->size() > 1});
                if (q->scale() && q->scale()->size() > 0)
                    out.push_back({at + " scale count grown",
                                   [len = vectorLengthOffset(original, q->scale())](Bytes& b) {
                                       uint32_t n;
                                       std::memcpy(&n, b.data() + len, 4);
                                       put32(b, len, n + 1);
                                   },
                                   false});
            }
            if (t->name())
                out.push_back({at + " name length huge",
                               [len = vectorLengthOffset(original, t->name())](Bytes& b) {
                                   put32(b, len, 0x7ffffff0u);
                               },
                               true});
        }
        for (int k = 0; ops && ops->size() > 0 && k < 12; ++k) {
            const fb::Operator* op = ops->Get(pick(ops->size()));
            const std::string at = "subgraph " + std::to_string(s) + " operator";
            if (size_t f = fieldOffset(original, op, fb::Operator::VT_OPCODE_INDEX); f != std::string::npos)
                out.push_back(
                    {at + " opcode index huge", [f, hugeIndex](Bytes& b) { put32(b, f, hugeIndex); }, true});
            if (op->inputs() && op->inputs()->size() > 0) {
                size_t data = static_cast<size_t>(reinterpret_cast<const uint8_t*>(op->inputs()->data()) -
                                                  original.data());
                out.push_back({at + " input index huge",
                               [data, hugeIndex](Bytes& b) { put32(b, data, hugeIndex); }, true});
                out.push_back(
                    {at + " input index -2", [data](Bytes& b) { put32(b, data, 0xfffffffeu); }, true});
                out.push_back({at + " input count huge",
                               [len = vectorLengthOffset(original, op->inputs())](Bytes& b) {
                                   put32(b, len, 0x10000000u);
                               },
                               true});
            }
            if (op->outputs() && op->outputs()->size() > 0) {
                size_t data = static_cast<size_t>(reinterpret_cast<const uint8_t*>(op->outputs()->data()) -
                                                  original.data());
                out.push_back({at + " output index huge",
                               [data, hugeIndex](Bytes& b) { put32(b, data, hugeIndex); }, true});
            }
            if (auto* w = op->builtin_options_as_WhileOptions()) {
                if (size_t f = fieldOffset(original, w, fb::WhileOptions::VT_BODY_SUBGRAPH_INDEX);
                    f != std::string::npos)
                    out.push_back(
                        {at + " while body out of range", [f](Bytes& b) { put32(b, f, 1000u); }, true});
                if (size_t f = fieldOffset(original, w, fb::WhileOptions::VT_BODY_SUBGRAPH_INDEX);
                    f != std::string::npos)
                    out.push_back(
                        {at + " while body is its own caller", [f, s](Bytes& b) { put32(b, f, s); }, true});
            }
        }
        if (sg->inputs() && sg->inputs()->size() > 0) {
            size_t data =
                static_cast<size_t>(reinterpret_cast<const uint8_t*>(sg->inputs()->data()) - original.data());
            out.push_back({"subgraph input index huge",
                           [data, hugeIndex](Bytes& b) { put32(b, data, hugeIndex); }, true});
        }
    }
    if (const auto* buffers = m->buffers()) {
        for (int k = 0; buffers->size() > 1 && k < 10; ++k) {
            const fb::Buffer* buf = buffers->Get(1 + pick(buffers->size() - 1));
            if (buf->data() && buf->data()->size() > 0)
                out.push_back({"buffer data length past the end",
                               [len = vectorLengthOffset(original, buf->data())](Bytes& b) {
                                   put32(b, len, static_cast<uint32_t>(b.size()));
                               },
                               true});
            if (size_t f = fieldOffset(original, buf, fb::Buffer::VT_OFFSET); f != std::string::npos) {
                out.push_back({"external buffer offset past the end",
                               [f](Bytes& b) { put64(b, f, static_cast<uint64_t>(b.size()) + 16); }, true});
                out.push_back({"external buffer offset overflows",
                               [f](Bytes& b) { put64(b, f, ~uint64_t{0} - 8); }, true});
            }
            if (size_t f = fieldOffset(original, buf, fb::Buffer::VT_SIZE); f != std::string::npos)
                out.push_back({"external buffer size past the end",
                               [f](Bytes& b) { put64(b, f, uint64_t{1} << 40); }, true});
        }
    }
    if (const auto* sigs = m->signature_defs(); sigs && sigs->size() > 0) {
        const fb::SignatureDef* sd = sigs->Get(0);
        if (size_t f = fieldOffset(original, sd, fb::SignatureDef::VT_SUBGRAPH_INDEX); f != std::string::npos)
            out.push_back(
                {"signature subgraph huge", [f, hugeIndex](Bytes& b) { put32(b, f, hugeIndex); }, true});
        if (sd->inputs() && sd->inputs()->size() > 0) {
            const fb::TensorMap* tm = sd->inputs()->Get(0);
            if (size_t f = fieldOffset(original, tm, fb::TensorMap::VT_TENSOR_INDEX); f != std::string::npos)
                out.push_back(
                    {"signature tensor huge", [f, hugeIndex](Bytes& b) { put32(b, f, hugeIndex); }, true});
        }
    }
    out.push_back({"root offset past the end",
                   [](Bytes& b) { put32(b, 0, static_cast<uint32_t>(b.size()) + 4); }, true});
    out.push_back({"identifier wiped", [](Bytes& b) { put32(b, 4, 0); }, false});
    return out;
}

Outcome mutate(const Bytes& original, const std::string& name, uint32_t seed, int randomCount) {
    Outcome o;
    auto record = [&](bool loaded) { loaded ? ++o.loaded : ++o.rejected; };
    std::mt19937 rng(seed);

    EXPECT_TRUE(exercise(original, name)) << name << " must load before it is corrupted";

    // Truncations: every length near the start and the end, and a spread in between.
    std::vector<size_t> lengths;
    for (size_t n = 0; n < 64 && n < original.size(); ++n)
        lengths.push_back(n);
    for (size_t k = 1; k <= 40; ++k)
        lengths.push_back(original.size() * k / 41);
    for (size_t n = 1; n <= 16 && n < original.size(); ++n)
        lengths.push_back(original.size() - n);
    for (size_t n : lengths) {
        Bytes b(original.begin(), original.begin() + static_cast<long>(n));
        record(exercise(b, name + " truncated to " + std::to_string(n)));
    }

    // Random damage: flipped bits, overwritten words with values that break sizes and indices.
    const uint32_t interesting[] = {
        0u,          1u,          0xffffffffu, 0x7fffffffu,
        0x80000000u, 0xfffffffeu, 0x10000u,    static_cast<uint32_t>(original.size())};
    std::uniform_int_distribution<size_t> anywhere(0, original.size() - 1);
    // Most of a model is weights, where damage is harmless; aim half the edits at the flatbuffer's tables.
    const size_t structureEnd = std::min<size_t>(original.size(), 4096);
    std::uniform_int_distribution<size_t> nearStructure(0, structureEnd - 1);
    for (int k = 0; k < randomCount; ++k) {
        Bytes b = original;
        const int edits = 1 + k % 4;
        for (int e = 0; e < edits; ++e) {
            size_t pos = (k % 2) ? anywhere(rng) : nearStructure(rng);
            switch (rng() % 3) {
                case 0:
                    b[pos] ^= static_cast<uint8_t>(1u << (rng() % 8));
                    break;
                case 1:
                    b[pos] = static_cast<uint8_t>(rng());
                    break;
                default:
                    put32(b, pos & ~size_t{3}, interesting[rng() % std::size(interesting)]);
                    break;
            }
        }
        record(exercise(b, name + " random edit " + std::to_string(k)));
    }

    // Targeted damage to the fields the loader must check.
    for (const Damage& d : targetedDamage(original, rng)) {
        Bytes b = original;
        d.apply(b);
        bool loaded = exercise(b, name + ": " + d.name);
        if (d.mustReject) {
            EXPECT_FALSE(loaded) << name << ": " << d.name << " was accepted";
        }
        record(loaded);
    }
    return o;
}

Bytes readModel(const std::string& relative) {
    std::string s = readText(modelPath(relative));
    return Bytes(s.begin(), s.end());
}

struct Case {
    const char* model;
    int randomEdits;
};

class LoaderMutation : public ::testing::TestWithParam<Case> {};

TEST_P(LoaderMutation, EveryCorruptionLoadsOrIsRejectedWithAMessage) {
    const Case c = GetParam();
    Bytes original = readModel(c.model);
    ASSERT_FALSE(original.empty()) << c.model;
    Outcome o = mutate(original, c.model, 1234, c.randomEdits);
    std::printf("%s: %d corrupted files loaded, %d rejected\n", c.model, o.loaded, o.rejected);
    EXPECT_GT(o.rejected, 0);
}

const Case kCases[] = {
    {"mediapipe/mediapipe/modules/face_detection/face_detection_short_range.tflite",
     500},  // fp16, DEQUANTIZE
    {"mlcommons-tiny/v0.1/training/visual_wake_words/trained_models/vww_96_int8.tflite",
     500},  // per-channel int8
    {"tflite-support/tensorflow_lite_support/cc/test/testdata/task/vision/mobilenet_v1_0.25_224_quant.tflite",
     400},  // uint8, metadata, packed labels
    {"litert/litert/test/testdata/simple_group_norm_op.tflite",
     400},  // buffers after the flatbuffer, composite
    {"mediapipe/mediapipe/modules/hand_landmark/hand_landmark_sparse.tflite",
     300},                                                               // sparse weights, DENSIFY
    {"litert/tflite/testdata/while_op_with_forwarding_input.bin", 400},  // control flow
    {"litert/tflite/testdata/string_input_model.bin", 300},              // strings
    {"ai-edge-quantizer/ai_edge_quantizer/tests/models/two_signatures.tflite", 300},  // signatures
};

INSTANTIATE_TEST_SUITE_P(RealModels, LoaderMutation, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& param) {
                             return "model" + std::to_string(param.index);
                         });

// The builder's model with what real files rarely have: packed strings, external buffers, CSR sparsity.
TEST(LoaderMutationBuilt, ConstantStringsExternalBuffersAndSparsity) {
    ModelBuilder b = ModelBuilder::smallFloatModel();
    b.buffers[1].external = true;  // the FC weights, stored after the flatbuffer
    std::vector<uint8_t> strings = {2, 0,  0, 0, 16, 0,   0,   0,   18,  0,  0,
                                    0, 21, 0, 0, 0,  'h', 'i', 'y', 'o', 'u'};
    b.addConstantBytes("strings", fb::TensorType::STRING, {2}, strings);
    TensorSpec sparse;
    sparse.name = "sparse";
    sparse.shape = {2, 3};
    sparse.buffer = b.addBuffer(toBytes(std::vector<float>{1.f, 2.f}));
    SparsitySpec sp;
    sp.traversalOrder = {0, 1};
    sp.dims = {{false, 2, {}, {}, false}, {true, 0, {0, 1, 2}, {1, 2}, false}};
    sparse.sparsity = sp;
    b.addTensor(sparse);
    Bytes original = b.build();
    Outcome o = mutate(original, "built model", 99, 400);
    EXPECT_GT(o.rejected, 0);
}

}  // namespace
}  // namespace litescope::test
