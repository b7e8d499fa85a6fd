#include "runtime/tflite_metadata.h"

#include "format/tflite_metadata_generated.h"

namespace litescope {

namespace {

std::string text(const flatbuffers::String* s) {
    return s ? s->str() : std::string();
}

std::vector<float> floats(const flatbuffers::Vector<float>* v) {
    return v ? std::vector<float>(v->begin(), v->end()) : std::vector<float>();
}

std::vector<AssociatedFileInfo> files(
    const flatbuffers::Vector<flatbuffers::Offset<fbmeta::AssociatedFile>>* in) {
    std::vector<AssociatedFileInfo> out;
    if (!in) return out;
    for (const fbmeta::AssociatedFile* f : *in) {
        AssociatedFileInfo a;
        a.name = text(f->name());
        a.description = text(f->description());
        const char* type = fbmeta::EnumNameAssociatedFileType(f->type());
        a.type = type && *type ? type : "UNKNOWN";
        a.locale = text(f->locale());
        out.push_back(std::move(a));
    }
    return out;
}

std::string contentText(const fbmeta::Content* c) {
    if (!c) return {};
    switch (c->content_properties_type()) {
        case fbmeta::ContentProperties::FeatureProperties:
            return "feature";
        case fbmeta::ContentProperties::ImageProperties: {
            std::string s = "image";
            if (auto* p = c->content_properties_as_ImageProperties()) {
                const char* cs = fbmeta::EnumNameColorSpaceType(p->color_space());
                if (cs && *cs && p->color_space() != fbmeta::ColorSpaceType::UNKNOWN)
                    s += std::string(" (") + cs + ")";
            }
            return s;
        }
        case fbmeta::ContentProperties::BoundingBoxProperties:
            return "bounding box";
        case fbmeta::ContentProperties::AudioProperties: {
            std::string s = "audio";
            if (auto* p = c->content_properties_as_AudioProperties())
                s += " (" + std::to_string(p->sample_rate()) + " Hz, " + std::to_string(p->channels()) +
                     " channel" + (p->channels() == 1 ? "" : "s") + ")";
            return s;
        }
        default:
            return {};
    }
}

std::vector<TensorMetadataInfo> tensors(
    const flatbuffers::Vector<flatbuffers::Offset<fbmeta::TensorMetadata>>* in) {
    std::vector<TensorMetadataInfo> out;
    if (!in) return out;
    for (const fbmeta::TensorMetadata* t : *in) {
        TensorMetadataInfo info;
        info.name = text(t->name());
        info.description = text(t->description());
        info.content = contentText(t->content());
        if (auto* units = t->process_units()) {
            for (const fbmeta::ProcessUnit* u : *units) {
                if (auto* n = u->options_as_NormalizationOptions()) {
                    info.mean = floats(n->mean());
                    info.std = floats(n->std());
                }
            }
        }
        if (auto* s = t->stats()) {
            info.statsMin = floats(s->min());
            info.statsMax = floats(s->max());
        }
        info.associatedFiles = files(t->associated_files());
        out.push_back(std::move(info));
    }
    return out;
}

}  // namespace

std::vector<AssociatedFileInfo> ModelMetadataInfo::allAssociatedFiles() const {
    std::vector<AssociatedFileInfo> all = associatedFiles;
    for (const auto& s : subgraphs) {
        all.insert(all.end(), s.associatedFiles.begin(), s.associatedFiles.end());
        for (const auto* list : {&s.inputs, &s.outputs})
            for (const auto& t : *list)
                all.insert(all.end(), t.associatedFiles.begin(), t.associatedFiles.end());
    }
    return all;
}

Result<ModelMetadataInfo> parseModelMetadata(std::span<const uint8_t> bytes) {
    if (bytes.size() < 8)
        return Result<ModelMetadataInfo>(ErrorCode::InvalidModel, "the metadata buffer is too short");
    flatbuffers::Verifier::Options options;
    options.max_tables = 100'000;
    flatbuffers::Verifier verifier(bytes.data(),
                                   std::min<size_t>(bytes.size(), FLATBUFFERS_MAX_BUFFER_SIZE - 1), options);
    if (!fbmeta::VerifyModelMetadataBuffer(verifier))
        return Result<ModelMetadataInfo>(ErrorCode::InvalidModel,
                                         "the metadata buffer is not a valid metadata flatbuffer");
    const fbmeta::ModelMetadata* md = fbmeta::GetModelMetadata(bytes.data());
    ModelMetadataInfo info;
    info.name = text(md->name());
    info.description = text(md->description());
    info.version = text(md->version());
    info.author = text(md->author());
    info.license = text(md->license());
    info.minParserVersion = text(md->min_parser_version());
    info.associatedFiles = files(md->associated_files());
    if (auto* subs = md->subgraph_metadata()) {
        for (const fbmeta::SubGraphMetadata* s : *subs) {
            SubgraphMetadataInfo sub;
            sub.name = text(s->name());
            sub.description = text(s->description());
            sub.inputs = tensors(s->input_tensor_metadata());
            sub.outputs = tensors(s->output_tensor_metadata());
            sub.associatedFiles = files(s->associated_files());
            info.subgraphs.push_back(std::move(sub));
        }
    }
    return info;
}

}  // namespace litescope
