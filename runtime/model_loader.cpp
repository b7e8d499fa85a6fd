// Turns the bytes of a .tflite file into a validated Model: recognise the file, verify the flatbuffer, then
// check every index, shape, size and offset that a later step will trust, and say where a rule is broken.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "format/tflite_generated.h"
#include "runtime/model.h"

static_assert(std::endian::native == std::endian::little, "the model form views little-endian data in place");

namespace litescope {

namespace {

constexpr size_t kMaxWarnings = 200;

template <typename T>
std::span<const T> view(const flatbuffers::Vector<T>* v) {
    if (!v) return {};
    return {v->data(), v->size()};
}

std::string_view view(const flatbuffers::String* s) {
    return s ? std::string_view(s->c_str(), s->size()) : "";
}

std::string shapeString(std::span<const int32_t> shape) {
    std::string out = "[";
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i) out += ",";
        out += std::to_string(shape[i]);
    }
    return out + "]";
}

bool isPrintableText(std::span<const uint8_t> bytes) {
    size_t n = std::min<size_t>(bytes.size(), 512);
    for (size_t i = 0; i < n; ++i) {
        uint8_t c = bytes[i];
        if (c == '\n' || c == '\r' || c == '\t' || (c >= 0x20 && c < 0x7f) || c >= 0x80) continue;
        return false;
    }
    return true;
}

// Recognises common formats that people mistake for models, for a message that says what the file is.
std::string_view knownFormat(std::span<const uint8_t> b) {
    auto starts = [&](std::string_view magic) {
        return b.size() >= magic.size() && std::memcmp(b.data(), magic.data(), magic.size()) == 0;
    };
    if (starts("PK\x03\x04")) return "a ZIP archive";
    if (starts("\x89HDF\r\n\x1a\n"))
        return "an HDF5 file (a Keras .h5 model? convert it with the TFLite converter)";
    if (starts("\x7f"
               "ELF"))
        return "an ELF executable or library";
    if (starts("\x1f\x8b")) return "a gzip-compressed file";
    if (starts("%PDF")) return "a PDF document";
    if (starts("\x89PNG")) return "a PNG image";
    if (starts("\xff\xd8\xff")) return "a JPEG image";
    if (starts("\x93NUMPY")) return "a NumPy .npy array";
    return {};
}

bool isIdentifierChar(uint8_t c) {
    return c >= 0x20 && c < 0x7f;
}

}  // namespace

class ModelLoader {
  public:
    ModelLoader(Model& model, const LoadOptions& options) : m_(model), options_(options) {}

    Status load() {
        bytes_ = m_.bytes_;
        // Each element of an index vector occupies at least one byte of a well-formed file; walking more
        // than that means vectors are shared or overlap, which only a crafted file does.
        budget_ = 2 * static_cast<uint64_t>(bytes_.size()) + 4096;
        if (Status s = identify(); !s) return s;
        if (Status s = verify(); !s) return s;
        m_.root_ = fb::GetModel(bytes_.data());
        m_.version_ = m_.root_->version();
        m_.description_ = view(m_.root_->description());
        if (m_.version_ != 3)
            warn("the schema version is " + std::to_string(m_.version_) + ", TFLite writes 3");
        if (Status s = readBuffers(); !s) return s;
        if (Status s = readOperatorCodes(); !s) return s;
        if (Status s = readSubgraphs(); !s) return s;
        if (Status s = checkCallGraph(); !s) return s;
        checkDataFlow();
        if (Status s = readSignatures(); !s) return s;
        if (Status s = readMetadata(); !s) return s;
        if (droppedWarnings_ > 0)
            m_.warnings_.push_back("... and " + std::to_string(droppedWarnings_) + " more warnings");
        return Status::ok();
    }

  private:
    static Status invalid(std::string message) { return {ErrorCode::InvalidModel, std::move(message)}; }
    static Status notAModel(std::string message) { return {ErrorCode::NotAModel, std::move(message)}; }

    void warn(std::string message) {
        if (m_.warnings_.size() < kMaxWarnings)
            m_.warnings_.push_back(std::move(message));
        else
            ++droppedWarnings_;
    }

    bool spend(size_t elements) {
        if (elements > budget_) return false;
        budget_ -= elements;
        return true;
    }
    Status overBudget(const std::string& where) {
        return invalid(where +
                       ": the file's vectors overlap (the same data referenced over and over); a "
                       "well-formed model never does this");
    }

    size_t flatbufferLimit() const {
        // The verifier cannot take 2 GiB or more; models that large keep their weights after the
        // flatbuffer (Buffer.offset), so the flatbuffer itself is within the first 2 GiB.
        return std::min<size_t>(bytes_.size(), FLATBUFFERS_MAX_BUFFER_SIZE - 1);
    }

    flatbuffers::Verifier::Options verifierOptions() const {
        flatbuffers::Verifier::Options o;
        o.max_depth = 64;
        uint64_t byFileSize = bytes_.size() / 16 + 100'000;
        o.max_tables =
            static_cast<flatbuffers::uoffset_t>(std::min<uint64_t>(options_.maxTables, byFileSize));
        o.check_alignment = true;
        return o;
    }

