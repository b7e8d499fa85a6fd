// Every model with a reference folder in ../shared/golden through `litescope run --check`. The float corpus
// (no int8/uint8/int16 activations: float models, with float16 or int8 weights dequantized in the graph)
// must match TensorFlow Lite within the stated tolerance. Quantized models are run too, and must at least
// fail cleanly (an unsupported-type message, never a crash) until the quantized kernels exist.
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
    for (auto it = fs::recursive_directory_iterator(golden, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
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

// Float corpus: no activation (non-constant tensor) is an 8- or 16-bit integer.
bool isFloatModel(const std::string& path) {
    auto model = Model::fromFile(path);
    if (!model) return false;
    for (const Subgraph& sg : (*model)->subgraphs())
        for (const Tensor& t : sg.tensors)
            if (!t.isConstant() && (t.type == TensorType::Int8 || t.type == TensorType::UInt8 || t.type == TensorType::Int16))
                return false;
    return true;
}

// Float-corpus models that do not match yet, and why. Empty when every float model matches.
const std::map<std::string, std::string>& knownFloatFailures() {
    static const std::map<std::string, std::string> m = {};
    return m;
}

class RunCorpus : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(RunCorpus, MatchesTensorFlowLite) {
    const GoldenCase& c = GetParam();
    const bool floatModel = isFloatModel(c.model);
    CliResult r = runLitescope({"run", c.model, "--check", (fs::path(sharedDir()) / "golden" / c.rel).string()});
    // Whatever the model, the runtime never crashes: it answers with a documented exit code.
    ASSERT_TRUE(r.exitCode == 0 || r.exitCode == 3 || r.exitCode == 4) << "exit " << r.exitCode << "\n" << r.out << r.err;
    if (!floatModel) {
        if (r.exitCode == 3) EXPECT_FALSE(r.err.empty());
        return;
    }
    if (auto known = knownFloatFailures().find(c.rel); known != knownFloatFailures().end()) {
        GTEST_SKIP() << "known: " << known->second;
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

TEST(RunCorpusCoverage, FindsTheReferenceFolders) { EXPECT_GT(goldenCases().size(), 280u); }

}  // namespace
}  // namespace litescope::test
