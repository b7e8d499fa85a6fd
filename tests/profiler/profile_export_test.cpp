// Exporters against a hand-built profile: a WHILE node in subgraph 0 whose body node runs in subgraph 1,
// three counted runs, samples with known start times. Checks the CSV's columns and quoting, the Chrome
// trace's events and tracks, the JSON document's keys and nulls, Model Explorer's keys, and file errors.
#include "profiler/profile_export.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace litescope::test {
namespace {

using nlohmann::json;

std::vector<std::string> splitLines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        lines.push_back(line);
    return lines;
}

// Splits one CSV record by RFC 4180 (no embedded line breaks needed here).
std::vector<std::string> splitCsv(const std::string& line) {
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                fields.back() += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                fields.back() += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            fields.emplace_back();
        } else {
            fields.back() += c;
        }
    }
    return fields;
}

NodeProfile node(int32_t subgraph, int32_t index, int32_t depth, std::string op, std::string tensor,
                 double firstUs, double meanUs, double percent, double cumulative) {
    NodeProfile n;
    n.subgraph = subgraph;
    n.index = index;
    n.depth = depth;
    n.op = std::move(op);
    n.name = tensor;
    n.outputTensor = std::move(tensor);
    n.callsPerRun = 1;
    n.us.count = 3;
    n.us.first = firstUs;
    n.us.mean = meanUs;
    n.us.median = meanUs;
    n.us.p90 = meanUs;
    n.us.p99 = meanUs;
    n.us.min = meanUs;
    n.us.max = firstUs;
    n.selfMeanUs = meanUs;
    n.share = {percent, cumulative};
    return n;
}