    Status identify() {
        const size_t n = bytes_.size();
        if (n == 0) return notAModel("not a TFLite model: the file is empty");
        if (n < 8)
            return notAModel("not a TFLite model: the file is only " + std::to_string(n) + " bytes long");
        std::string_view id(reinterpret_cast<const char*>(bytes_.data()) + 4, 4);
        if (id == fb::ModelIdentifier()) return Status::ok();

        if (auto what = knownFormat(bytes_); !what.empty())
            return notAModel("not a TFLite model: this is " + std::string(what));
        // Files written without an identifier still load if they verify as a TFLite model.
        flatbuffers::Verifier v(bytes_.data(), flatbufferLimit(), verifierOptions());
        if (v.VerifyBuffer<fb::Model>(nullptr) && fb::GetModel(bytes_.data())->subgraphs() &&
            fb::GetModel(bytes_.data())->version() == 3) {
            warn("the file has no 'TFL3' identifier but is a valid TFLite flatbuffer");
            return Status::ok();
        }
        if (isPrintableText(bytes_)) return notAModel("not a TFLite model: this is a text file");
        bool printableId = std::all_of(id.begin(), id.end(), [](char c) { return isIdentifierChar(c); });
        uint32_t root = flatbuffers::ReadScalar<uint32_t>(bytes_.data());
        if (printableId && root >= 8 && root < n)
            return notAModel("not a TFLite model: this is a FlatBuffer with file identifier '" +
                             std::string(id) + "' (TFLite models use 'TFL3')");
        return notAModel(
            "not a TFLite model: no 'TFL3' identifier, and the bytes are not a TFLite flatbuffer");
    }

    Status verify() {
        // The identifier was judged by identify(); verify the structure with or without it.
        flatbuffers::Verifier v(bytes_.data(), flatbufferLimit(), verifierOptions());
        if (v.VerifyBuffer<fb::Model>(nullptr)) return Status::ok();
        return invalid("truncated or corrupt TFLite file: the flatbuffer does not verify (" +
                       locateVerifyFailure() + ")");
    }

    // The flatbuffers verifier only says yes or no; verify piece by piece to say where it fails.
    std::string locateVerifyFailure() {
        const size_t len = flatbufferLimit();
        auto fresh = [&] { return flatbuffers::Verifier(bytes_.data(), len, verifierOptions()); };
        auto table = [](const auto* t) { return reinterpret_cast<const flatbuffers::Table*>(t); };
        auto tooLong = [&](const char* what) {
            return std::string(what) + " lies outside the file's " + std::to_string(bytes_.size()) +
                   " bytes: the file looks truncated";
        };
        uint32_t rootOffset = flatbuffers::ReadScalar<uint32_t>(bytes_.data());
        if (rootOffset >= len) return tooLong("the root table");
        const fb::Model* model = fb::GetModel(bytes_.data());
        {
            auto v = fresh();
            if (!v.VerifyTableStart(reinterpret_cast<const uint8_t*>(model)))
                return "the root Model table is corrupt";
        }
        auto checkVector = [&](flatbuffers::voffset_t field, auto getter, const char* what,
                               auto element) -> std::string {
            auto v = fresh();
            if (!v.VerifyTableStart(reinterpret_cast<const uint8_t*>(model))) return "the root Model table";
            if (!table(model)->VerifyOffset(v, field) || !v.VerifyVector(getter())) return tooLong(what);
            auto* vec = getter();
            if (!vec) return {};
            for (flatbuffers::uoffset_t i = 0; i < vec->size(); ++i) {
                std::string where = element(vec->Get(i), i);
                if (!where.empty()) return where;
            }
            return {};
        };
        std::string where = checkVector(
            fb::Model::VT_OPERATOR_CODES, [&] { return model->operator_codes(); }, "the operator code list",
            [&](const fb::OperatorCode* c, uint32_t i) {
                auto v = fresh();
                return c->Verify(v) ? std::string() : "operator code " + std::to_string(i) + " is corrupt";
            });
        if (!where.empty()) return where;
        where = checkVector(
            fb::Model::VT_BUFFERS, [&] { return model->buffers(); }, "the buffer list",
            [&](const fb::Buffer* b, uint32_t i) {
                auto v = fresh();
                return b->Verify(v) ? std::string()
                                    : "buffer " + std::to_string(i) +
                                          " is corrupt or extends past the end of the file";
            });
        if (!where.empty()) return where;
        where = checkVector(
            fb::Model::VT_SUBGRAPHS, [&] { return model->subgraphs(); }, "the subgraph list",
            [&](const fb::SubGraph* sg, uint32_t i) -> std::string {
                std::string at = "subgraph " + std::to_string(i);
                {
                    auto v = fresh();
                    if (!v.VerifyTableStart(reinterpret_cast<const uint8_t*>(sg))) return at + " is corrupt";
                }
                auto v = fresh();
                v.VerifyTableStart(reinterpret_cast<const uint8_t*>(sg));
                if (!table(sg)->VerifyOffset(v, fb::SubGraph::VT_TENSORS) || !v.VerifyVector(sg->tensors()))
                    return at + ": the tensor list is corrupt";
                if (sg->tensors()) {
                    for (flatbuffers::uoffset_t t = 0; t < sg->tensors()->size(); ++t) {
                        auto vt = fresh();
                        if (!sg->tensors()->Get(t)->Verify(vt))
                            return at + ", tensor " + std::to_string(t) + " is corrupt";
                    }
                }
                if (!table(sg)->VerifyOffset(v, fb::SubGraph::VT_OPERATORS) ||
                    !v.VerifyVector(sg->operators()))
                    return at + ": the operator list is corrupt";
                if (sg->operators()) {
                    for (flatbuffers::uoffset_t o = 0; o < sg->operators()->size(); ++o) {
                        auto vo = fresh();
                        if (!sg->operators()->Get(o)->Verify(vo))
                            return at + ", operator " + std::to_string(o) + " is corrupt";
                    }
                }
                auto vs = fresh();
                if (!sg->Verify(vs)) return at + ": its inputs, outputs or name are corrupt";
                return {};
            });
        if (!where.empty()) return where;
        where = checkVector(
            fb::Model::VT_SIGNATURE_DEFS, [&] { return model->signature_defs(); }, "the signature list",
            [&](const fb::SignatureDef* s, uint32_t i) {
                auto v = fresh();
                return s->Verify(v) ? std::string() : "signature " + std::to_string(i) + " is corrupt";
            });
        if (!where.empty()) return where;
        where = checkVector(
            fb::Model::VT_METADATA, [&] { return model->metadata(); }, "the metadata list",
            [&](const fb::Metadata* md, uint32_t i) {
                auto v = fresh();
                return md->Verify(v) ? std::string() : "metadata entry " + std::to_string(i) + " is corrupt";
            });
        if (!where.empty()) return where;
        auto v = fresh();
        if (v.VerifyTableStart(reinterpret_cast<const uint8_t*>(model)) &&
            !(table(model)->VerifyOffset(v, fb::Model::VT_DESCRIPTION) &&
              v.VerifyString(model->description())))
            return "the model description is corrupt";
        return "the Model table is corrupt, or the file has more tables than a model of its size can have";
    }

