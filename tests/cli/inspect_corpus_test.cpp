// Every model in ../shared/models through `litescope inspect --json`: it loads (or, for the deliberately
// broken files, is rejected with a one-line message and exit code 2), and where the real TFLite
// interpreter left a manifest in ../shared/golden, the JSON agrees with it on the tensor count, the
// operator sequence and the inputs' and outputs' names, types and shapes.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "tests/cli/cli_runner.h"
#include "tests/support/shared_data.h"

namespace litescope::test {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// Files that are not valid models, and a word of the message that says why.
const std::map<std::string, std::string>& expectedRejections() {
    static const std::map<std::string, std::string> m = {
        {"litert/tflite/testdata/0_subgraphs.bin", "no subgraphs"},
        // An unused LSTM layer-norm tensor declared with shape [-1]; TFLite 2.8 refuses these files too.
        {"litert/tflite/converter/quantization/lite/testdata/lstm_calibrated2.bin", "negative dimension"},
        {"litert/tflite/converter/quantization/lite/testdata/lstm_quantized2.bin", "negative dimension"},
    };
    return m;
}

// Files that load but carry a problem the report must name.
const std::map<std::string, std::string>& expectedWarnings() {
    static const std::map<std::string, std::string> m = {
        {"litert/tflite/testdata/empty_model.bin", "no operators"},
        {"litert/tflite/testdata/segment_sum_invalid_buffer.bin", "(pyx/y), which is not an input"},
        {"litert/tflite/testdata/add_shared_tensors.bin", "reads tensor 0 (add)"},
        {"tflite-micro/tensorflow/lite/micro/models/person_detect.tflite",
         "quantized_dimension 3 is out of range"},
        {"litert/tflite/converter/quantization/lite/testdata/transpose.bin", "schema version is 2"},
    };
    return m;
}

std::string goldenManifest(const std::string& model) {
    fs::path p = fs::path(sharedDir()) / "golden" / model;
    p.replace_extension("");
    p /= "manifest.json";
    return fs::exists(p) ? p.string() : std::string();
}

class InspectCorpus : public ::testing::TestWithParam<std::string> {};

TEST_P(InspectCorpus, LoadsOrIsRejectedClearlyAndAgreesWithTFLite) {
    const std::string rel = GetParam();
    CliResult r = runLitescope({"inspect", "--json", modelPath(rel)});
    auto rejected = expectedRejections().find(rel);
    if (rejected != expectedRejections().end()) {
        EXPECT_EQ(r.exitCode, 2) << r.err;
        EXPECT_TRUE(r.out.empty());
        EXPECT_NE(r.err.find(rejected->second), std::string::npos) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
        return;
    }
    ASSERT_EQ(r.exitCode, 0) << r.err;
    json j = json::parse(r.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "inspect --json printed invalid JSON";
    ASSERT_TRUE(j.contains("subgraphs") && !j["subgraphs"].empty());
    if (auto w = expectedWarnings().find(rel); w != expectedWarnings().end()) {
        bool found = false;
        for (const auto& text : j["warnings"])
            found |= text.get<std::string>().find(w->second) != std::string::npos;
        EXPECT_TRUE(found) << "expected a warning containing '" << w->second << "' in "
                           << j["warnings"].dump();
    }

    const std::string manifestPath = goldenManifest(rel);
    if (manifestPath.empty()) return;
    json m = json::parse(readText(manifestPath));
    const json& sg = j["subgraphs"][0];
    EXPECT_EQ(sg["tensors"].size(), m["num_tensors"].get<size_t>());
    ASSERT_EQ(sg["operators"].size(), m["nodes"].size());
    for (size_t k = 0; k < m["nodes"].size(); ++k) {
        EXPECT_EQ(sg["operators"][k]["op"], m["nodes"][k]["op"]) << "operator " << k;
        EXPECT_EQ(sg["operators"][k]["inputs"], m["nodes"][k]["inputs"]) << "operator " << k;
        EXPECT_EQ(sg["operators"][k]["outputs"], m["nodes"][k]["outputs"]) << "operator " << k;
    }
    EXPECT_EQ(j["subgraphs"].size(), m["num_subgraphs"].get<size_t>());
    for (const char* role : {"inputs", "outputs"}) {
        ASSERT_EQ(j[role].size(), m[role].size()) << role;
        for (size_t k = 0; k < m[role].size(); ++k) {
            const json& mine = j[role][k];
            const json& ref = m[role][k];
            EXPECT_EQ(mine["index"], ref["index"]) << role << " " << k;
            EXPECT_EQ(mine["name"], ref["name"]) << role << " " << k;
            EXPECT_EQ(mine["type"], ref["type"]) << role << " " << k;
            EXPECT_EQ(mine["shape"], ref["file_shape"]) << role << " " << k;
        }
    }
}

std::string testName(const ::testing::TestParamInfo<std::string>& info) {
    std::string name = info.param;
    for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    return name;
}

INSTANTIATE_TEST_SUITE_P(SharedModels, InspectCorpus, ::testing::ValuesIn(allModels()), testName);

TEST(InspectCorpusCoverage, FindsTheSharedModels) {
    EXPECT_GT(allModels().size(), 350u);
}

}  // namespace
}  // namespace litescope::test