// Subgraph 0: node 0 CONV_2D, node 1 WHILE (its body runs node 0 of subgraph 1 twice per run), node 2 with a
// name that needs quoting. Three counted runs 10 ms apart.
Profile sampleProfile() {
    Profile p;
    p.modelPath = "/models/loop.tflite";
    p.modelFileName = "loop.tflite";
    p.modelSha256 = "ab12";
    p.modelBytes = 4096;
    p.settings.threads = 2;
    p.settings.runs = 3;
    p.settings.inputs = {{InputSource::Kind::NpyFile, "x", "/in/x.npy"}};
    p.subgraphName = "main";
    p.subgraphNames = {"main", "body"};
    p.machine = {"host", "Some CPU", 8, "Linux 6.1"};
    p.startedAt = "2026-01-01T00:00:00Z";
    p.litescopeVersion = "0.1.0";
    p.initUs = 500;

    p.runUs = {1000, 900, 950};
    p.runStartNs = {0, 10'000'000, 20'000'000};
    p.runs.count = 3;
    p.runs.first = 1000;
    p.runs.mean = 950;
    p.runs.median = 950;
    p.runs.medianCiLow = 900;
    p.runs.medianCiHigh = 1000;

    p.nodes.push_back(node(0, 0, 0, "CONV_2D", "conv_out", 400, 350, 40, 40));
    p.nodes.push_back(node(0, 1, 0, "WHILE", "loop_out", 500, 450, 50, 90));
    p.nodes.push_back(node(0, 2, 0, "ADD", "sum, \"final\"", 100, 90, 10, 100));
    p.nodes.push_back(node(1, 0, 1, "MUL", "body_mul", 200, 180, 100, 100));
    p.nodes[1].selfMeanUs = 90;
    p.nodes[3].callsPerRun = 2;

    for (int32_t run = 0; run < 3; ++run) {
        p.samples.push_back({run, 0, 0, 0, 1'000, 350'000});
        p.samples.push_back({run, 0, 1, 0, 360'000, 450'000});
        p.samples.push_back({run, 1, 0, 1, 370'000 + run * 1'000, 90'000});
        p.samples.push_back({run, 1, 0, 1, 500'000, 90'000});
        p.samples.push_back({run, 0, 2, 0, 820'000, 90'000});
    }
    return p;
}

TEST(ProfileCsv, HeaderAndOneRowPerNode) {
    const Profile p = sampleProfile();
    const auto lines = splitLines(profileToCsv(p));
    ASSERT_EQ(lines.size(), p.nodes.size() + 1);
    EXPECT_EQ(lines[0],
              "node type,first,avg_ms,%,cdf%,mem KB,times called,name,subgraph,index,depth,median_ms,p90_ms,"
              "p99_ms,min_ms,max_ms,stddev_ms,self_avg_ms,macs,gflops,partition,estimated");
    for (size_t i = 1; i < lines.size(); ++i)
        EXPECT_EQ(splitCsv(lines[i]).size(), 22u) << lines[i];
}

TEST(ProfileCsv, ValuesInMillisecondsAndRunOrder) {
    const Profile p = sampleProfile();
    const auto lines = splitLines(profileToCsv(p));
    ASSERT_EQ(lines.size(), 5u);
    const auto conv = splitCsv(lines[1]);
    EXPECT_EQ(conv[0], "CONV_2D");
    EXPECT_DOUBLE_EQ(std::stod(conv[1]), 0.4);
    EXPECT_DOUBLE_EQ(std::stod(conv[2]), 0.35);
    EXPECT_DOUBLE_EQ(std::stod(conv[3]), 40);
    EXPECT_DOUBLE_EQ(std::stod(conv[4]), 40);
    EXPECT_EQ(conv[5], "0");
    EXPECT_DOUBLE_EQ(std::stod(conv[6]), 1);
    EXPECT_EQ(conv[7], "conv_out");
    EXPECT_EQ(conv[8], "0");
    EXPECT_EQ(conv[9], "0");

    const auto loop = splitCsv(lines[2]);
    EXPECT_EQ(loop[0], "WHILE");
    EXPECT_DOUBLE_EQ(std::stod(loop[4]), 90);
    EXPECT_DOUBLE_EQ(std::stod(loop[17]), 0.09);  // self_avg_ms

    const auto body = splitCsv(lines[4]);
    EXPECT_EQ(body[0], "MUL");
    EXPECT_DOUBLE_EQ(std::stod(body[6]), 2);
    EXPECT_EQ(body[8], "1");
    EXPECT_EQ(body[10], "1");
}

TEST(ProfileCsv, QuotesCommasAndQuotes) {
    const auto lines = splitLines(profileToCsv(sampleProfile()));
    ASSERT_EQ(lines.size(), 5u);
    EXPECT_NE(lines[3].find(",\"sum, \"\"final\"\"\","), std::string::npos) << lines[3];
    const auto fields = splitCsv(lines[3]);
    ASSERT_EQ(fields.size(), 22u);
    EXPECT_EQ(fields[7], "sum, \"final\"");
}

TEST(ProfileCsv, LineBreakInNameIsQuoted) {
    Profile p = sampleProfile();
    p.nodes[0].name = "a\nb";
    const std::string csv = profileToCsv(p);
    EXPECT_NE(csv.find("\"a\nb\""), std::string::npos);
}

TEST(ProfileChromeTrace, OneEventPerSampleWithTimes) {
    const Profile p = sampleProfile();
    const json trace = json::parse(profileToChromeTrace(p));
    ASSERT_TRUE(trace.contains("traceEvents"));
    EXPECT_EQ(trace["displayTimeUnit"], "ms");
    EXPECT_EQ(trace["otherData"]["model"], "loop.tflite");

    std::vector<json> nodeEvents, runEvents;
    for (const json& e : trace["traceEvents"]) {
        if (e["ph"] == "X" && e["cat"] == "node") nodeEvents.push_back(e);
        if (e["ph"] == "X" && e["cat"] == "run") runEvents.push_back(e);
    }
    ASSERT_EQ(nodeEvents.size(), p.samples.size());
    ASSERT_EQ(runEvents.size(), 3u);

    // Every (subgraph, node, run) seen: the body's node has two calls per run, the others one.
    std::map<std::tuple<int, int, int>, int> perNodeRun;
    for (const json& e : nodeEvents)
        ++perNodeRun[{e["args"]["subgraph"].get<int>(), e["args"]["index"].get<int>(),
                      e["args"]["run"].get<int>()}];
    EXPECT_EQ(perNodeRun.size(), 12u);
    for (const auto& [key, count] : perNodeRun)
        EXPECT_EQ(count, std::get<0>(key) == 1 ? 2 : 1);

    // Run 2's first body call: run start 20 ms + 372 us.
    const json& body = nodeEvents[2 * 5 + 2];
    EXPECT_EQ(body["name"], "MUL");
    EXPECT_EQ(body["tid"], 2);
    EXPECT_EQ(body["pid"], 1);
    EXPECT_DOUBLE_EQ(body["ts"].get<double>(), 20'372.0);
    EXPECT_DOUBLE_EQ(body["dur"].get<double>(), 90.0);
    EXPECT_EQ(body["args"]["op"], "MUL");
    EXPECT_EQ(body["args"]["tensor"], "body_mul");
    EXPECT_EQ(body["args"]["run"], 2);

    const json& conv = nodeEvents[5];  // run 1, CONV_2D
    EXPECT_EQ(conv["tid"], 1);
    EXPECT_DOUBLE_EQ(conv["ts"].get<double>(), 10'001.0);
    EXPECT_DOUBLE_EQ(conv["dur"].get<double>(), 350.0);

    EXPECT_EQ(runEvents[1]["name"], "Invoke (run 1)");
    EXPECT_EQ(runEvents[1]["tid"], 0);
    EXPECT_DOUBLE_EQ(runEvents[1]["ts"].get<double>(), 10'000.0);
    EXPECT_DOUBLE_EQ(runEvents[1]["dur"].get<double>(), 900.0);
}

TEST(ProfileChromeTrace, MetadataNamesProcessAndTracks) {
    const json trace = json::parse(profileToChromeTrace(sampleProfile()));
    std::map<int, std::string> threadNames;
    std::set<int> sorted;
    std::string processName;
    for (const json& e : trace["traceEvents"]) {
        if (e["ph"] != "M") continue;
        if (e["name"] == "thread_name") threadNames[e["tid"].get<int>()] = e["args"]["name"];
        if (e["name"] == "thread_sort_index") sorted.insert(e["tid"].get<int>());
        if (e["name"] == "process_name") processName = e["args"]["name"];
    }
    EXPECT_EQ(processName, "litescope: loop.tflite");
    EXPECT_EQ(threadNames[0], "Runs");
    EXPECT_EQ(threadNames[1], "Subgraph 0: main");
    EXPECT_EQ(threadNames[2], "Subgraph 1: body");
    EXPECT_EQ(threadNames.size(), 3u);
    EXPECT_EQ(sorted, (std::set<int>{0, 1, 2}));
}

TEST(ProfileChromeTrace, SampleOfUnknownNodeIsNamedByIndex) {
    Profile p = sampleProfile();
    p.samples.push_back({0, 0, 7, 0, 900'000, 1'000});
    const json trace = json::parse(profileToChromeTrace(p));
    bool found = false;
    for (const json& e : trace["traceEvents"])
        if (e["ph"] == "X" && e["name"] == "node 7") {
            found = true;
            EXPECT_EQ(e["cat"], "node");
            EXPECT_DOUBLE_EQ(e["ts"].get<double>(), 900.0);
        }
    EXPECT_TRUE(found);
}

TEST(ProfileJson, RequiredKeysAndValues) {
    const Profile p = sampleProfile();
    const json j = json::parse(profileToJson(p));
    for (const char* key : {"model",
                            "settings",
                            "machine",
                            "started_at",
                            "litescope_version",
                            "subgraph",
                            "init_us",
                            "load_us",
                            "create_us",
                            "delegate_us",
                            "prepare_us",
                            "input_us",
                            "warmup_us",
                            "runs",
                            "run_us",
                            "nodes",
                            "op_types",
                            "profiling_overhead_percent",
                            "overhead",
                            "arena_bytes",
                            "memory",
                            "dropped_samples"})
        EXPECT_TRUE(j.contains(key)) << key;
    EXPECT_FALSE(j.contains("samples"));
    EXPECT_FALSE(j.contains("run_start_ns"));

    EXPECT_EQ(j["model"]["file_name"], "loop.tflite");
    EXPECT_EQ(j["model"]["bytes"], 4096);
    EXPECT_EQ(j["settings"]["threads"], 2);
    EXPECT_EQ(j["settings"]["inputs"][0]["kind"], "npy");
    EXPECT_EQ(j["settings"]["inputs"][0]["path"], "/in/x.npy");
    EXPECT_EQ(j["machine"]["logical_cores"], 8);
    EXPECT_EQ(j["runs"]["count"], 3);
    EXPECT_DOUBLE_EQ(j["runs"]["mean_us"].get<double>(), 950);
    EXPECT_EQ(j["runs"]["median_ci95_us"], json::array({900.0, 1000.0}));
    EXPECT_EQ(j["run_us"], json::array({1000.0, 900.0, 950.0}));
    EXPECT_DOUBLE_EQ(j["init_us"].get<double>(), 500);

    ASSERT_EQ(j["nodes"].size(), 4u);
    EXPECT_EQ(j["nodes"][1]["op"], "WHILE");
    EXPECT_DOUBLE_EQ(j["nodes"][1]["share_percent"].get<double>(), 50);
    EXPECT_DOUBLE_EQ(j["nodes"][1]["cumulative_percent"].get<double>(), 90);
    EXPECT_DOUBLE_EQ(j["nodes"][1]["self_mean_us"].get<double>(), 90);
    EXPECT_EQ(j["nodes"][3]["subgraph"], 1);
    EXPECT_EQ(j["nodes"][3]["depth"], 1);
    EXPECT_EQ(j["nodes"][3]["tensor"], "body_mul");

    EXPECT_TRUE(j["profiling_overhead_percent"].is_null());
    EXPECT_EQ(j["overhead"]["pairs"], 0);
}

TEST(ProfileJson, OverheadWhenMeasured) {
    Profile p = sampleProfile();
    p.overhead = {20, 1000, 1030, 3.0};
    const json j = json::parse(profileToJson(p));
    ASSERT_TRUE(j["profiling_overhead_percent"].is_number());
    EXPECT_DOUBLE_EQ(j["profiling_overhead_percent"].get<double>(), 3.0);
    EXPECT_DOUBLE_EQ(j["overhead"]["profiled_median_us"].get<double>(), 1030);
}

TEST(ProfileJson, NonFiniteWrittenAsNull) {
    Profile p = sampleProfile();
    p.nodes[0].us.mean = std::numeric_limits<double>::quiet_NaN();
    p.nodes[0].gflops = std::numeric_limits<double>::infinity();
    p.runUs[1] = std::numeric_limits<double>::quiet_NaN();
    const std::string text = profileToJson(p);
    EXPECT_EQ(text.find("nan"), std::string::npos);
    EXPECT_EQ(text.find("NaN"), std::string::npos);
    const json j = json::parse(text);
    EXPECT_TRUE(j["nodes"][0]["mean_us"].is_null());
    EXPECT_TRUE(j["nodes"][0]["gflops"].is_null());
    EXPECT_TRUE(j["run_us"][1].is_null());
    EXPECT_DOUBLE_EQ(j["nodes"][1]["mean_us"].get<double>(), 450);
}

TEST(ProfileJson, SamplesWhenAsked) {
    const Profile p = sampleProfile();
    const json j = json::parse(profileToJson(p, true));
    ASSERT_EQ(j["samples"].size(), p.samples.size());
    EXPECT_EQ(j["samples"][7], json::array({1, 1, 0, 1, 371'000, 90'000}));
    EXPECT_EQ(j["run_start_ns"], json::array({0, 10'000'000, 20'000'000}));
}

TEST(ProfileJson, InvalidUtf8NameDoesNotThrow) {
    Profile p = sampleProfile();
    p.nodes[0].name = std::string("bad\xff", 4);
    std::string text;
    EXPECT_NO_THROW(text = profileToJson(p));
    EXPECT_TRUE(json::accept(text));
}

TEST(ProfileModelExplorer, KeysAndValues) {
    Profile p = sampleProfile();
    p.nodes[2].outputTensor = "";  // keyed by its node index instead
    const json j = json::parse(profileToModelExplorer(p, {"serving_default"}));
    ASSERT_EQ(j.size(), 2u);
    ASSERT_TRUE(j.contains("serving_default"));
    ASSERT_TRUE(j.contains("subgraph_1"));
    const json& main = j["serving_default"]["results"];
    EXPECT_EQ(main.size(), 3u);
    EXPECT_DOUBLE_EQ(main["conv_out"]["value"].get<double>(), 0.35);
    EXPECT_DOUBLE_EQ(main["loop_out"]["value"].get<double>(), 0.45);
    EXPECT_DOUBLE_EQ(main["2"]["value"].get<double>(), 0.09);
    EXPECT_DOUBLE_EQ(j["subgraph_1"]["results"]["body_mul"]["value"].get<double>(), 0.18);

    const json& gradient = j["subgraph_1"]["gradient"];
    ASSERT_EQ(gradient.size(), 3u);
    EXPECT_EQ(gradient[0]["stop"], 0);
    EXPECT_EQ(gradient[0]["bgColor"], "#2e7d32");
    EXPECT_DOUBLE_EQ(gradient[1]["stop"].get<double>(), 0.5);
    EXPECT_EQ(gradient[2]["bgColor"], "#c62828");
}

TEST(ProfileModelExplorer, FallbackIdsAndDuplicateTensors) {
    Profile p = sampleProfile();
    p.nodes[1].outputTensor = "conv_out";  // duplicate: the first node keeps the key
    const json j = json::parse(profileToModelExplorer(p, {"", ""}));
    ASSERT_TRUE(j.contains("main"));
    ASSERT_TRUE(j.contains("subgraph_1"));
    EXPECT_EQ(j["main"]["results"].size(), 2u);
    EXPECT_DOUBLE_EQ(j["main"]["results"]["conv_out"]["value"].get<double>(), 0.35);

    Profile onlyBody;
    onlyBody.nodes.push_back(p.nodes[3]);
    const json k = json::parse(profileToModelExplorer(onlyBody, {"main", "loop_body"}));
    EXPECT_EQ(k.size(), 1u);
    EXPECT_TRUE(k.contains("loop_body"));
}

TEST(WriteTextFile, WritesBytesExactly) {
    const auto path = std::filesystem::temp_directory_path() / "litescope_profile_export_test.csv";
    const std::string text = "a,b\r\n\"c\"\n";
    ASSERT_TRUE(writeTextFile(path.string(), text).isOk());
    std::ifstream in(path, std::ios::binary);
    const std::string back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(back, text);
    std::filesystem::remove(path);
}

TEST(WriteTextFile, MissingDirectoryIsAnError) {
    const auto path = std::filesystem::temp_directory_path() / "litescope_no_such_dir_4f1c" / "profile.json";
    const Status s = writeTextFile(path.string(), "{}");
    EXPECT_FALSE(s.isOk());
    EXPECT_EQ(s.code(), ErrorCode::Io);
    EXPECT_NE(s.message().find(path.string()), std::string::npos) << s.message();
    EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace litescope::test