    Status readBuffers() {
        auto* buffers = m_.root_->buffers();
        if (!buffers) return Status::ok();
        m_.buffers_.reserve(buffers->size());
        for (flatbuffers::uoffset_t i = 0; i < buffers->size(); ++i) {
            const fb::Buffer* b = buffers->Get(i);
            Buffer out;
            std::string at = "buffer " + std::to_string(i);
            const uint64_t offset = b->offset(), size = b->size();
            if (offset > 1) {
                if (b->data() && b->data()->size() > 0)
                    return invalid(at + " has both inline data and an external offset");
                if (offset > bytes_.size() || size > bytes_.size() - offset)
                    return invalid(at + ": its data at offset " + std::to_string(offset) + " with size " +
                                   std::to_string(size) + " lies past the end of the file (" +
                                   std::to_string(bytes_.size()) + " bytes): the file looks truncated");
                out.data = bytes_.subspan(offset, size);
                out.fileOffset = offset;
                out.external = true;
            } else if (b->data()) {
                out.data = {b->data()->data(), b->data()->size()};
                out.fileOffset = static_cast<uint64_t>(b->data()->data() - bytes_.data());
            }
            m_.buffers_.push_back(out);
        }
        if (!m_.buffers_.empty() && !m_.buffers_[0].data.empty())
            warn("buffer 0 holds data; the format reserves it as the empty buffer");
        return Status::ok();
    }

    Status readOperatorCodes() {
        auto* codes = m_.root_->operator_codes();
        if (!codes) return Status::ok();
        m_.operatorCodes_.reserve(codes->size());
        for (flatbuffers::uoffset_t i = 0; i < codes->size(); ++i) {
            const fb::OperatorCode* c = codes->Get(i);
            OperatorCode out;
            out.builtinCode =
                std::max<int32_t>(c->deprecated_builtin_code(), static_cast<int32_t>(c->builtin_code()));
            out.customCode = view(c->custom_code());
            out.version = c->version();
            if (out.builtinCode < 0)
                return invalid("operator code " + std::to_string(i) + " has a negative builtin code");
            if (out.builtinCode == kCustomBuiltinCode) {
                if (out.customCode.empty()) {
                    warn("operator code " + std::to_string(i) + " is CUSTOM but names no custom op");
                    out.name = "CUSTOM";
                } else {
                    out.name = std::string(out.customCode);
                }
            } else {
                out.name = builtinOperatorName(out.builtinCode);
                if (out.builtinCode > static_cast<int32_t>(fb::BuiltinOperator::MAX))
                    warn("operator code " + std::to_string(i) + " uses builtin code " +
                         std::to_string(out.builtinCode) + ", newer than the format this build knows");
            }
            if (out.version < 1)
                warn("operator code " + std::to_string(i) + " (" + out.name + ") has version " +
                     std::to_string(out.version));
            m_.operatorCodes_.push_back(std::move(out));
        }
        return Status::ok();
    }

    Status readSubgraphs() {
        auto* subgraphs = m_.root_->subgraphs();
        if (!subgraphs || subgraphs->size() == 0) return invalid("the model has no subgraphs");
        m_.subgraphs_.resize(subgraphs->size());
        for (flatbuffers::uoffset_t i = 0; i < subgraphs->size(); ++i) {
            Subgraph& sg = m_.subgraphs_[i];
            sg.index = static_cast<int32_t>(i);
            if (Status s = readSubgraph(*subgraphs->Get(i), sg); !s) return s;
        }
        return Status::ok();
    }

