#include "profiler/inspect_report.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

namespace litescope {

using nlohmann::json;

namespace {

std::string str(std::string_view s) {
    return std::string(s);
}

std::string fmt(const char* format, auto... args) {
    char buf[512];
    std::snprintf(buf, sizeof buf, format, args...);
    return buf;
}

std::string formatNumber(double v) {
    if (v == 0) return "0";
    const double a = std::fabs(v);
    if (a >= 1e5 || a < 1e-3) return fmt("%.4g", v);
    return fmt("%.5g", v);
}

std::string formatCount(int64_t n) {
    if (n >= 10'000'000) return fmt("%.1fM", static_cast<double>(n) / 1e6);
    if (n >= 10'000) return fmt("%.1fk", static_cast<double>(n) / 1e3);
    return std::to_string(n);
}

json floats(std::span<const float> v) {
    json a = json::array();
    for (float x : v)
        a.push_back(static_cast<double>(x));
    return a;
}

json ints(std::span<const int32_t> v) {
    return json(std::vector<int32_t>(v.begin(), v.end()));
}

json statsJson(const ValueStats& s) {
    json j = {{"count", s.count}, {"min", s.min},       {"max", s.max},
              {"mean", s.mean},   {"stddev", s.stddev}, {"zero_fraction", s.zeroFraction}};
    j["distinct_values"] = s.distinctValues ? json(*s.distinctValues) : json(nullptr);
    if (s.nonFinite) j["non_finite"] = s.nonFinite;
    return j;
}

json quantizationJson(const QuantizationParams& q) {
    json j = {{"scale", floats(q.scale)},
              {"zero_point", std::vector<int64_t>(q.zeroPoint.begin(), q.zeroPoint.end())},
              {"quantized_dimension", q.quantizedDimension}};
    if (!q.min.empty()) j["min"] = floats(q.min);
    if (!q.max.empty()) j["max"] = floats(q.max);
    if (!q.detailsKind.empty()) {
        json d = {{"kind", str(q.detailsKind)}};
        if (q.blockSize) {
            d["block_size"] = q.blockSize;
            d["scales_tensor"] = q.blockScalesTensor;
            d["zero_points_tensor"] = q.blockZeroPointsTensor;
        }
        if (!q.customDetails.empty()) d["custom_bytes"] = q.customDetails.size();
        j["details"] = d;
    }
    return j;
}

json filesJson(const std::vector<AssociatedFileInfo>& files) {
    json a = json::array();
    for (const auto& f : files) {
        json j = {{"name", f.name}, {"type", f.type}};
        if (!f.description.empty()) j["description"] = f.description;
        if (!f.locale.empty()) j["locale"] = f.locale;
        a.push_back(j);
    }
    return a;
}

json tensorMetadataJson(const std::vector<TensorMetadataInfo>& tensors) {
    json a = json::array();
    for (const auto& t : tensors) {
        json j = {{"name", t.name}, {"description", t.description}, {"content", t.content}};
        if (!t.mean.empty() || !t.std.empty()) j["normalization"] = {{"mean", t.mean}, {"std", t.std}};
        if (!t.statsMin.empty() || !t.statsMax.empty())
            j["stats"] = {{"min", t.statsMin}, {"max", t.statsMax}};
        j["associated_files"] = filesJson(t.associatedFiles);
        a.push_back(j);
    }
    return a;
}

std::string quantizationText(const Tensor& t) {
    const QuantizationParams& q = t.quantization;
    if (!q.hasAffine()) {
        if (!q.min.empty())
            return fmt("calibration range [%s, %s]", formatNumber(q.min[0]).c_str(),
                       formatNumber(q.max.empty() ? 0 : q.max[0]).c_str());
        return "-";
    }
    if (!q.isPerChannel()) {
        const int64_t zp = q.zeroPoint.empty() ? 0 : q.zeroPoint[0];
        std::string s = "scale " + formatNumber(q.scale[0]) + " zero_point " + std::to_string(zp);
        // The real values the type can represent: what an engineer checks against the data's range.
        const int bits = tensorTypeBits(t.type);
        const bool isSigned = t.type == TensorType::Int8 || t.type == TensorType::Int16 ||
                              t.type == TensorType::Int4 || t.type == TensorType::Int32;
        if (!isFloatType(t.type) && bits > 0 && bits <= 16) {
            const double qmin = isSigned ? -std::ldexp(1.0, bits - 1) : 0.0;
            const double qmax = isSigned ? std::ldexp(1.0, bits - 1) - 1 : std::ldexp(1.0, bits) - 1;
            s += "  (real range " + formatNumber(q.scale[0] * (qmin - static_cast<double>(zp))) + " .. " +
                 formatNumber(q.scale[0] * (qmax - static_cast<double>(zp))) + ")";
        }
        return s;
    }
    float lo = q.scale[0], hi = q.scale[0];
    for (float s : q.scale)
        lo = std::min(lo, s), hi = std::max(hi, s);
    return fmt("per-channel: %zu scales along dim %d, %s..%s", q.scale.size(), q.quantizedDimension,
               formatNumber(lo).c_str(), formatNumber(hi).c_str());
}

}  // namespace

std::string formatBytes(uint64_t bytes) {
    if (bytes >= 1ull << 20) return fmt("%.2f MiB", static_cast<double>(bytes) / (1 << 20));
    if (bytes >= 1ull << 10) return fmt("%.1f KiB", static_cast<double>(bytes) / (1 << 10));
    return std::to_string(bytes) + " B";
}

std::string formatShape(std::span<const int32_t> shape) {
    std::string out = "[";
    for (size_t i = 0; i < shape.size(); ++i)
        out += (i ? "," : "") + std::to_string(shape[i]);
    return out + "]";
}

json tensorDetailsJson(const Tensor& t) {
    json j = {{"index", t.index},
              {"name", str(t.name)},
              {"type", str(tensorTypeName(t.type))},
              {"shape", ints(t.shape)},
              {"shape_signature", t.shapeSignature.empty() ? ints(t.shape) : ints(t.shapeSignature)},
              {"quantization", quantizationJson(t.quantization)}};
    return j;
}

json inspectJson(const Model& model, const ModelReport& report) {
    json root;
    root["file"] = model.path();
    root["file_bytes"] = report.fileSize;
    root["version"] = model.version();
    root["description"] = str(model.description());
    if (!report.minRuntimeVersion.empty()) root["min_runtime_version"] = report.minRuntimeVersion;

    json subgraphs = json::array();
    for (const Subgraph& sg : model.subgraphs()) {
        json s = {{"index", sg.index},
                  {"name", str(sg.name)},
                  {"inputs", ints(sg.inputs)},
                  {"outputs", ints(sg.outputs)}};
        json tensors = json::array();
        for (const Tensor& t : sg.tensors) {
            json j = tensorDetailsJson(t);
            j["buffer"] = t.buffer;
            j["buffer_bytes"] = t.data.size();
            j["bytes"] = t.byteSize;
            j["constant"] = t.isConstant();
            if (t.isConstant()) j["data_offset"] = t.dataOffset;
            if (t.isVariable) j["is_variable"] = true;
            if (t.sparsity) {
                json dims = json::array();
                for (const auto& d : t.sparsity->dimensions) {
                    json dj = {{"format", d.format == DimensionFormat::Dense ? "DENSE" : "SPARSE_CSR"}};
                    if (d.format == DimensionFormat::Dense)
                        dj["dense_size"] = d.denseSize;
                    else
                        dj.update({{"segments", d.segmentsCount},
                                   {"indices", d.indicesCount},
                                   {"index_type", str(d.indicesType)}});
                    dims.push_back(dj);
                }
                j["sparsity"] = {{"traversal_order", ints(t.sparsity->traversalOrder)},
                                 {"block_map", ints(t.sparsity->blockMap)},
                                 {"dim_metadata", dims}};
            }
            if (const ConstantTensorStats* cs = report.statsFor(sg.index, t.index)) {
                j["stats"] = statsJson(cs->stats.stored);
                if (cs->stats.real) j["stats"]["real"] = statsJson(*cs->stats.real);
            }
            tensors.push_back(std::move(j));
        }
        s["tensors"] = std::move(tensors);
        json ops = json::array();
        for (const Operator& op : sg.operators) {
            const OperatorCode& code = model.operatorCode(op);
            json j = {
                {"index", op.index},          {"op", code.name},         {"builtin_code", code.builtinCode},
                {"custom", code.isCustom()},  {"version", code.version}, {"inputs", ints(op.inputs)},
                {"outputs", ints(op.outputs)}};
            if (!op.intermediates.empty()) j["intermediates"] = ints(op.intermediates);
            if (!op.calledSubgraphs.empty()) j["called_subgraphs"] = op.calledSubgraphs;
            if (!op.customOptions.empty()) j["custom_options_bytes"] = op.customOptions.size();
            ops.push_back(std::move(j));
        }
        s["operators"] = std::move(ops);
        subgraphs.push_back(std::move(s));
    }
    root["subgraphs"] = std::move(subgraphs);

    // Subgraph 0's inputs and outputs as get_input_details() lists them.
    const Subgraph& main = model.subgraphs().front();
    json inputs = json::array(), outputs = json::array();
    for (int32_t i : main.inputs)
        inputs.push_back(tensorDetailsJson(main.tensors[i]));
    for (int32_t i : main.outputs)
        outputs.push_back(tensorDetailsJson(main.tensors[i]));
    root["inputs"] = inputs;
    root["outputs"] = outputs;

    json sigs = json::array();
    for (const SignatureDef& sd : model.signatures()) {
        auto maps = [](const std::vector<TensorMap>& v) {
            json a = json::array();
            for (const auto& m : v)
                a.push_back({{"name", str(m.name)}, {"tensor_index", m.tensorIndex}});
            return a;
        };
        sigs.push_back({{"key", str(sd.key)},
                        {"subgraph_index", sd.subgraphIndex},
                        {"inputs", maps(sd.inputs)},
                        {"outputs", maps(sd.outputs)}});
    }
    root["signatures"] = sigs;

    json hist = json::array();
    for (const auto& e : report.opHistogram)
        hist.push_back({{"op", e.op}, {"count", e.count}, {"custom", e.custom}});
    root["op_histogram"] = hist;
    json wb = json::array();
    for (const auto& t : report.weightBytes)
        wb.push_back({{"type", str(tensorTypeName(t.type))},
                      {"tensors", t.tensors},
                      {"elements", t.elements},
                      {"bytes", t.bytes}});
    root["weight_bytes_by_type"] = wb;
    root["total_weight_bytes"] = report.totalWeightBytes;
    root["total_parameters"] = report.totalParameters;
    json notes = json::array();
    for (const auto& n : report.deploymentNotes)
        notes.push_back({{"op", n.op}, {"kind", n.kind}, {"meaning", n.meaning}, {"count", n.count}});
    root["deployment_notes"] = notes;

    json entries = json::array();
    for (const auto& m : model.metadata())
        entries.push_back({{"name", str(m.name)}, {"buffer", m.buffer}, {"bytes", m.data.size()}});
    root["metadata_entries"] = entries;
    if (report.metadata) {
        const ModelMetadataInfo& md = *report.metadata;
        json subs = json::array();
        for (const auto& s : md.subgraphs)
            subs.push_back({{"name", s.name},
                            {"description", s.description},
                            {"inputs", tensorMetadataJson(s.inputs)},
                            {"outputs", tensorMetadataJson(s.outputs)},
                            {"associated_files", filesJson(s.associatedFiles)}});
        root["metadata"] = {{"name", md.name},       {"description", md.description},
                            {"version", md.version}, {"author", md.author},
                            {"license", md.license}, {"min_parser_version", md.minParserVersion},
                            {"subgraphs", subs},     {"associated_files", filesJson(md.associatedFiles)}};
    } else if (!report.metadataError.empty()) {
        root["metadata_error"] = report.metadataError;
    }
    json packed = json::array();
    for (const auto& f : report.packedFiles)
        packed.push_back(
            {{"name", f.name}, {"bytes", f.uncompressedSize}, {"compressed_bytes", f.compressedSize}});
    root["packed_files"] = packed;
    root["warnings"] = model.warnings();
    return root;
}

std::string inspectText(const Model& model, const ModelReport& report, const TextReportOptions& options) {
    std::ostringstream o;
    const std::string file = std::filesystem::path(model.path()).filename().string();
    o << "Model        " << file << "  (" << formatBytes(report.fileSize) << ", schema version "
      << model.version() << ")\n";
    if (!model.description().empty()) o << "Description  " << model.description() << "\n";
    if (!report.minRuntimeVersion.empty()) o << "Min runtime  TFLite " << report.minRuntimeVersion << "\n";
    o << "Contents     " << model.subgraphs().size() << " subgraph"
      << (model.subgraphs().size() == 1 ? "" : "s") << ", " << report.operatorCount << " operators, "
      << report.tensorCount << " tensors, " << model.signatures().size() << " signature"
      << (model.signatures().size() == 1 ? "" : "s") << "\n";

    auto tensorLine = [&](const Subgraph& sg, int32_t index, size_t position) {
        const Tensor& t = sg.tensors[index];
        std::string sig =
            t.shapeSignature.empty() || !t.isDynamic() ? "" : "  signature " + formatShape(t.shapeSignature);
        o << fmt("  %-3zu tensor %-5d %-9s %-18s", position, index, str(tensorTypeName(t.type)).c_str(),
                 formatShape(t.shape).c_str())
          << " " << (t.name.empty() ? "(unnamed)" : str(t.name)) << sig << "\n";
        o << "      quantization: " << quantizationText(t) << "\n";
    };
    for (const Subgraph& sg : model.subgraphs()) {
        o << "\nSubgraph " << sg.index;
        if (!sg.name.empty()) o << " '" << sg.name << "'";
        o << ": " << sg.operators.size() << " operators, " << sg.tensors.size() << " tensors\n";
        o << " Inputs\n";
        for (size_t k = 0; k < sg.inputs.size(); ++k)
            tensorLine(sg, sg.inputs[k], k);
        o << " Outputs\n";
        for (size_t k = 0; k < sg.outputs.size(); ++k)
            tensorLine(sg, sg.outputs[k], k);
        if (options.operators) {
            o << " Operators\n";
            for (const Operator& op : sg.operators)
                o << fmt("  %-5d %-28s v%-2d in %s out %s\n", op.index, model.operatorCode(op).name.c_str(),
                         model.operatorCode(op).version, formatShape(op.inputs).c_str(),
                         formatShape(op.outputs).c_str());
        }
    }

    if (!model.signatures().empty()) {
        o << "\nSignatures\n";
        for (const SignatureDef& sd : model.signatures()) {
            o << "  " << (sd.key.empty() ? "(no key)" : str(sd.key)) << "  (subgraph " << sd.subgraphIndex
              << ")\n";
            for (const auto& m : sd.inputs)
                o << "      in  " << m.name << " -> tensor " << m.tensorIndex << "\n";
            for (const auto& m : sd.outputs)
                o << "      out " << m.name << " -> tensor " << m.tensorIndex << "\n";
        }
    }

    o << "\nOperators by type\n";
    for (const auto& e : report.opHistogram)
        o << fmt("  %6" PRId64 "  %s%s\n", e.count, e.op.c_str(), e.custom ? "  (custom)" : "");

    o << "\nWeights      " << formatBytes(static_cast<uint64_t>(report.totalWeightBytes)) << " in "
      << formatCount(report.totalParameters) << " parameters\n";
    for (const auto& t : report.weightBytes) {
        double share = report.totalWeightBytes ? 100.0 * static_cast<double>(t.bytes) /
                                                     static_cast<double>(report.totalWeightBytes)
                                               : 0;
        o << fmt("  %-9s %12s  %5.1f%%  %6" PRId64 " tensors  %10s parameters\n",
                 str(tensorTypeName(t.type)).c_str(), formatBytes(static_cast<uint64_t>(t.bytes)).c_str(),
                 share, t.tensors, formatCount(t.elements).c_str());
    }

    if (!report.deploymentNotes.empty()) {
        o << "\nDeployment\n";
        for (const auto& n : report.deploymentNotes)
            o << "  " << n.op << " x" << n.count << " [" << n.kind << "]: " << n.meaning << "\n";
    }

    if (report.metadata) {
        const ModelMetadataInfo& md = *report.metadata;
        o << "\nMetadata (TFLITE_METADATA)\n";
        auto line = [&](const char* key, const std::string& v) {
            if (!v.empty()) o << fmt("  %-12s ", key) << v << "\n";
        };
        line("Name", md.name);
        line("Description", md.description);
        line("Version", md.version);
        line("Author", md.author);
        line("License", md.license);
        line("Min parser", md.minParserVersion);
        auto tensorsMd = [&](const char* role, const std::vector<TensorMetadataInfo>& v) {
            for (const auto& t : v) {
                o << "  " << role << " '" << t.name << "'";
                if (!t.content.empty()) o << ": " << t.content;
                if (!t.mean.empty() || !t.std.empty()) {
                    auto list = [](const std::vector<float>& xs) {
                        std::string s = "[";
                        for (size_t i = 0; i < xs.size(); ++i)
                            s += (i ? ", " : "") + formatNumber(xs[i]);
                        return s + "]";
                    };
                    o << "; normalization mean " << list(t.mean) << " std " << list(t.std);
                }
                o << "\n";
                if (!t.description.empty()) o << "      " << t.description << "\n";
            }
        };
        for (const auto& s : md.subgraphs) {
            tensorsMd("Input", s.inputs);
            tensorsMd("Output", s.outputs);
        }
        auto all = md.allAssociatedFiles();
        for (const auto& f : all) {
            std::string packed = "not packed in the file";
            for (const auto& p : report.packedFiles)
                if (p.name == f.name) packed = "packed, " + formatBytes(p.uncompressedSize);
            o << "  File         " << f.name << " (" << f.type << ", " << packed << ")\n";
        }
    } else if (!report.metadataError.empty()) {
        o << "\nMetadata     unreadable TFLITE_METADATA: " << report.metadataError << "\n";
    }
    if (!model.metadata().empty()) {
        o << "\nMetadata entries\n";
        for (const auto& m : model.metadata())
            o << "  " << (m.name.empty() ? "(unnamed)" : str(m.name)) << "  (buffer " << m.buffer << ", "
              << formatBytes(m.data.size()) << ")\n";
    }
    if (!report.packedFiles.empty() && !report.metadata) {
        o << "\nPacked files\n";
        for (const auto& p : report.packedFiles)
            o << "  " << p.name << " (" << formatBytes(p.uncompressedSize) << ")\n";
    }

    if (options.constantTensors && !report.constantStats.empty()) {
        o << "\nConstant tensors (values as stored; 'real' dequantizes quantized ones)\n";
        o << fmt("  %-4s %-6s %-8s %-20s %11s %11s %11s %7s %8s  %s\n", "sg", "tensor", "type", "shape",
                 "min", "max", "mean", "zeros", "distinct", "name");
        for (const auto& cs : report.constantStats) {
            const Tensor& t = model.subgraphs()[cs.subgraph].tensors[cs.tensor];
            const ValueStats& s = cs.stats.stored;
            std::string distinct = s.distinctValues ? std::to_string(*s.distinctValues)
                                                    : ">" + std::to_string(kMaxDistinctCounted);
            o << fmt("  %-4d %-6d %-8s %-20s %11s %11s %11s %6.1f%% %8s  %s%s\n", cs.subgraph, cs.tensor,
                     str(tensorTypeName(t.type)).c_str(), formatShape(t.shape).c_str(),
                     formatNumber(s.min).c_str(), formatNumber(s.max).c_str(), formatNumber(s.mean).c_str(),
                     100.0 * s.zeroFraction, distinct.c_str(), str(t.name).c_str(),
                     t.sparsity ? "  (sparse)" : "");
            if (cs.stats.real)
                o << fmt("  %-4s %-6s %-8s %-20s %11s %11s %11s\n", "", "", "", "  real",
                         formatNumber(cs.stats.real->min).c_str(), formatNumber(cs.stats.real->max).c_str(),
                         formatNumber(cs.stats.real->mean).c_str());
        }
    }

    if (!model.warnings().empty()) {
        o << "\nWarnings\n";
        for (const auto& w : model.warnings())
            o << "  " << w << "\n";
    }
    return o.str();
}

}  // namespace litescope
