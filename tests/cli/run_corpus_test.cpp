// Every model with a reference folder in ../shared/golden through `litescope run --check`: float outputs must
// match TensorFlow Lite within the stated tolerance and integer outputs (int8, uint8, int16, quantized and
// hybrid models alike) bit for bit. The few models that cannot match are listed with the reason and must
// fail cleanly instead.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "runtime/model.h"
#include "tests/cli/cli_runner.h"
#include "tests/support/shared_data.h"

namespace litescope::test {
namespace {

namespace fs = std::filesystem;

struct GoldenCase {
    std::string rel;    // model path without extension, relative to models/ and golden/
    std::string model;  // full model path
};

std::vector<GoldenCase> goldenCases() {
    std::vector<GoldenCase> out;
    const fs::path golden = fs::path(sharedDir()) / "golden";
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(golden, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->path().filename() != "manifest.json") continue;
        const std::string rel = fs::relative(it->path().parent_path(), golden).string();
        for (const char* ext : {".tflite", ".bin", ".tfl"}) {
            const std::string model = modelPath(rel + ext);
            if (fs::exists(model)) {
                out.push_back({rel, model});
                break;
            }
        }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.rel < b.rel; });
    return out;
}

// Float corpus: no 8- or 16-bit integer tensor except weights that a DEQUANTIZE turns into float (models that
// feed int8 weights straight into FULLY_CONNECTED or CONV_2D are hybrid, quantized work).
bool isFloatModel(const std::string& path) {
    auto model = Model::fromFile(path);
    if (!model) return false;
    for (const Subgraph& sg : (*model)->subgraphs()) {
        std::vector<bool> usedOutsideDequantize(sg.tensors.size(), false);
        for (const Operator& op : sg.operators) {
            if ((*model)->operatorCode(op).name == "DEQUANTIZE") continue;
            for (int32_t i : op.inputs)
                if (i >= 0) usedOutsideDequantize[static_cast<size_t>(i)] = true;
        }
        for (const Tensor& t : sg.tensors) {
            const bool narrowInt =
                t.type == TensorType::Int8 || t.type == TensorType::UInt8 || t.type == TensorType::Int16;
            if (narrowInt && (!t.isConstant() || usedOutsideDequantize[static_cast<size_t>(t.index)]))
                return false;
        }
    }
    return true;
}

// Models that do not match, and why; each must stop with a clean invoke error (exit 3).
const std::map<std::string, std::string>& knownFailures() {
    static const std::map<std::string, std::string> m = {
        {"ai-edge-quantizer/ai_edge_quantizer/tests/models/single_gather_nd_with_const_params",
         "the generated indices are out of range (4 into a dimension of 2): TFLite 2.8 read outside the "
         "tensor, "
         "so the reference output is garbage; Litescope stops with an invoke error instead"},
    };
    return m;
}

void PrintTo(const GoldenCase& c, std::ostream* os) {
    *os << c.rel;
}

class RunCorpus : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(RunCorpus, MatchesTensorFlowLite) {
    const GoldenCase& c = GetParam();
    CliResult r =
        runLitescope({"run", c.model, "--check", (fs::path(sharedDir()) / "golden" / c.rel).string()});
    // Whatever the model, the runtime never crashes: it answers with a documented exit code.
    ASSERT_TRUE(r.exitCode == 0 || r.exitCode == 3 || r.exitCode == 4) << "exit " << r.exitCode << "\n"
                                                                       << r.out << r.err;
    if (auto known = knownFailures().find(c.rel); known != knownFailures().end()) {
        EXPECT_EQ(r.exitCode, 3) << "expected a clean invoke error: " << known->second;
        return;
    }
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
}

// Models whose outputs with XNNPACK leave the float tolerance although every delegated op is accurate
// (checked op by op), and why; they must still run and report the deviation (exit 4).
const std::map<std::string, std::string>& xnnpackDeviations() {
    static const std::map<std::string, std::string> m = {
        {"mediapipe/mediapipe/modules/pose_landmark/pose_landmark_lite",
         "float rounding across about 54 delegated convolutions (XNNPACK sums in another order, with FMA) "
         "reaches 0.0895 on the 256x256 segmentation output against a tolerance of 0.0778 (1e-4 x its "
         "largest value, 778); the builtin kernels alone reach 0.0466"},
        {"tensorflow-examples/tensorflow_examples/lite/model_maker/core/data_util/testdata/"
         "mobilenet_v2_035_96_embedder_with_metadata",
         "a hybrid model: its int8-weight convolutions quantize their float input at run time, so a 1e-6 "
         "relative difference from a delegated float op that crosses a rounding boundary grows to 0.099"},
    };
    return m;
}

// The same with the XNNPACK delegate: float outputs within the same tolerance, and the nodes XNNPACK cannot
// run (and, by default, quantized ones) on the builtin kernels.
TEST_P(RunCorpus, MatchesTensorFlowLiteWithXnnpack) {
    const GoldenCase& c = GetParam();
    CliResult r = runLitescope({"run", c.model, "--delegate", "xnnpack", "--check",
                                (fs::path(sharedDir()) / "golden" / c.rel).string()});
    ASSERT_TRUE(r.exitCode == 0 || r.exitCode == 3 || r.exitCode == 4) << "exit " << r.exitCode << "\n"
                                                                       << r.out << r.err;
    if (auto known = knownFailures().find(c.rel); known != knownFailures().end()) {
        EXPECT_EQ(r.exitCode, 3) << "expected a clean invoke error: " << known->second;
        return;
    }
    if (auto deviation = xnnpackDeviations().find(c.rel); deviation != xnnpackDeviations().end()) {
        EXPECT_EQ(r.exitCode, 4) << "a known deviation that no longer deviates: " << deviation->second;
        EXPECT_NE(r.out.find("check: FAIL"), std::string::npos);
        return;
    }
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
}

std::string caseName(const ::testing::TestParamInfo<GoldenCase>& info) {
    std::string name = info.param.rel;
    for (char& ch : name)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return name;
}

INSTANTIATE_TEST_SUITE_P(Golden, RunCorpus, ::testing::ValuesIn(goldenCases()), caseName);

TEST(RunCorpusCoverage, FindsTheReferenceFoldersFloatAndQuantized) {
    const auto cases = goldenCases();
    EXPECT_GT(cases.size(), 280u);
    size_t floats = 0;
    for (const auto& c : cases)
        floats += isFloatModel(c.model);
    std::printf("%zu reference folders, %zu float, %zu quantized or hybrid\n", cases.size(), floats,
                cases.size() - floats);
    EXPECT_GT(floats, 150u);
    EXPECT_GT(cases.size() - floats, 70u);
}

}  // namespace
}  // namespace litescope::test