    Status readSubgraph(const fb::SubGraph& in, Subgraph& sg) {
        const std::string at = "subgraph " + std::to_string(sg.index);
        sg.name = view(in.name());
        const size_t tensorCount = in.tensors() ? in.tensors()->size() : 0;
        sg.tensors.resize(tensorCount);
        for (size_t t = 0; t < tensorCount; ++t) {
            sg.tensors[t].index = static_cast<int32_t>(t);
            if (Status s =
                    readTensor(*in.tensors()->Get(static_cast<flatbuffers::uoffset_t>(t)), sg, sg.tensors[t]);
                !s)
                return s;
        }
        auto checkTensorList = [&](std::span<const int32_t> list, const std::string& what,
                                   bool allowOmitted) {
            if (!spend(list.size())) return overBudget(at + ", " + what);
            for (size_t k = 0; k < list.size(); ++k) {
                int32_t idx = list[k];
                if ((idx == -1 && allowOmitted)) continue;
                if (idx < 0 || static_cast<size_t>(idx) >= tensorCount)
                    return invalid(at + ", " + what + " " + std::to_string(k) + " refers to tensor " +
                                   std::to_string(idx) + ", but the subgraph has " +
                                   std::to_string(tensorCount) + " tensors");
            }
            return Status::ok();
        };
        sg.inputs = view(in.inputs());
        sg.outputs = view(in.outputs());
        if (Status s = checkTensorList(sg.inputs, "input", false); !s) return s;
        if (Status s = checkTensorList(sg.outputs, "output", false); !s) return s;

        const size_t opCount = in.operators() ? in.operators()->size() : 0;
        sg.operators.resize(opCount);
        for (size_t o = 0; o < opCount; ++o) {
            Operator& op = sg.operators[o];
            const fb::Operator* raw = in.operators()->Get(static_cast<flatbuffers::uoffset_t>(o));
            op.index = static_cast<int32_t>(o);
            op.raw = raw;
            op.opcodeIndex = raw->opcode_index();
            if (op.opcodeIndex >= m_.operatorCodes_.size())
                return invalid(at + ", operator " + std::to_string(o) + ": operator code index " +
                               std::to_string(op.opcodeIndex) + " is out of range (the model has " +
                               std::to_string(m_.operatorCodes_.size()) + " operator codes)");
            const std::string opAt =
                at + ", operator " + std::to_string(o) + " (" + m_.operatorCodes_[op.opcodeIndex].name + ")";
            op.inputs = view(raw->inputs());
            op.outputs = view(raw->outputs());
            op.intermediates = view(raw->intermediates());
            op.builtinOptionsType = static_cast<uint8_t>(raw->builtin_options_type());
            op.builtinOptions2Type = static_cast<uint8_t>(raw->builtin_options_2_type());
            if (Status s = checkTensorList(op.inputs,
                                           "operator " + std::to_string(o) + " (" +
                                               m_.operatorCodes_[op.opcodeIndex].name + "): input",
                                           true);
                !s)
                return s;
            if (Status s = checkTensorList(op.outputs,
                                           "operator " + std::to_string(o) + " (" +
                                               m_.operatorCodes_[op.opcodeIndex].name + "): output",
                                           true);
                !s)
                return s;
            if (Status s = checkTensorList(op.intermediates,
                                           "operator " + std::to_string(o) + " (" +
                                               m_.operatorCodes_[op.opcodeIndex].name + "): intermediate",
                                           false);
                !s)
                return s;
            if (auto* mv = raw->mutating_variable_inputs(); mv && mv->size() > op.inputs.size())
                return invalid(opAt +
                               ": mutating_variable_inputs has more entries than the operator has inputs");

            const uint64_t largeOffset = raw->large_custom_options_offset();
            const uint64_t largeSize = raw->large_custom_options_size();
            if (largeOffset > 1) {
                if (largeOffset > bytes_.size() || largeSize > bytes_.size() - largeOffset)
                    return invalid(opAt + ": its custom options at offset " + std::to_string(largeOffset) +
                                   " with size " + std::to_string(largeSize) +
                                   " lie past the end of the file");
                op.customOptions = bytes_.subspan(largeOffset, largeSize);
            } else if (raw->custom_options()) {
                op.customOptions = {raw->custom_options()->data(), raw->custom_options()->size()};
            }
            if (Status s = readCalledSubgraphs(*raw, op, opAt); !s) return s;
        }
        return Status::ok();
    }

    Status readCalledSubgraphs(const fb::Operator& raw, Operator& op, const std::string& opAt) {
        const int64_t count = static_cast<int64_t>(m_.root_->subgraphs()->size());
        auto add = [&](int64_t index, const char* role) {
            if (index < 0 || index >= count)
                return invalid(opAt + ": its " + role + " subgraph index " + std::to_string(index) +
                               " is out of range (the model has " + std::to_string(count) + " subgraphs)");
            op.calledSubgraphs.push_back(static_cast<int32_t>(index));
            return Status::ok();
        };
        Status s;
        if (auto* o = raw.builtin_options_as_WhileOptions()) {
            if (!(s = add(o->cond_subgraph_index(), "condition"))) return s;
            if (!(s = add(o->body_subgraph_index(), "body"))) return s;
        }
        if (auto* o = raw.builtin_options_as_IfOptions()) {
            if (!(s = add(o->then_subgraph_index(), "then"))) return s;
            if (!(s = add(o->else_subgraph_index(), "else"))) return s;
        }
        if (auto* o = raw.builtin_options_as_CallOnceOptions()) {
            if (!(s = add(o->init_subgraph_index(), "init"))) return s;
        }
        if (auto* o = raw.builtin_options_as_CallOptions()) {
            if (!(s = add(o->subgraph(), "called"))) return s;
        }
        if (auto* o = raw.builtin_options_2_as_StablehloWhileOptions()) {
            if (!(s = add(o->cond_subgraph_index(), "condition"))) return s;
            if (!(s = add(o->body_subgraph_index(), "body"))) return s;
        }
        if (auto* o = raw.builtin_options_2_as_StablehloReduceOptions()) {
            if (!(s = add(o->body_subgraph_index(), "body"))) return s;
        }
        if (auto* o = raw.builtin_options_2_as_StablehloReduceWindowOptions()) {
            if (!(s = add(o->body_subgraph_index(), "body"))) return s;
        }
        if (auto* o = raw.builtin_options_2_as_StablehloScatterOptions()) {
            if (!(s = add(o->update_computation_subgraph_index(), "update computation"))) return s;
        }
        if (auto* o = raw.builtin_options_2_as_StablehloSortOptions()) {
            if (!(s = add(o->comparator_subgraph_index(), "comparator"))) return s;
        }
        if (auto* o = raw.builtin_options_2_as_StableHLOCompositeOptions()) {
            if (!(s = add(o->decomposition_subgraph_index(), "decomposition"))) return s;
        }
        if (auto* o = raw.builtin_options_2_as_StablehloCaseOptions()) {
            auto branches = view(o->branch_subgraph_indices());
            if (!spend(branches.size())) return overBudget(opAt);
            for (int32_t b : branches)
                if (!(s = add(b, "branch"))) return s;
        }
        return Status::ok();
    }

