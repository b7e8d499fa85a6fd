// Profiling sessions: the statistics built from samples (checked against hand-computed figures), input
// sources and their errors, and whole sessions on real models whose per-node times account for the runs.
#include "profiler/profile_session.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "profiler/npy.h"
#include "tests/support/shared_data.h"

namespace litescope {
namespace {

namespace fs = std::filesystem;

const char* kVww = "mlcommons-tiny/v0.1/training/visual_wake_words/trained_models/vww_96_int8.tflite";

NodeSample sample(int32_t run, int32_t subgraph, int32_t node, int32_t depth, int64_t startUs,
                  int64_t durationUs) {
    return {run, subgraph, node, depth, startUs * 1000, durationUs * 1000};
}

// Three runs of a graph CONV_2D -> WHILE -> ADD whose WHILE runs a body with one MUL twice per run. Samples
// are in the order a recorder writes them: each node when it ends, so body nodes before their WHILE.
Profile handMadeProfile() {
    Profile p;
    p.runUs = {190, 280, 410};
    p.runStartNs = {0, 1'000'000, 2'000'000};
    const int64_t conv[] = {100, 200, 300}, body[3][2] = {{20, 30}, {10, 10}, {30, 30}},
                  loop[] = {70, 40, 80}, add[] = {10, 30, 20};
    for (int r = 0; r < 3; ++r) {
        p.samples.push_back(sample(r, 0, 0, 0, 0, conv[r]));
        p.samples.push_back(sample(r, 1, 0, 1, conv[r] + 10, body[r][0]));
        p.samples.push_back(sample(r, 1, 0, 1, conv[r] + 40, body[r][1]));
        p.samples.push_back(sample(r, 0, 1, 0, conv[r] + 5, loop[r]));
        p.samples.push_back(sample(r, 0, 2, 0, conv[r] + loop[r] + 10, add[r]));
    }
    return p;
}

std::vector<NodeDescription> handMadeDescriptions() {
    auto describe = [](int32_t subgraph, int32_t index, const char* op, const char* tensor, OpCost cost) {
        NodeDescription d;
        d.subgraph = subgraph;
        d.index = index;
        d.op = op;
        d.outputTensor = tensor;
        d.cost = cost;
        return d;
    };
    return {describe(0, 0, "CONV_2D", "conv_out", {1e6, 5000}), describe(0, 1, "WHILE", "loop_out", {0, 10}),
            describe(0, 2, "ADD", "sum", {0, 10}), describe(1, 0, "MUL", "body_mul", {0, 1000})};
}

const NodeProfile& nodeAt(const Profile& p, int32_t subgraph, int32_t index) {
    for (const NodeProfile& n : p.nodes)
        if (n.subgraph == subgraph && n.index == index) return n;
    ADD_FAILURE() << "no node " << subgraph << ":" << index;
    static NodeProfile none;
    return none;
}

TEST(ProfileSummary, PerNodeStatisticsMatchHandComputedFigures) {
    Profile p = handMadeProfile();
    const auto d = handMadeDescriptions();
    summarizeProfile(p, d);
    ASSERT_EQ(p.nodes.size(), 4u);
    EXPECT_EQ(p.runs.count, 3);
    EXPECT_DOUBLE_EQ(p.runs.median, 280);
    EXPECT_DOUBLE_EQ(p.runs.first, 190);

    const NodeProfile& conv = nodeAt(p, 0, 0);
    EXPECT_EQ(conv.op, "CONV_2D");
    EXPECT_EQ(conv.name, "conv_out");
    EXPECT_EQ(conv.us.count, 3);
    EXPECT_DOUBLE_EQ(conv.us.first, 100);
    EXPECT_DOUBLE_EQ(conv.us.mean, 200);
    EXPECT_DOUBLE_EQ(conv.us.median, 200);
    EXPECT_DOUBLE_EQ(conv.us.min, 100);
    EXPECT_DOUBLE_EQ(conv.us.max, 300);
    EXPECT_DOUBLE_EQ(conv.us.stddev, 100);
    EXPECT_DOUBLE_EQ(conv.us.p90, 280);  // 200 + 0.8 x 100
    EXPECT_DOUBLE_EQ(conv.callsPerRun, 1);
    EXPECT_DOUBLE_EQ(conv.selfMeanUs, 200);
    EXPECT_NEAR(conv.gflops, 10.0, 1e-9);  // 2e6 FLOP in 200 us

    // The WHILE's own time is what its body did not take: 20 us in every run.
    const NodeProfile& loop = nodeAt(p, 0, 1);
    EXPECT_NEAR(loop.us.mean, 190.0 / 3, 1e-9);
    EXPECT_NEAR(loop.selfMeanUs, 20, 1e-9);
    EXPECT_EQ(loop.depth, 0);

    // The body node runs twice per run; its time per run is the sum of both calls.
    const NodeProfile& mul = nodeAt(p, 1, 0);
    EXPECT_EQ(mul.depth, 1);
    EXPECT_DOUBLE_EQ(mul.callsPerRun, 2);
    EXPECT_DOUBLE_EQ(mul.us.first, 50);
    EXPECT_NEAR(mul.us.mean, 130.0 / 3, 1e-9);
    EXPECT_NEAR(mul.gflops, 2000 / (130.0 / 3 * 1e-6) / 1e9, 1e-9);

    // Run order: by start in the first run, so the WHILE comes before its body and the body before ADD.
    EXPECT_EQ(conv.firstRunOrder, 0);
    EXPECT_EQ(loop.firstRunOrder, 1);
    EXPECT_EQ(mul.firstRunOrder, 2);
    EXPECT_EQ(nodeAt(p, 0, 2).firstRunOrder, 3);
}

TEST(ProfileSummary, SharesAddUpTo100WithinEachSubgraph) {
    Profile p = handMadeProfile();
    summarizeProfile(p, handMadeDescriptions());
    // Means 200, 63.33, 20 of 283.33: 70.588 %, 22.353 %, 7.059 %, rounded by largest remainder.
    EXPECT_DOUBLE_EQ(nodeAt(p, 0, 0).share.percent, 70.59);
    EXPECT_DOUBLE_EQ(nodeAt(p, 0, 1).share.percent, 22.35);
    EXPECT_DOUBLE_EQ(nodeAt(p, 0, 2).share.percent, 7.06);
    EXPECT_DOUBLE_EQ(nodeAt(p, 0, 2).share.cumulativePercent, 100);
    EXPECT_DOUBLE_EQ(nodeAt(p, 1, 0).share.percent, 100);
}

TEST(ProfileSummary, OpTypesCountSelfTimeOnceLargestFirst) {
    Profile p = handMadeProfile();
    summarizeProfile(p, handMadeDescriptions());
    ASSERT_EQ(p.opTypes.size(), 4u);
    // Self means: CONV_2D 200, MUL 43.33, ADD 20, WHILE 20 (ties keep name order); they add up to the
    // depth-0 nodes' inclusive time, so nothing is counted twice.
    EXPECT_EQ(p.opTypes[0].op, "CONV_2D");
    EXPECT_EQ(p.opTypes[1].op, "MUL");
    EXPECT_EQ(p.opTypes[2].op, "ADD");
    EXPECT_EQ(p.opTypes[3].op, "WHILE");
    double total = 0, percent = 0;
    for (const OpTypeProfile& t : p.opTypes)
        total += t.us.mean, percent += t.share.percent;
    EXPECT_NEAR(total, 200 + 190.0 / 3 + 20, 1e-9);
    EXPECT_NEAR(percent, 100, 1e-9);
    EXPECT_DOUBLE_EQ(p.opTypes[0].share.percent, 70.59);
    EXPECT_DOUBLE_EQ(p.opTypes[1].share.percent, 15.29);
    EXPECT_DOUBLE_EQ(p.opTypes[3].share.cumulativePercent, 100);
    EXPECT_DOUBLE_EQ(p.opTypes[1].callsPerRun, 2);
    EXPECT_NEAR(p.opTypes[1].us.median, 50, 1e-9);  // per-run sums 50, 20, 60
}

TEST(ProfileSummary, UndescribedNodesAndEmptyProfiles) {
    Profile p = handMadeProfile();
    summarizeProfile(p, {});
    EXPECT_EQ(nodeAt(p, 0, 2).op, "node 2");
    EXPECT_DOUBLE_EQ(nodeAt(p, 0, 2).gflops, 0);
    Profile empty;
    summarizeProfile(empty, {});
    EXPECT_TRUE(empty.nodes.empty());
    EXPECT_EQ(empty.runs.count, 0);
}

TEST(InputSource, NamedPositionalAndKindByExtension) {
    InputSource named = parseInputSource("image=/tmp/x.NPY");
    EXPECT_EQ(named.name, "image");
    EXPECT_EQ(named.path, "/tmp/x.NPY");
    EXPECT_EQ(named.kind, InputSource::Kind::NpyFile);
    InputSource raw = parseInputSource("serving_default_input:0=in.bin");
    EXPECT_EQ(raw.name, "serving_default_input:0");
    EXPECT_EQ(raw.kind, InputSource::Kind::RawFile);
    InputSource positional = parseInputSource("input_0.bin");
    EXPECT_TRUE(positional.name.empty());
    EXPECT_EQ(positional.path, "input_0.bin");
    // A path with '=' that exists is a path, not NAME=FILE.
    const fs::path odd = fs::temp_directory_path() / "litescope a=b.bin";
    std::ofstream(odd) << "x";
    EXPECT_TRUE(parseInputSource(odd.string()).name.empty());
    fs::remove(odd);
}

ProfileSettings quick(int runs = 5) {
    ProfileSettings s;
    s.runs = runs;
    s.minSeconds = 0;
    s.warmupRuns = 1;
    s.warmupMinSeconds = 0;
    s.overheadPairs = 3;
    return s;
}

TEST(ProfileSession, RealModelNodesAccountForTheRuns) {
    auto result = profileModel(test::modelPath(kVww), quick(8));
    ASSERT_TRUE(result.isOk()) << result.message();
    const Profile& p = result.value();
    EXPECT_EQ(p.runs.count, 8);
    EXPECT_EQ(p.runUs.size(), 8u);
    EXPECT_EQ(p.runStartNs.size(), 8u);
    EXPECT_EQ(p.warmupUs.size(), 1u);
    EXPECT_EQ(p.modelSha256.size(), 64u);
    EXPECT_GT(p.initUs, 0);
    EXPECT_GT(p.arenaBytes, 0);
    EXPECT_GT(p.memory.peakRssBytes, 0);
    EXPECT_EQ(p.overhead.pairs, 3);
    EXPECT_EQ(p.droppedSamples, 0);
    EXPECT_EQ(p.subgraphNames.size(), 1u);

    // Every node ran once per run (vww has no constant-folded nodes), and one sample each per run.
    std::set<int32_t> indices;
    double nodeMeanSum = 0, percent = 0;
    for (const NodeProfile& n : p.nodes) {
        indices.insert(n.index);
        EXPECT_EQ(n.us.count, 8) << n.op;
        EXPECT_DOUBLE_EQ(n.callsPerRun, 1);
        EXPECT_FALSE(n.outputTensor.empty());
        nodeMeanSum += n.us.mean;
        percent += n.share.percent;
    }
    EXPECT_EQ(p.samples.size(), p.nodes.size() * 8);
    EXPECT_EQ(indices.size(), p.nodes.size());
    EXPECT_NEAR(percent, 100, 1e-6);
    // What is not inside a node is the interpreter's loop and the two clock reads per node: a few percent.
    EXPECT_LE(nodeMeanSum, p.runs.mean * 1.0001);
    EXPECT_GE(nodeMeanSum, p.runs.mean * 0.9);
    // The convolutions get a MAC count and a throughput.
    bool sawConv = false;
    for (const NodeProfile& n : p.nodes) {
        if (n.op != "CONV_2D") continue;
        sawConv = true;
        EXPECT_GT(n.cost.macs, 0);
        EXPECT_GT(n.gflops, 0);
    }
    EXPECT_TRUE(sawConv);
}

TEST(ProfileSession, ControlFlowBodiesAreProfiledAsNestedNodes) {
    auto result = profileModel(test::modelPath("litert/tflite/testdata/multi_subgraphs_while.bin"), quick(3));
    ASSERT_TRUE(result.isOk()) << result.message();
    const Profile& p = result.value();
    bool sawBody = false;
    for (const NodeProfile& n : p.nodes) {
        if (n.subgraph == 0) {
            EXPECT_EQ(n.depth, 0);
        } else {
            sawBody = true;
            EXPECT_GE(n.depth, 1);
        }
    }
    EXPECT_TRUE(sawBody);
    double percent = 0;
    for (const OpTypeProfile& t : p.opTypes)
        percent += t.share.percent;
    EXPECT_NEAR(percent, 100, 1e-6);
}

TEST(ProfileSession, MinimumTimeAddsRunsBeyondTheCount) {
    ProfileSettings s = quick(1);
    s.minSeconds = 0.05;
    s.overheadPairs = 0;
    auto result = profileModel(test::modelPath(kVww), s);
    ASSERT_TRUE(result.isOk()) << result.message();
    EXPECT_GT(result->runs.count, 1);
    double total = 0;
    for (double us : result->runUs)
        total += us;
    EXPECT_GE(total, 0.04e6);  // the loop ran at least 50 ms of wall time; most of it inside the runs
    EXPECT_EQ(result->overhead.pairs, 0);
}

TEST(ProfileSession, NpyAndRawInputsFeedTheModel) {
    const fs::path dir =
        fs::temp_directory_path() / ("litescope_profile_inputs_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    // vww_96_int8 takes int8 [1,96,96,3].
    std::vector<uint8_t> bytes(96 * 96 * 3, 7);
    const int64_t shape[] = {1, 96, 96, 3};
    ASSERT_TRUE(writeNpy((dir / "image.npy").string(), TensorType::Int8, shape, bytes).isOk());
    std::ofstream((dir / "image.bin").string(), std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));

    ProfileSettings s = quick(2);
    s.inputs = {parseInputSource((dir / "image.npy").string())};
    auto npy = profileModel(test::modelPath(kVww), s);
    EXPECT_TRUE(npy.isOk()) << npy.message();
    s.inputs = {parseInputSource((dir / "image.bin").string())};
    auto raw = profileModel(test::modelPath(kVww), s);
    EXPECT_TRUE(raw.isOk()) << raw.message();

    // A wrong shape names the input; so does a raw file of the wrong size.
    const int64_t wrong[] = {1, 48, 96, 6};
    ASSERT_TRUE(writeNpy((dir / "wrong.npy").string(), TensorType::Int8, wrong, bytes).isOk());
    s.inputs = {parseInputSource((dir / "wrong.npy").string())};
    auto badShape = profileModel(test::modelPath(kVww), s);
    ASSERT_FALSE(badShape.isOk());
    EXPECT_EQ(badShape.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(badShape.message().find("input"), std::string::npos) << badShape.message();
    std::ofstream((dir / "short.bin").string(), std::ios::binary) << "abc";
    s.inputs = {parseInputSource((dir / "short.bin").string())};
    auto badSize = profileModel(test::modelPath(kVww), s);
    ASSERT_FALSE(badSize.isOk());
    EXPECT_NE(badSize.message().find("short.bin"), std::string::npos) << badSize.message();
    fs::remove_all(dir);
}

TEST(ProfileSession, ClearErrorsForWhatCannotBeProfiled) {
    ProfileSettings s = quick(1);
    s.inputs = {parseInputSource("no_such_input=x.npy")};
    auto unknown = profileModel(test::modelPath(kVww), s);
    ASSERT_FALSE(unknown.isOk());
    EXPECT_EQ(unknown.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(unknown.message().find("no_such_input"), std::string::npos);
    EXPECT_NE(unknown.message().find("its inputs:"), std::string::npos) << unknown.message();

    auto missing = profileModel("/nonexistent/model.tflite", quick(1));
    ASSERT_FALSE(missing.isOk());
    EXPECT_EQ(missing.code(), ErrorCode::Io);

    const fs::path text = fs::temp_directory_path() / "litescope_not_a_model.tflite";
    std::ofstream(text) << "this is not a model";
    auto notModel = profileModel(text.string(), quick(1));
    ASSERT_FALSE(notModel.isOk());
    EXPECT_TRUE(notModel.code() == ErrorCode::NotAModel || notModel.code() == ErrorCode::InvalidModel);
    fs::remove(text);

    ProfileSettings unknownDelegate = quick(1);
    unknownDelegate.delegate = "gpu";
    EXPECT_EQ(profileModel(test::modelPath(kVww), unknownDelegate).code(), ErrorCode::InvalidArgument);
    // Full delegation required of a model with an op the delegate refuses: an error naming the op.
    ProfileSettings full = quick(1);
    full.delegate = "xnnpack";
    full.delegateOptions.requireFullDelegation = true;
    full.delegateOptions.excludedOps = {"CONV_2D"};
    auto partial = profileModel(
        test::modelPath("mlcommons-tiny/v0.1/training/visual_wake_words/trained_models/vww_96_float.tflite"), full);
    ASSERT_FALSE(partial.isOk());
    EXPECT_EQ(partial.code(), ErrorCode::Unsupported);
    EXPECT_NE(partial.message().find("operator 0 (CONV_2D): CONV_2D is excluded"), std::string::npos)
        << partial.message();

    ProfileSettings badSignature = quick(1);
    badSignature.signature = "nope";
    EXPECT_EQ(profileModel(test::modelPath(kVww), badSignature).code(), ErrorCode::InvalidArgument);
}

// With a delegate, the steps that run partitions are timed, and the nodes inside them get each run's
// partition time split by the delegate's per-node timing pass: they add up to the step, run by run.
TEST(ProfileSession, DelegatedNodesSplitTheirPartitionsTime) {
    ProfileSettings s = quick(4);
    s.delegate = "xnnpack";
    auto result = profileModel(
        test::modelPath("mediapipe/mediapipe/modules/face_detection/face_detection_short_range.tflite"), s);
    ASSERT_TRUE(result.isOk()) << result.message();
    const Profile& p = result.value();
    EXPECT_EQ(p.delegateName, "XNNPACK");
    ASSERT_FALSE(p.partitions.empty());
    EXPECT_FALSE(p.breakdownMethod.empty());
    EXPECT_NE(p.delegationDetails.find("partition 0"), std::string::npos);
    std::map<std::pair<int32_t, int32_t>, int64_t> stepNs, insideNs;
    std::set<int32_t> steps;
    for (const PartitionProfile& part : p.partitions) {
        EXPECT_EQ(part.nodes.size(), part.standaloneUs.size());
        steps.insert(part.step);
    }
    for (const NodeSample& sample : p.samples) {
        if (steps.count(sample.node) && sample.depth == 0)
            stepNs[{sample.run, sample.node}] += sample.durationNs;
    }
    for (const PartitionProfile& part : p.partitions)
        for (const NodeSample& sample : p.samples)
            if (sample.depth == 1 &&
                std::find(part.nodes.begin(), part.nodes.end(), sample.node) != part.nodes.end())
                insideNs[{sample.run, part.step}] += sample.durationNs;
    EXPECT_EQ(stepNs.size(), p.partitions.size() * 4);
    EXPECT_EQ(insideNs, stepNs);
    int delegateSteps = 0, estimated = 0;
    double percent = 0;
    for (const NodeProfile& n : p.nodes) {
        delegateSteps += n.delegateStep;
        estimated += n.estimated;
        if (n.estimated) {
            EXPECT_GE(n.partition, 0);
        } else {
            percent += n.share.percent;
        }
    }
    EXPECT_EQ(delegateSteps, static_cast<int>(p.partitions.size()));
    EXPECT_GT(estimated, 0);
    EXPECT_NEAR(percent, 100, 1e-6);
}

TEST(ProfileSession, DelegateComparisonAlternatesBothConfigurations) {
    ProfileSettings s = quick(3);
    auto result = compareDelegates(test::modelPath(kVww), s);
    ASSERT_TRUE(result.isOk()) << result.message();
    EXPECT_EQ(result->baseline.runs.count, 3);
    EXPECT_EQ(result->delegated.runs.count, 3);
    EXPECT_TRUE(result->baseline.delegateName.empty());
    EXPECT_EQ(result->delegated.delegateName, "XNNPACK");
    EXPECT_EQ(result->baseline.settings.delegate, "none");
}

TEST(ProfileSession, CancelStopsAtARunBoundaryAndProgressIsReported) {
    std::atomic<bool> cancel{false};
    int64_t runsSeen = 0;
    SessionControl control;
    control.cancel = &cancel;
    control.progress = [&](const ProfileProgress& progress) {
        if (progress.phase == ProfileProgress::Phase::Running) {
            runsSeen = progress.done;
            if (progress.done == 3) cancel = true;
        }
    };
    ProfileSettings s = quick(1000);
    auto result = profileModel(test::modelPath(kVww), s, control);
    ASSERT_FALSE(result.isOk());
    EXPECT_NE(result.message().find("cancelled"), std::string::npos);
    EXPECT_EQ(runsSeen, 3);
}

}  // namespace
}  // namespace litescope
