#include "profiler/model_report.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace litescope {

namespace {

bool startsWith(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

DeploymentNote describeCustomOp(std::string_view code) {
    DeploymentNote n;
    n.op = std::string(code);
    if (startsWith(code, "Flex")) {
        n.kind = "flex";
        n.meaning =
            "a Select TensorFlow op: needs the Flex delegate linked into the app (several MB), "
            "unavailable on microcontrollers and on most accelerators";
    } else if (code == "edgetpu-custom-op") {
        n.kind = "accelerator";
        n.meaning =
            "compiled for the Coral Edge TPU: runs only with the Edge TPU delegate and an Edge TPU attached";
    } else if (code == "DISPATCH_OP") {
        n.kind = "accelerator";
        n.meaning =
            "precompiled for a vendor NPU: runs only through that vendor's dispatch library on that SoC";
    } else if (code == "ethos-u") {
        n.kind = "accelerator";
        n.meaning = "compiled by Vela for an Arm Ethos-U NPU: runs only on a microcontroller with that NPU";
    } else if (code == "TFLite_Detection_PostProcess") {
        n.kind = "bundled-custom";
        n.meaning =
            "SSD box decoding and non-max suppression: registered by TFLite's builtin op resolver, "
            "so it runs wherever TFLite does (on the CPU)";
    } else if (code == "Convolution2DTransposeBias" || code == "MaxPoolingWithArgmax2D" ||
               code == "MaxUnpooling2D" || code == "Landmarks2TransformMatrix" ||
               code == "TransformTensorBilinear" || code == "TransformLandmarks") {
        n.kind = "custom";
        n.meaning =
            "a MediaPipe custom op: registered by MediaPipe's op resolver and GPU delegate, "
            "not by plain TFLite";
    } else if (startsWith(code, "Signal")) {
        n.kind = "custom";
        n.meaning =
            "an audio front-end op of TFLite Micro's signal library: registered by TFLite Micro, "
            "not by TFLite";
    } else {
        n.kind = "custom";
        n.meaning =
            "a custom op: the app must register an implementation with its op resolver, or the model "
            "fails to prepare";
    }
    return n;
}

const ConstantTensorStats* ModelReport::statsFor(int32_t subgraph, int32_t tensor) const {
    auto it = std::lower_bound(constantStats.begin(), constantStats.end(), std::make_pair(subgraph, tensor),
                               [](const ConstantTensorStats& s, const std::pair<int32_t, int32_t>& key) {
                                   return std::make_pair(s.subgraph, s.tensor) < key;
                               });
    if (it == constantStats.end() || it->subgraph != subgraph || it->tensor != tensor) return nullptr;
    return &*it;
}

ModelReport buildModelReport(const Model& model, const ReportOptions& options) {
    ModelReport r;
    r.fileSize = model.bytes().size();

    std::map<std::string, OpHistogramEntry> histogram;
    std::map<std::string, DeploymentNote> notes;
    for (const Subgraph& sg : model.subgraphs()) {
        r.operatorCount += static_cast<int64_t>(sg.operators.size());
        r.tensorCount += static_cast<int64_t>(sg.tensors.size());
        for (const Operator& op : sg.operators) {
            const OperatorCode& code = model.operatorCode(op);
            OpHistogramEntry& e = histogram[code.name];
            e.op = code.name;
            e.custom = code.isCustom();
            ++e.count;
            if (code.isCustom()) {
                auto [it, inserted] = notes.try_emplace(code.name, describeCustomOp(code.customCode));
                ++it->second.count;
            } else if (code.name.starts_with("BUILTIN_")) {
                auto [it, inserted] = notes.try_emplace(code.name);
                if (inserted) {
                    it->second.op = code.name;
                    it->second.kind = "unknown-builtin";
                    it->second.meaning = "a builtin op code newer than this build of Litescope knows";
                }
                ++it->second.count;
            }
        }
    }
    for (auto& [name, e] : histogram)
        r.opHistogram.push_back(e);
    std::stable_sort(r.opHistogram.begin(), r.opHistogram.end(),
                     [](const auto& a, const auto& b) { return a.count > b.count; });
    for (auto& [name, n] : notes)
        r.deploymentNotes.push_back(n);

    // Weight bytes per type: a buffer shared by several tensors counts once.
    std::map<TensorType, TypeBytes> byType;
    std::set<std::pair<uint32_t, TensorType>> countedBuffers;
    // Shared buffers give the same statistics: compute each (buffer, tensor properties) once.
    std::map<std::tuple<uint32_t, TensorType, const void*, const void*, bool>, WeightStats> statsCache;
    for (const Subgraph& sg : model.subgraphs()) {
        for (const Tensor& t : sg.tensors) {
            if (!t.isConstant()) continue;
            TypeBytes& tb = byType[t.type];
            tb.type = t.type;
            ++tb.tensors;
            tb.elements += t.elementCount;
            if (countedBuffers.insert({t.buffer, t.type}).second) {
                tb.bytes += static_cast<int64_t>(t.data.size());
                r.totalWeightBytes += static_cast<int64_t>(t.data.size());
                r.totalParameters += t.elementCount;
            }
            if (!options.weightStats) continue;
            auto key =
                std::make_tuple(t.buffer, t.type, static_cast<const void*>(t.quantization.scale.data()),
                                static_cast<const void*>(t.shape.data()), t.sparsity != nullptr);
            auto it = statsCache.find(key);
            if (it == statsCache.end()) {
                auto stats = computeWeightStats(t);
                if (!stats) continue;
                it = statsCache.emplace(key, *stats).first;
            }
            r.constantStats.push_back({sg.index, t.index, it->second});
        }
    }
    for (auto& [type, tb] : byType)
        r.weightBytes.push_back(tb);
    std::stable_sort(r.weightBytes.begin(), r.weightBytes.end(),
                     [](const auto& a, const auto& b) { return a.bytes > b.bytes; });

    if (const MetadataEntry* md = model.findMetadata("TFLITE_METADATA")) {
        auto parsed = parseModelMetadata(md->data);
        if (parsed)
            r.metadata = std::move(parsed).value();
        else
            r.metadataError = parsed.message();
    }
    if (const MetadataEntry* md = model.findMetadata("min_runtime_version")) {
        std::string v(reinterpret_cast<const char*>(md->data.data()), md->data.size());
        v.erase(std::find(v.begin(), v.end(), '\0'), v.end());
        r.minRuntimeVersion = v;
    }
    r.packedFiles = listPackedFiles(model.bytes());
    return r;
}

}  // namespace litescope