    // A tensor that an operator reads must come from somewhere: a subgraph input, constant data, a variable,
    // or an earlier operator. Nothing is wrong with the file format otherwise, so this is a warning; running
    // such a model fails when the operator reads the tensor.
    void checkDataFlow() {
        size_t total = 0;
        for (const Subgraph& sg : m_.subgraphs_)
            total += sg.operators.size();
        if (total == 0) warn("the model has no operators");
        for (const Subgraph& sg : m_.subgraphs_) {
            std::vector<uint8_t> available(sg.tensors.size(), 0);
            // A tensor with no elements has nothing to read (RESHAPE's empty shape operand, for one).
            for (const Tensor& t : sg.tensors)
                available[t.index] = t.isConstant() || t.isVariable || (t.elementCount == 0 && t.hasRank);
            for (int32_t i : sg.inputs)
                available[i] = 1;
            for (const Operator& op : sg.operators) {
                for (int32_t i : op.inputs) {
                    if (i < 0 || available[i]) continue;
                    const Tensor& t = sg.tensors[i];
                    warn("subgraph " + std::to_string(sg.index) + ", operator " + std::to_string(op.index) +
                         " (" + m_.operatorCodes_[op.opcodeIndex].name + ") reads tensor " +
                         std::to_string(i) + (t.name.empty() ? "" : " (" + std::string(t.name) + ")") +
                         ", which is not an input, a constant or a variable, and no earlier operator writes "
                         "it");
                    available[i] = 1;  // say it once
                }
                for (int32_t o : op.outputs)
                    if (o >= 0) available[o] = 1;
                for (int32_t o : op.intermediates)
                    available[o] = 1;
            }
        }
    }

    // A subgraph that calls itself, directly or not, would recurse without end when run.
    Status checkCallGraph() {
        const size_t n = m_.subgraphs_.size();
        std::vector<std::vector<int32_t>> callees(n);
        for (const Subgraph& sg : m_.subgraphs_)
            for (const Operator& op : sg.operators)
                for (int32_t c : op.calledSubgraphs)
                    callees[sg.index].push_back(c);
        enum : uint8_t { Unseen, Open, Done };
        std::vector<uint8_t> state(n, Unseen);
        std::vector<std::pair<int32_t, size_t>> stack;  // iterative: a deep call chain must not overflow ours
        for (size_t root = 0; root < n; ++root) {
            if (state[root] != Unseen) continue;
            stack.push_back({static_cast<int32_t>(root), 0});
            state[root] = Open;
            while (!stack.empty()) {
                auto& [node, next] = stack.back();
                if (next < callees[node].size()) {
                    int32_t callee = callees[node][next++];
                    if (state[callee] == Open)
                        return invalid("subgraph " + std::to_string(node) + " calls subgraph " +
                                       std::to_string(callee) +
                                       ", which is already running: the control flow "
                                       "recurses without end");
                    if (state[callee] == Unseen) {
                        state[callee] = Open;
                        stack.push_back({callee, 0});
                    }
                } else {
                    state[node] = Done;
                    stack.pop_back();
                }
            }
        }
        return Status::ok();
    }

    Status readTensor(const fb::Tensor& in, const Subgraph& sg, Tensor& t) {
        auto at = [&] {
            std::string s = "subgraph " + std::to_string(sg.index) + ", tensor " + std::to_string(t.index);
            if (!t.name.empty()) s += " (" + std::string(t.name) + ")";
            return s;
        };
        t.name = view(in.name());
        auto type = tensorTypeFromCode(static_cast<int>(in.type()));
        if (!type)
            return invalid(at() + " has unknown type code " + std::to_string(static_cast<int>(in.type())));
        t.type = *type;
        t.shape = view(in.shape());
        t.shapeSignature = view(in.shape_signature());
        t.hasRank = in.has_rank() || in.shape();
        t.isVariable = in.is_variable();
        if (t.shape.size() > options_.maxRank || t.shapeSignature.size() > options_.maxRank)
            return invalid(at() + " has " +
                           std::to_string(std::max(t.shape.size(), t.shapeSignature.size())) +
                           " dimensions; Litescope accepts at most " + std::to_string(options_.maxRank));

        int64_t elements = 1;
        for (int32_t d : t.shape) {
            if (d < 0)
                return invalid(at() + " has a negative dimension in its shape " + shapeString(t.shape));
            if (__builtin_mul_overflow(elements, static_cast<int64_t>(d), &elements))
                return invalid(at() + ": its shape " + shapeString(t.shape) +
                               " has more elements than can be counted");
        }
        t.elementCount = elements;
        const int bits = tensorTypeBits(t.type);
        if (bits == 0) {
            t.byteSize = -1;
        } else {
            int64_t totalBits = 0;
            if (__builtin_mul_overflow(elements, static_cast<int64_t>(bits), &totalBits))
                return invalid(at() + ": its shape " + shapeString(t.shape) + " " +
                               std::string(tensorTypeName(t.type)) + " is too large to have a byte size");
            t.byteSize = totalBits / 8 + (totalBits % 8 != 0);  // rounds up without overflowing
        }
        if (!t.shapeSignature.empty()) {
            if (t.shapeSignature.size() != t.shape.size())
                return invalid(at() + ": its shape signature " + shapeString(t.shapeSignature) +
                               " has a different rank from its shape " + shapeString(t.shape));
            for (size_t k = 0; k < t.shapeSignature.size(); ++k) {
                int32_t d = t.shapeSignature[k];
                if (d < -1)
                    return invalid(at() + " has dimension " + std::to_string(d) + " in its shape signature " +
                                   shapeString(t.shapeSignature));
                if (d != -1 && d != t.shape[k])
                    warn(at() + ": shape signature " + shapeString(t.shapeSignature) +
                         " disagrees with shape " + shapeString(t.shape));
            }
        }

        t.buffer = in.buffer();
        if (t.buffer >= m_.buffers_.size() && !(t.buffer == 0 && m_.buffers_.empty()))
            return invalid(at() + " uses buffer " + std::to_string(t.buffer) + ", but the model has " +
                           std::to_string(m_.buffers_.size()) + " buffers");
        if (t.buffer != 0) {
            t.data = m_.buffers_[t.buffer].data;
            t.dataOffset = m_.buffers_[t.buffer].fileOffset;
        }

        if (in.external_buffer() != 0)
            warn(at() + " keeps its data in external buffer " + std::to_string(in.external_buffer()) +
                 ", outside this file; Litescope does not read external weight files");
        if (in.sparsity()) {
            if (Status s = readSparsity(*in.sparsity(), t, at()); !s) return s;
        }
        if (!t.data.empty()) {
            if (Status s = checkConstantData(t, at()); !s) return s;
        }
        if (in.quantization()) {
            if (Status s = readQuantization(*in.quantization(), sg, t, at()); !s) return s;
        }
        return Status::ok();
    }

