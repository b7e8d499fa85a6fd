// `litescope profile` and `litescope history` end to end: the benchmark_model-style report, the four exports
// read back in their formats, the history database, and clear exits on what cannot be profiled.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "tests/cli/cli_runner.h"
#include "tests/support/shared_data.h"

namespace litescope::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* kVww = "mlcommons-tiny/v0.1/training/visual_wake_words/trained_models/vww_96_int8.tflite";

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

class ProfileCli : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("litescope-profile-cli-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string file(const std::string& name) const { return (dir_ / name).string(); }

    // Few runs and no time minimums: the tests check formats and facts, never speed.
    static std::vector<std::string> quick(const std::string& model, int runs = 4) {
        return {"profile", modelPath(model), "--runs", std::to_string(runs), "--min-secs",
                "0",       "--warmup",       "1",      "--warmup-min-secs",  "0"};
    }

    fs::path dir_;
};

TEST_F(ProfileCli, ReportLooksLikeBenchmarkModelsAndAllExportsParse) {
    std::vector<std::string> args = quick(kVww);
    args.insert(args.end(), {"--csv", file("ops.csv"), "--trace", file("trace.json"), "--json",
                             file("profile.json"), "--model-explorer", file("me.json")});
    CliResult r = runLitescope(args);
    ASSERT_EQ(r.exitCode, 0) << r.err;
    for (const char* section :
         {"Inference timings in us: Init:",
          "============================== Run Order ==============================", "[node type]",
          "[avg ms]", "[times called]", "Top by Computation Time", "Number of nodes executed: 31",
          "Summary by node type", "Timings (microseconds): count=4 ", "Profiling overhead:", "95% CI"})
        EXPECT_NE(r.out.find(section), std::string::npos) << section << "\n" << r.out;

    // CSV: benchmark_model's columns first, a row per node.
    const std::string csv = slurp(file("ops.csv"));
    EXPECT_EQ(csv.rfind("node type,first,avg_ms,%,cdf%,mem KB,times called,name,", 0), 0u)
        << csv.substr(0, 200);
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 32);

    // Trace: one complete event per node per counted run.
    const json trace = json::parse(slurp(file("trace.json")));
    std::map<std::pair<int, int>, int> perNodeRun;
    for (const json& e : trace["traceEvents"])
        if (e.value("ph", "") == "X" && e.value("cat", "") == "node")
            ++perNodeRun[{e["args"]["index"].get<int>(), e["args"]["run"].get<int>()}];
    EXPECT_EQ(perNodeRun.size(), 31u * 4);
    for (const auto& [key, count] : perNodeRun)
        EXPECT_EQ(count, 1);

    // JSON: the documented keys.
    const json profile = json::parse(slurp(file("profile.json")));
    EXPECT_EQ(profile["runs"]["count"], 4);
    for (const char* key : {"mean_us", "median_us", "p90_us", "p99_us", "stddev_us"})
        EXPECT_TRUE(profile["runs"][key].is_number()) << key;
    ASSERT_EQ(profile["nodes"].size(), 31u);
    double share = 0;
    for (const json& n : profile["nodes"]) {
        for (const char* key : {"subgraph", "index", "op", "mean_us", "median_us", "share_percent", "gflops"})
            EXPECT_TRUE(n.contains(key)) << key;
        share += n["share_percent"].get<double>();
    }
    EXPECT_NEAR(share, 100, 1e-6);
    EXPECT_TRUE(profile["profiling_overhead_percent"].is_number());
    EXPECT_GT(profile["arena_bytes"].get<int64_t>(), 0);
    EXPECT_GT(profile["init_us"].get<double>(), 0);

    // Model Explorer: node data for graph "main", keyed by output tensor name.
    const json me = json::parse(slurp(file("me.json")));
    ASSERT_TRUE(me.contains("main")) << me.dump().substr(0, 300);
    EXPECT_EQ(me["main"]["results"].size(), 31u);
    EXPECT_TRUE(me["main"]["results"].contains("Identity_int8"));
    EXPECT_TRUE(me["main"]["results"]["Identity_int8"]["value"].is_number());
}

TEST_F(ProfileCli, SavedProfilesAreListedByHistory) {
    const std::string db = file("history.sqlite");
    std::vector<std::string> args = quick(kVww, 2);
    args.insert(args.end(), {"--no-overhead", "--quiet", "--save", "--history", db});
    CliResult first = runLitescope(args);
    ASSERT_EQ(first.exitCode, 0) << first.err;
    CliResult second = runLitescope(args);
    ASSERT_EQ(second.exitCode, 0) << second.err;

    CliResult all = runLitescope({"history", "--history", db, "--json"});
    ASSERT_EQ(all.exitCode, 0) << all.err;
    const json entries = json::parse(all.out);
    ASSERT_EQ(entries.size(), 2u);
    CliResult byModel = runLitescope({"history", modelPath(kVww), "--history", db});
    ASSERT_EQ(byModel.exitCode, 0) << byModel.err;
    EXPECT_NE(byModel.out.find("vww_96_int8.tflite"), std::string::npos) << byModel.out;
    CliResult none = runLitescope({"history", "--history", file("missing.sqlite")});
    EXPECT_EQ(none.exitCode, 0) << none.err;
    EXPECT_FALSE(fs::exists(file("missing.sqlite")));
}

