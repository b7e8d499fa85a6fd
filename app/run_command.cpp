#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "profiler/delegation_text.h"
#include "profiler/tensor_io.h"
#include "runtime/delegates/registry.h"
#include "runtime/interpreter.h"

namespace litescope::app {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string bytesText(size_t n) {
    char buf[64];
    if (n >= (1u << 20))
        std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(n) / (1 << 20));
    else
        std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(n) / (1 << 10));
    return buf;
}

}  // namespace

int runRun(const RunOptions& o) {
    auto model = Model::fromFile(o.modelPath);
    if (!model) {
        const bool invalid = model.code() == ErrorCode::NotAModel || model.code() == ErrorCode::InvalidModel;
        return fail(invalid ? kExitInvalidModel : kExitFailure, o.modelPath + ": " + model.message());
    }
    InterpreterOptions options;
    options.threads = o.threads;
    auto delegate = makeDelegate(o.delegate, o.threads, o.delegateQuantized);
    if (!delegate)
        return fail(delegate.code() == ErrorCode::InvalidArgument ? kExitFailure : kExitRuntime,
                    delegate.message());
    options.delegate = delegate.value();
    options.delegateOptions.excludedOps = o.delegateExclude;
    options.delegateOptions.maxPartitions = o.maxPartitions;
    options.delegateOptions.requireFullDelegation = o.requireFullDelegation;
    auto created = Interpreter::create(*model, options);
    if (!created) return fail(kExitRuntime, o.modelPath + ": " + created.message());
    Interpreter& interpreter = **created;

    // Which subgraph runs, and its inputs and outputs in order.
    auto named = signatureNamed(interpreter, o.signature);
    if (!named) return fail(kExitFailure, o.modelPath + ": " + named.message());
    const SignatureDef* signature = named.value();
    SubgraphRuntime& sg = signature ? interpreter.subgraph(signature->subgraphIndex) : interpreter.main();
    std::vector<int32_t> inputs, outputs;
    std::vector<std::string> inputNames, outputNames;
    if (signature) {
        for (const auto& m : signature->inputs)
            inputs.push_back(static_cast<int32_t>(m.tensorIndex)), inputNames.emplace_back(m.name);
        for (const auto& m : signature->outputs)
            outputs.push_back(static_cast<int32_t>(m.tensorIndex)), outputNames.emplace_back(m.name);
    } else {
        for (int32_t t : sg.model().inputs)
            inputs.push_back(t), inputNames.emplace_back(sg.model().tensors[static_cast<size_t>(t)].name);
        for (int32_t t : sg.model().outputs)
            outputs.push_back(t), outputNames.emplace_back(sg.model().tensors[static_cast<size_t>(t)].name);
    }

    json manifest;
    if (!o.checkDir.empty()) {
        auto text = readFileBytes((fs::path(o.checkDir) / "manifest.json").string());
        if (!text) return fail(kExitFailure, text.message());
        manifest = json::parse(text->begin(), text->end(), nullptr, false);
        if (manifest.is_discarded() || !manifest.contains("outputs"))
            return fail(kExitFailure, o.checkDir + "/manifest.json: not a reference manifest");
        // Inputs whose reference run used another shape (dynamic dimensions) are resized to it.
        if (!signature && manifest.contains("inputs")) {
            for (size_t k = 0; k < manifest["inputs"].size() && k < inputs.size(); ++k) {
                std::vector<int32_t> dims = manifest["inputs"][k]["shape"].get<std::vector<int32_t>>();
                Shape shape(std::span<const int32_t>(dims.data(), dims.size()));
                if (shape != Shape(sg.model().tensors[static_cast<size_t>(inputs[k])].shape)) {
                    if (Status s = sg.resizeInput(k, shape); !s) return fail(kExitFailure, s.message());
                }
            }
        }
    }

    if (Status s = sg.prepare(); !s) return fail(kExitRuntime, o.modelPath + ": " + s.message());
    // Whether some node of the model runs on the delegate (the quantum allowance below depends on it).
    bool delegated = false;
    std::string delegateName;
    for (size_t i = 0; i < interpreter.subgraphCount(); ++i)
        if (const DelegationReport* d = interpreter.subgraph(i).delegation(); d && !d->partitions.empty())
            delegated = true, delegateName = d->delegate;
    if (o.explain) std::cout << formatDelegation(interpreter) << "\n";

    const std::string inputDir = !o.inputDir.empty() ? o.inputDir : o.checkDir;
    for (size_t k = 0; k < inputs.size(); ++k) {
        RuntimeTensor& t = sg.tensor(inputs[k]);
        const std::string what = "input " + std::to_string(k) + " (" + inputNames[k] + ")";
        const fs::path file = fs::path(inputDir) / ("input_" + std::to_string(k) + ".bin");
        if (!inputDir.empty() && fs::exists(file)) {
            if (Status s = readRawInput(t, file.string(), what); !s) return fail(kExitFailure, s.message());
        } else if (!inputDir.empty() && !o.inputDir.empty()) {
            return fail(kExitFailure, what + ": " + file.string() + " does not exist");
        } else if (Status s = fillDeterministic(t, static_cast<int>(k)); !s) {
            return fail(kExitFailure, s.message());
        }
    }

    if (Status s = sg.invoke(interpreter.observer(), 0); !s)
        return fail(kExitRuntime, o.modelPath + ": " + s.message());

    std::cout << "Model   " << fs::path(o.modelPath).filename().string();
    if (signature) std::cout << "  signature '" << signature->key << "'";
    if (const std::string summary = delegationSummary(interpreter); !summary.empty())
        std::cout << "\nDelegate " << summary;
    std::cout << "\nArena   " << bytesText(sg.plan().arenaBytes) << " planned; lower bound "
              << bytesText(sg.plan().lowerBoundBytes) << " (largest sum of tensors alive at one step)\n";

    bool allWithin = true;
    for (size_t k = 0; k < outputs.size(); ++k) {
        const RuntimeTensor& t = sg.tensor(outputs[k]);
        OutputSummary s = summarizeOutput(t);
        std::printf("Output %zu  %s  %s %s  min %.6g  max %.6g  mean %.6g\n", k, outputNames[k].c_str(),
                    std::string(tensorTypeName(t.type)).c_str(), t.shape.toString().c_str(), s.min, s.max,
                    s.mean);
        if (!s.top.empty()) {
            std::printf("          top-%zu:", s.top.size());
            for (const auto& [index, value] : s.top)
                std::printf("  %" PRId64 ": %.6g", index, value);
            std::printf("\n");
        }
        if (!o.outputDir.empty()) {
            fs::create_directories(o.outputDir);
            if (Status w = writeRawOutput(
                    t, (fs::path(o.outputDir) / ("output_" + std::to_string(k) + ".bin")).string());
                !w)
                return fail(kExitFailure, w.message());
        }
        if (!manifest.is_null()) {
            if (k >= manifest["outputs"].size()) {
                std::printf("          check: the reference has no output %zu\n", k);
                allWithin = false;
                continue;
            }
            const json& ref = manifest["outputs"][k];
            std::vector<int32_t> refShape = ref["shape"].get<std::vector<int32_t>>();
            std::vector<uint8_t> refBytes;
            if (!ref["file"].is_null()) {
                auto bytes = readFileBytes((fs::path(o.checkDir) / ref["file"].get<std::string>()).string());
                if (!bytes) return fail(kExitFailure, bytes.message());
                refBytes = std::move(bytes).value();
            }
            // A delegate's quantized kernels may round differently from TFLite's builtin ones: XNNPACK
            // requantizes in float where TFLite uses fixed-point multipliers. One quantum is allowed then,
            // and said.
            const bool quantizedOutput = t.type == TensorType::Int8 || t.type == TensorType::UInt8;
            const int64_t quantumTolerance = (delegated && quantizedOutput) ? 1 : 0;
            OutputCheck c = compareOutput(t, refBytes, refShape, quantumTolerance);
            allWithin &= c.withinTolerance;
            if (!c.note.empty())
                std::printf("          check: FAIL, %s\n", c.note.c_str());
            else if (t.type == TensorType::Float32 || t.type == TensorType::Float64)
                std::printf("          check: %s, max |diff| %.3g, tolerance %.3g%s\n",
                            c.withinTolerance ? "ok" : "FAIL", c.maxAbsDiff, c.tolerance,
                            c.mismatches ? (", " + std::to_string(c.mismatches) +
                                            " elements outside, first at " + std::to_string(c.firstMismatch))
                                               .c_str()
                                         : "");
            else if (c.withinTolerance && c.withinIntegerTolerance > 0)
                std::printf("          check: ok within one quantum: %" PRId64 " of %" PRId64
                            " elements differ by 1 (%s rounds its quantized arithmetic in float, TensorFlow "
                            "Lite in fixed point), first at %" PRId64 "\n",
                            c.withinIntegerTolerance, t.elementCount(), delegateName.c_str(),
                            c.firstDiffering);
            else
                std::printf("          check: %s%s\n", c.withinTolerance ? "ok, identical" : "FAIL",
                            c.mismatches ? (", " + std::to_string(c.mismatches) +
                                            " elements differ (max |diff| " + std::to_string(c.maxAbsDiff) +
                                            "), first at " + std::to_string(c.firstMismatch))
                                               .c_str()
                                         : "");
        }
    }
    if (!manifest.is_null() && !allWithin) return kExitOutOfTolerance;
    return kExitOk;
}

}  // namespace litescope::app