    Status checkConstantData(const Tensor& t, const std::string& at) {
        const uint64_t have = t.data.size();
        if (t.type == TensorType::String) return checkStringData(t, at);
        if (t.byteSize < 0) return Status::ok();  // RESOURCE, VARIANT: opaque
        const uint64_t need = static_cast<uint64_t>(t.byteSize);
        if (t.sparsity) {
            if (have > need)
                return invalid(at + ": sparse " + std::string(tensorTypeName(t.type)) + " data of " +
                               std::to_string(have) + " bytes exceeds the dense size " +
                               std::to_string(need) + " of shape " + shapeString(t.shape));
            return Status::ok();
        }
        if (have != need)
            return invalid(at + ": shape " + shapeString(t.shape) + " " +
                           std::string(tensorTypeName(t.type)) + " needs " + std::to_string(need) +
                           " bytes, but buffer " + std::to_string(t.buffer) + " holds " +
                           std::to_string(have));
        return Status::ok();
    }

    // TFLite's packed strings: int32 count N, N+1 int32 offsets from the buffer start, then the bytes.
    Status checkStringData(const Tensor& t, const std::string& at) {
        const size_t size = t.data.size();
        auto readInt = [&](size_t pos) {
            int32_t v;
            std::memcpy(&v, t.data.data() + pos, 4);
            return v;
        };
        if (size < 4)
            return invalid(at + ": its string data is " + std::to_string(size) +
                           " bytes, too short for a count");
        const int32_t count = readInt(0);
        if (count < 0 || static_cast<uint64_t>(count) + 2 > size / 4)
            return invalid(at + ": its string data claims " + std::to_string(count) +
                           " strings, more than its " + std::to_string(size) + " bytes can hold");
        if (!spend(static_cast<size_t>(count) + 1)) return overBudget(at);
        int32_t previous = readInt(4);
        if (static_cast<int64_t>(previous) != (static_cast<int64_t>(count) + 2) * 4)
            return invalid(at + ": its first string starts at byte " + std::to_string(previous) +
                           ", not after the " + "offset table");
        for (int32_t k = 1; k <= count; ++k) {
            int32_t offset = readInt(4 + 4 * static_cast<size_t>(k));
            if (offset < previous || static_cast<size_t>(offset) > size)
                return invalid(at + ": string " + std::to_string(k - 1) + " has offset " +
                               std::to_string(offset) + ", outside its " + std::to_string(size) +
                               "-byte buffer or before the previous one");
            previous = offset;
        }
        if (count != t.elementCount)
            warn(at + ": holds " + std::to_string(count) + " strings but its shape " + shapeString(t.shape) +
                 " has " + std::to_string(t.elementCount) + " elements");
        return Status::ok();
    }

    Status readSparsity(const fb::SparsityParameters& in, Tensor& t, const std::string& at) {
        auto sp = std::make_unique<SparsityParams>();
        sp->traversalOrder = view(in.traversal_order());
        sp->blockMap = view(in.block_map());
        const size_t rank = t.shape.size();
        if (!spend(sp->traversalOrder.size() + sp->blockMap.size())) return overBudget(at);
        if (sp->traversalOrder.size() != rank + sp->blockMap.size())
            return invalid(at + ": sparsity traversal order has " +
                           std::to_string(sp->traversalOrder.size()) + " entries, expected rank " +
                           std::to_string(rank) + " + " + std::to_string(sp->blockMap.size()) +
                           " block dimensions");
        for (int32_t d : sp->traversalOrder)
            if (d < 0 || static_cast<size_t>(d) >= sp->traversalOrder.size())
                return invalid(at + ": sparsity traversal order names dimension " + std::to_string(d));
        for (int32_t d : sp->blockMap)
            if (d < 0 || static_cast<size_t>(d) >= rank)
                return invalid(at + ": sparsity block map names dimension " + std::to_string(d) +
                               " of a rank-" + std::to_string(rank) + " tensor");
        const size_t dims = in.dim_metadata() ? in.dim_metadata()->size() : 0;
        if (dims != sp->traversalOrder.size())
            return invalid(at + ": sparsity has " + std::to_string(dims) + " dimension entries for " +
                           std::to_string(sp->traversalOrder.size()) + " traversed dimensions");
        for (flatbuffers::uoffset_t k = 0; k < dims; ++k) {
            const fb::DimensionMetadata* d = in.dim_metadata()->Get(k);
            DimensionMetadata out;
            out.denseSize = d->dense_size();
            if (d->format() == fb::DimensionType::SPARSE_CSR) {
                out.format = DimensionFormat::SparseCsr;
                auto describe = [](fb::SparseIndexVector type, const void* v, std::string_view& name,
                                   size_t& count) {
                    switch (type) {
                        case fb::SparseIndexVector::Int32Vector: {
                            auto* x = static_cast<const fb::Int32Vector*>(v)->values();
                            name = "INT32";
                            count = x ? x->size() : 0;
                            return true;
                        }
                        case fb::SparseIndexVector::Uint16Vector: {
                            auto* x = static_cast<const fb::Uint16Vector*>(v)->values();
                            name = "UINT16";
                            count = x ? x->size() : 0;
                            return true;
                        }
                        case fb::SparseIndexVector::Uint8Vector: {
                            auto* x = static_cast<const fb::Uint8Vector*>(v)->values();
                            name = "UINT8";
                            count = x ? x->size() : 0;
                            return true;
                        }
                        default:
                            return false;
                    }
                };
                if (!d->array_segments() || !describe(d->array_segments_type(), d->array_segments(),
                                                      out.segmentsType, out.segmentsCount))
                    return invalid(at + ": sparse dimension " + std::to_string(k) + " has no array segments");
                if (!d->array_indices() ||
                    !describe(d->array_indices_type(), d->array_indices(), out.indicesType, out.indicesCount))
                    return invalid(at + ": sparse dimension " + std::to_string(k) + " has no array indices");
            } else {
                if (out.denseSize < 0)
                    return invalid(at + ": dense dimension " + std::to_string(k) + " has size " +
                                   std::to_string(out.denseSize));
            }
            sp->dimensions.push_back(out);
        }
        t.sparsity = std::move(sp);
        return Status::ok();
    }