TEST_F(ProfileCli, ClearExitsForWhatCannotBeProfiled) {
    auto run = [&](std::vector<std::string> args) { return runLitescope(args); };
    // Flatbuffers breaking the format's rules: exit 2 naming the file and what is wrong.
    for (const char* broken : {"litert/tflite/testdata/0_subgraphs.bin",
                               "litert/tflite/testdata/segment_sum_invalid_buffer.bin"}) {
        CliResult r = run(quick(broken, 1));
        EXPECT_EQ(r.exitCode, 2) << broken << "\n" << r.err;
        EXPECT_NE(r.err.find(fs::path(broken).filename().string()), std::string::npos) << r.err;
    }
    // A truncated model.
    {
        const std::string bytes = slurp(modelPath(kVww));
        std::ofstream(file("truncated.tflite"), std::ios::binary) << bytes.substr(0, bytes.size() / 3);
        CliResult r = run({"profile", file("truncated.tflite"), "--runs", "1"});
        EXPECT_EQ(r.exitCode, 2) << r.err;
        EXPECT_NE(r.err.find("truncated.tflite"), std::string::npos) << r.err;
    }
    // A model whose op fails at run time on its own data (an out-of-range gather): exit 3 saying where.
    CliResult gather = run(quick("tflite-micro/testing/fuzzing/seed_corpus/malicious_gather.tflite", 1));
    EXPECT_EQ(gather.exitCode, 3) << gather.err;
    EXPECT_NE(gather.err.find("GATHER"), std::string::npos) << gather.err;
    // An op this runtime has no kernel for: exit 3.
    CliResult edgetpu = run(quick("coral-test_data/mobilenet_v1_0.5_160_quant_edgetpu.tflite", 1));
    EXPECT_EQ(edgetpu.exitCode, 3) << edgetpu.err;
    // Inputs that do not fit: exit 1 naming the input.
    std::vector<std::string> wrongName = quick(kVww, 1);
    wrongName.insert(wrongName.end(), {"--input", "nope=" + file("x.npy")});
    CliResult named = run(wrongName);
    EXPECT_EQ(named.exitCode, 1);
    EXPECT_NE(named.err.find("nope"), std::string::npos) << named.err;
    std::ofstream(file("short.bin")) << "abc";
    std::vector<std::string> shortRaw = quick(kVww, 1);
    shortRaw.insert(shortRaw.end(), {"--input", file("short.bin")});
    CliResult raw = run(shortRaw);
    EXPECT_EQ(raw.exitCode, 1);
    EXPECT_NE(raw.err.find("short.bin"), std::string::npos) << raw.err;
    // An export that cannot be written: exit 1, the report still printed.
    std::vector<std::string> badExport = quick(kVww, 1);
    badExport.insert(badExport.end(), {"--csv", file("no/such/dir/ops.csv")});
    CliResult exportFail = run(badExport);
    EXPECT_EQ(exportFail.exitCode, 1);
    EXPECT_NE(exportFail.err.find("ops.csv"), std::string::npos) << exportFail.err;
    EXPECT_NE(exportFail.out.find("Run Order"), std::string::npos);
}

const char* kFaceDetection = "mediapipe/mediapipe/modules/face_detection/face_detection_short_range.tflite";

// A model mixing ops XNNPACK runs with ops it cannot (CONCATENATION has no XNNPACK node in this version):
// --explain lists the partitions and every fallback with its reason, and the outputs still match.
TEST_F(ProfileCli, ExplainListsPartitionsAndEveryFallbackWithItsReason) {
    const std::string golden =
        (fs::path(sharedDir()) /
         "golden/mediapipe/mediapipe/modules/face_detection/face_detection_short_range")
            .string();
    CliResult r = runLitescope(
        {"run", modelPath(kFaceDetection), "--delegate", "xnnpack", "--explain", "--check", golden});
    ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("delegated to XNNPACK in"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("partition 0:"), std::string::npos);
    EXPECT_NE(r.out.find("on the builtin kernels:"), std::string::npos);
    EXPECT_NE(r.out.find("(CONCATENATION): "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("computed once at prepare"), std::string::npos);
    EXPECT_EQ(r.out.find("check: FAIL"), std::string::npos) << r.out;

    // Every operator has a line: in a partition's list, or on the builtin kernels with a reason.
    CliResult full = runLitescope(
        {"run", modelPath(kFaceDetection), "--delegate", "xnnpack", "--require-full-delegation"});
    EXPECT_EQ(full.exitCode, 3) << full.err;
    EXPECT_NE(full.err.find("full delegation"), std::string::npos) << full.err;

    // Quantized operators stay on the builtin kernels unless asked for, and the reason says so.
    CliResult quantized = runLitescope({"run", modelPath(kVww), "--delegate", "xnnpack", "--explain"});
    EXPECT_EQ(quantized.exitCode, 0) << quantized.err;
    EXPECT_NE(quantized.out.find("--delegate-quantized"), std::string::npos) << quantized.out;
}

TEST_F(ProfileCli, CompareDelegatesShowsSpeedUpsAndTheBreakdownInsidePartitions) {
    std::vector<std::string> args = quick(kFaceDetection, 3);
    args.insert(args.end(), {"--compare-delegates", "--json", file("delegated.json")});
    CliResult r = runLitescope(args);
    ASSERT_EQ(r.exitCode, 0) << r.err;
    for (const char* text : {"builtin kernels", "XNNPACK", "Speed-up of the median invoke:", "[speed-up]",
                             "Inside partitions (rows marked ~)", "timed alone"})
        EXPECT_NE(r.out.find(text), std::string::npos) << text << "\n" << r.out;
    const json profile = json::parse(slurp(file("delegated.json")));
    ASSERT_TRUE(profile.contains("delegate"));
    EXPECT_EQ(profile["delegate"]["name"], "XNNPACK");
    EXPECT_FALSE(profile["delegate"]["partitions"].empty());
    bool estimated = false;
    for (const json& n : profile["nodes"])
        estimated |= n["estimated"].get<bool>();
    EXPECT_TRUE(estimated);
}

}  // namespace
}  // namespace litescope::test