    Status readQuantization(const fb::QuantizationParameters& in, const Subgraph& sg, Tensor& t,
                            const std::string& at) {
        QuantizationParams& q = t.quantization;
        q.scale = view(in.scale());
        q.zeroPoint = view(in.zero_point());
        q.min = view(in.min());
        q.max = view(in.max());
        q.quantizedDimension = in.quantized_dimension();
        if (!spend(q.scale.size() + q.zeroPoint.size())) return overBudget(at);
        if (!q.scale.empty() && !q.zeroPoint.empty() && q.scale.size() != q.zeroPoint.size())
            return invalid(at + " has " + std::to_string(q.scale.size()) + " quantization scales but " +
                           std::to_string(q.zeroPoint.size()) + " zero points");
        for (size_t k = 0; k < q.scale.size(); ++k) {
            if (!std::isfinite(q.scale[k]) || q.scale[k] < 0) {
                warn(at + ": quantization scale " + std::to_string(k) + " is " + std::to_string(q.scale[k]));
                break;
            }
        }
        if (q.isPerChannel()) {
            const int32_t qd = q.quantizedDimension;
            if ((qd < 0 || static_cast<size_t>(qd) >= t.shape.size()) && t.shape.size() == 1 &&
                static_cast<int64_t>(q.scale.size()) == t.shape[0]) {
                // Some converters copy the weights' axis onto rank-1 biases; TFLite Micro reads them along
                // their only axis, TFLite 2.8 refuses the model.
                warn(at + ": quantized_dimension " + std::to_string(qd) + " is out of range for shape " +
                     shapeString(t.shape) + "; its " + std::to_string(q.scale.size()) +
                     " scales are read along dimension 0 (TFLite 2.8 rejects this, TFLite Micro accepts it)");
                q.quantizedDimension = 0;
                return readQuantizationDetails(in, sg, q, at);
            }
            if (qd < 0 || static_cast<size_t>(qd) >= t.shape.size())
                return invalid(at + ": per-channel quantization along dimension " + std::to_string(qd) +
                               " of a tensor with shape " + shapeString(t.shape));
            if (static_cast<int64_t>(q.scale.size()) != t.shape[qd])
                return invalid(at + " has " + std::to_string(q.scale.size()) +
                               " per-channel scales, but dimension " + std::to_string(qd) + " of its shape " +
                               shapeString(t.shape) + " is " + std::to_string(t.shape[qd]));
        } else if (q.scale.size() == 1 && q.quantizedDimension != 0 &&
                   (q.quantizedDimension < 0 ||
                    static_cast<size_t>(q.quantizedDimension) >= t.shape.size())) {
            warn(at + ": quantized_dimension " + std::to_string(q.quantizedDimension) +
                 " is out of range for shape " + shapeString(t.shape) +
                 " (harmless with a single scale; TFLite 2.8 rejects it)");
        }
        return readQuantizationDetails(in, sg, q, at);
    }

    Status readQuantizationDetails(const fb::QuantizationParameters& in, const Subgraph& sg,
                                   QuantizationParams& q, const std::string& at) {
        switch (in.details_type()) {
            case fb::QuantizationDetails::NONE:
                break;
            case fb::QuantizationDetails::CustomQuantization: {
                q.detailsKind = "CustomQuantization";
                if (auto* c = in.details_as_CustomQuantization(); c && c->custom())
                    q.customDetails = {reinterpret_cast<const char*>(c->custom()->data()),
                                       c->custom()->size()};
                break;
            }
            case fb::QuantizationDetails::BlockwiseQuantization: {
                q.detailsKind = "BlockwiseQuantization";
                if (auto* b = in.details_as_BlockwiseQuantization()) {
                    q.blockSize = b->block_size();
                    q.blockScalesTensor = b->scales();
                    q.blockZeroPointsTensor = b->zero_points();
                    const int64_t n = static_cast<int64_t>(sg.tensors.size());
                    if (q.blockSize <= 0)
                        return invalid(at + ": blockwise quantization with block size " +
                                       std::to_string(q.blockSize));
                    if (q.blockScalesTensor < 0 || q.blockScalesTensor >= n)
                        return invalid(at + ": blockwise quantization scales tensor " +
                                       std::to_string(q.blockScalesTensor) + " is out of range");
                    if (q.blockZeroPointsTensor < -1 || q.blockZeroPointsTensor >= n)
                        return invalid(at + ": blockwise quantization zero-point tensor " +
                                       std::to_string(q.blockZeroPointsTensor) + " is out of range");
                }
                break;
            }
            case fb::QuantizationDetails::MultiAxisQuantization: {
                q.detailsKind = "MultiAxisQuantization";
                if (auto* b = in.details_as_MultiAxisQuantization()) {
                    q.blockSize = b->block_size();
                    q.blockScalesTensor = b->scales();
                    q.blockZeroPointsTensor = b->zero_points();
                    const int64_t n = static_cast<int64_t>(sg.tensors.size());
                    if (q.blockSize < 0)
                        return invalid(at + ": multi-axis quantization with block size " +
                                       std::to_string(q.blockSize));
                    if (q.blockScalesTensor < 0 || q.blockScalesTensor >= n)
                        return invalid(at + ": multi-axis quantization scales tensor " +
                                       std::to_string(q.blockScalesTensor) + " is out of range");
                    if (q.blockZeroPointsTensor < -1 || q.blockZeroPointsTensor >= n)
                        return invalid(at + ": multi-axis quantization zero-point tensor " +
                                       std::to_string(q.blockZeroPointsTensor) + " is out of range");
                }
                break;
            }
            default:
                q.detailsKind = "unknown";
                warn(at + ": quantization details of a kind this build does not know (" +
                     std::to_string(static_cast<int>(in.details_type())) + ")");
        }
        return Status::ok();
    }

    Status readSignatures() {
        auto* sigs = m_.root_->signature_defs();
        if (!sigs) return Status::ok();
        for (flatbuffers::uoffset_t i = 0; i < sigs->size(); ++i) {
            const fb::SignatureDef* in = sigs->Get(i);
            SignatureDef out;
            out.key = view(in->signature_key());
            out.subgraphIndex = in->subgraph_index();
            std::string at = "signature " + std::to_string(i);
            if (!out.key.empty()) at += " (" + std::string(out.key) + ")";
            if (out.subgraphIndex >= m_.subgraphs_.size())
                return invalid(at + " runs subgraph " + std::to_string(out.subgraphIndex) +
                               ", but the model has " + std::to_string(m_.subgraphs_.size()));
            const size_t tensors = m_.subgraphs_[out.subgraphIndex].tensors.size();
            auto readMaps = [&](const flatbuffers::Vector<flatbuffers::Offset<fb::TensorMap>>* maps,
                                std::vector<TensorMap>& dst, const char* role) {
                if (!maps) return Status::ok();
                if (!spend(maps->size())) return overBudget(at);
                for (flatbuffers::uoffset_t k = 0; k < maps->size(); ++k) {
                    TensorMap tm{view(maps->Get(k)->name()), maps->Get(k)->tensor_index()};
                    if (tm.tensorIndex >= tensors)
                        return invalid(at + ": " + role + " '" + std::string(tm.name) +
                                       "' refers to tensor " + std::to_string(tm.tensorIndex) +
                                       ", but subgraph " + std::to_string(out.subgraphIndex) + " has " +
                                       std::to_string(tensors) + " tensors");
                    dst.push_back(tm);
                }
                return Status::ok();
            };
            if (Status s = readMaps(in->inputs(), out.inputs, "input"); !s) return s;
            if (Status s = readMaps(in->outputs(), out.outputs, "output"); !s) return s;
            m_.signatures_.push_back(std::move(out));
        }
        return Status::ok();
    }

    Status readMetadata() {
        if (auto* md = m_.root_->metadata()) {
            for (flatbuffers::uoffset_t i = 0; i < md->size(); ++i) {
                MetadataEntry e{view(md->Get(i)->name()), md->Get(i)->buffer(), {}};
                if (e.buffer >= m_.buffers_.size())
                    return invalid("metadata entry " + std::to_string(i) + " (" + std::string(e.name) +
                                   ") uses buffer " + std::to_string(e.buffer) + ", but the model has " +
                                   std::to_string(m_.buffers_.size()) + " buffers");
                e.data = m_.buffers_[e.buffer].data;
                m_.metadata_.push_back(e);
            }
        }
        if (auto* mb = m_.root_->metadata_buffer()) {
            if (!spend(mb->size())) return overBudget("the metadata buffer list");
            for (int32_t b : view(mb))
                if (b < 0 || static_cast<size_t>(b) >= m_.buffers_.size())
                    return invalid("the deprecated metadata_buffer list names buffer " + std::to_string(b) +
                                   ", but the model has " + std::to_string(m_.buffers_.size()) + " buffers");
        }
        return Status::ok();
    }

    Model& m_;
    const LoadOptions& options_;
    std::span<const uint8_t> bytes_;
    uint64_t budget_ = 0;
    size_t droppedWarnings_ = 0;
};

Result<std::shared_ptr<const Model>> Model::fromFile(const std::string& path, const LoadOptions& options) {
    auto mapped = MappedFile::open(path);
    if (!mapped) return mapped.status();
    std::shared_ptr<Model> model(new Model());
    model->path_ = path;
    model->mapping_ = std::move(mapped).value();
    model->bytes_ = model->mapping_.bytes();
    ModelLoader loader(*model, options);
    if (Status s = loader.load(); !s) return s;
    return std::shared_ptr<const Model>(std::move(model));
}

Result<std::shared_ptr<const Model>> Model::fromBytes(std::vector<uint8_t> bytes, std::string name,
                                                      const LoadOptions& options) {
    std::shared_ptr<Model> model(new Model());
    model->path_ = std::move(name);
    model->owned_ = std::move(bytes);
    model->bytes_ = model->owned_;
    ModelLoader loader(*model, options);
    if (Status s = loader.load(); !s) return s;
    return std::shared_ptr<const Model>(std::move(model));
}

std::string builtinOperatorName(int32_t code) {
    if (code >= 0 && code <= static_cast<int32_t>(fb::BuiltinOperator::MAX)) {
        const char* name = fb::EnumNameBuiltinOperator(static_cast<fb::BuiltinOperator>(code));
        if (name && *name) return name;
    }
    return "BUILTIN_" + std::to_string(code);
}

}  // namespace litescope
