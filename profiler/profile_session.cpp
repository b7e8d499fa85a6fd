#include "profiler/profile_session.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <thread>

#include "profiler/npy.h"
#include "profiler/sha256.h"
#include "profiler/tensor_io.h"
#include "runtime/interpreter.h"

namespace litescope {

namespace {

using Clock = std::chrono::steady_clock;

double microsecondsSince(Clock::time_point start) {
    return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string isoNowUtc() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

bool endsWith(const std::string& text, std::string_view suffix) {
    if (text.size() < suffix.size()) return false;
    std::string tail = text.substr(text.size() - suffix.size());
    std::transform(tail.begin(), tail.end(), tail.begin(), [](unsigned char c) { return std::tolower(c); });
    return tail == suffix;
}

// Samples are stored at most this many: 32 bytes each, 128 MiB. A session that would need more (a tiny model
// run for minutes) stops counting runs there and says so.
constexpr size_t kMaxSamples = size_t{4} << 20;

// The inputs of the invoked subgraph, by position, with the names users may give them.
struct InputSlot {
    int32_t tensor = 0;
    std::string name;        // the tensor's name, or the signature's input name
    std::string tensorName;  // the tensor's own name (also accepted)
    std::optional<InputSource> source;
    std::optional<NpyArray> npy;
};

Status assignSources(std::vector<InputSlot>& slots, const std::vector<InputSource>& sources) {
    size_t nextPositional = 0;
    for (const InputSource& source : sources) {
        InputSlot* slot = nullptr;
        if (source.name.empty()) {
            while (nextPositional < slots.size() && slots[nextPositional].source)
                ++nextPositional;
            if (nextPositional >= slots.size())
                return {ErrorCode::InvalidArgument, "more input files (" + std::to_string(sources.size()) +
                                                        ") than the model has inputs (" +
                                                        std::to_string(slots.size()) + ")"};
            slot = &slots[nextPositional];
        } else {
            for (InputSlot& s : slots)
                if (s.name == source.name || s.tensorName == source.name) slot = &s;
            if (!slot) {
                std::string names;
                for (const InputSlot& s : slots)
                    names += (names.empty() ? "" : ", ") + s.name;
                return {ErrorCode::InvalidArgument,
                        "the model has no input named '" + source.name + "' (its inputs: " + names + ")"};
            }
            if (slot->source)
                return {ErrorCode::InvalidArgument, "input '" + slot->name + "' is given twice"};
        }
        slot->source = source;
    }
    return Status::ok();
}

// The shape an .npy array gives an input whose shape signature leaves dimensions open, when it differs.
std::optional<Shape> resizeFor(const NpyArray& array, const Tensor& tensor) {
    if (tensor.shapeSignature.empty() || array.shape.size() != tensor.shapeSignature.size()) return {};
    std::vector<int32_t> dims;
    bool differs = false;
    for (size_t d = 0; d < array.shape.size(); ++d) {
        const int32_t want = tensor.shapeSignature[d];
        if (array.shape[d] < 0 || array.shape[d] > INT32_MAX) return {};
        const auto have = static_cast<int32_t>(array.shape[d]);
        if (want != -1 && want != have) return {};
        differs |= d >= tensor.shape.size() || tensor.shape[d] != have;
        dims.push_back(have);
    }
    if (!differs) return {};
    return Shape(std::span<const int32_t>(dims.data(), dims.size()));
}

void report(const SessionControl& control, ProfileProgress::Phase phase, int64_t done, int64_t total,
            Clock::time_point phaseStart) {
    if (!control.progress) return;
    ProfileProgress p;
    p.phase = phase;
    p.done = done;
    p.total = total;
    p.elapsedSeconds = secondsSince(phaseStart);
    control.progress(p);
}

bool cancelled(const SessionControl& control) {
    return control.cancel && control.cancel->load(std::memory_order_relaxed);
}

Status cancelledStatus() {
    return {ErrorCode::Runtime, "profiling cancelled"};
}

double median(std::vector<double> values) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    return percentileOfSorted(values, 50);
}

}  // namespace

InputSource parseInputSource(const std::string& text) {
    InputSource source;
    const size_t eq = text.find('=');
    std::error_code ec;
    if (eq == std::string::npos || std::filesystem::is_regular_file(text, ec)) {
        source.path = text;
    } else {
        source.name = text.substr(0, eq);
        source.path = text.substr(eq + 1);
    }
    source.kind = endsWith(source.path, ".npy") ? InputSource::Kind::NpyFile : InputSource::Kind::RawFile;
    return source;
}

ResidentMemory residentMemory() {
    ResidentMemory m;
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        auto field = [&](std::string_view key, int64_t& out) {
            if (line.rfind(key, 0) == 0) out = std::atoll(line.c_str() + key.size()) * 1024;  // kB
        };
        field("VmRSS:", m.current);
        field("VmHWM:", m.peak);
    }
    return m;
}

MachineInfo currentMachine() {
    MachineInfo m;
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0) m.hostname = host;
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
        if (line.rfind("model name", 0) == 0) {
            const size_t colon = line.find(':');
            if (colon != std::string::npos) m.cpu = line.substr(line.find_first_not_of(' ', colon + 1));
            break;
        }
    }
    m.logicalCores = static_cast<int>(std::thread::hardware_concurrency());
    utsname u{};
    if (uname(&u) == 0) m.os = std::string(u.sysname) + " " + u.release + " " + u.machine;
    return m;
}

void summarizeProfile(Profile& profile, std::span<const NodeDescription> describe) {
    profile.runs = summarize(profile.runUs);
    profile.nodes.clear();
    profile.opTypes.clear();
    const size_t runCount = profile.runUs.size();
    if (runCount == 0) return;

    std::map<std::pair<int32_t, int32_t>, const NodeDescription*> descriptions;
    for (const NodeDescription& d : describe)
        descriptions[{d.subgraph, d.index}] = &d;

    // Per node: its time in each run (a body node may run many times in one), its self time, calls, and
    // where it first ran in run order.
    struct Accumulator {
        std::vector<double> perRunUs;
        std::vector<double> perRunSelfUs;
        std::vector<char> ran;
        int64_t calls = 0;
        int64_t firstOrder = INT64_MAX;
        int32_t depth = 0;
    };
    std::map<std::pair<int32_t, int32_t>, Accumulator> nodes;
    constexpr int kMaxDepth = 64;
    double childUs[kMaxDepth + 1] = {};
    int32_t currentRun = -1;
    int64_t order = 0;
    for (const NodeSample& s : profile.samples) {
        if (s.run < 0 || static_cast<size_t>(s.run) >= runCount || s.depth < 0 || s.depth >= kMaxDepth)
            continue;
        if (s.run != currentRun) {
            std::fill(std::begin(childUs), std::end(childUs), 0.0);
            currentRun = s.run;
            order = 0;
        }
        Accumulator& a = nodes[{s.subgraph, s.node}];
        if (a.perRunUs.empty()) {
            a.perRunUs.assign(runCount, 0.0);
            a.perRunSelfUs.assign(runCount, 0.0);
            a.ran.assign(runCount, 0);
            a.depth = s.depth;
        }
        const double us = static_cast<double>(s.durationNs) / 1000.0;
        // Samples come in the order nodes end: the nodes nested in a control-flow node end before it does,
        // so what accumulated one level deeper since the last node of this level ended is its children's.
        const double self = std::max(0.0, us - childUs[s.depth + 1]);
        childUs[s.depth + 1] = 0;
        childUs[s.depth] += us;
        a.perRunUs[static_cast<size_t>(s.run)] += us;
        a.perRunSelfUs[static_cast<size_t>(s.run)] += self;
        a.ran[static_cast<size_t>(s.run)] = 1;
        ++a.calls;
        // Run order: by start within the first run the node appears in (start order, not end order, so a
        // control-flow node comes before its body).
        a.firstOrder = std::min(a.firstOrder, static_cast<int64_t>(s.run) * (int64_t{1} << 32) + s.startNs);
        ++order;
    }

    std::map<int32_t, std::vector<double>> meansBySubgraph;
    for (auto& [key, a] : nodes) {
        NodeProfile n;
        n.subgraph = key.first;
        n.index = key.second;
        n.depth = a.depth;
        auto it = descriptions.find(key);
        if (it != descriptions.end()) {
            n.op = it->second->op;
            n.outputTensor = it->second->outputTensor;
            n.cost = it->second->cost;
        } else {
            n.op = "node " + std::to_string(key.second);
        }
        n.name = n.outputTensor.empty() ? n.op : n.outputTensor;
        std::vector<double> ranUs;
        for (size_t r = 0; r < runCount; ++r)
            if (a.ran[r]) ranUs.push_back(a.perRunUs[r]);
        n.us = summarize(ranUs);
        n.callsPerRun = static_cast<double>(a.calls) / static_cast<double>(runCount);
        double total = 0, selfTotal = 0;
        for (size_t r = 0; r < runCount; ++r)
            total += a.perRunUs[r], selfTotal += a.perRunSelfUs[r];
        const double meanPerRun = total / static_cast<double>(runCount);
        n.selfMeanUs = selfTotal / static_cast<double>(runCount);
        n.gflops = gflopsOf({n.cost.macs * n.callsPerRun, n.cost.elements * n.callsPerRun}, meanPerRun);
        n.firstRunOrder = a.firstOrder;
        profile.nodes.push_back(std::move(n));
        meansBySubgraph[key.first].push_back(meanPerRun);
    }
    // Shares within each subgraph, in index order (nodes are in (subgraph, index) order already).
    {
        size_t at = 0;
        for (auto& [subgraph, means] : meansBySubgraph) {
            const std::vector<Share> shares = sharesOf(means);
            for (const Share& share : shares)
                profile.nodes[at++].share = share;
        }
    }
    // Run order: rank by first start.
    {
        std::vector<size_t> byStart(profile.nodes.size());
        for (size_t i = 0; i < byStart.size(); ++i)
            byStart[i] = i;
        std::stable_sort(byStart.begin(), byStart.end(), [&](size_t a, size_t b) {
            return profile.nodes[a].firstRunOrder < profile.nodes[b].firstRunOrder;
        });
        for (size_t rank = 0; rank < byStart.size(); ++rank)
            profile.nodes[byStart[rank]].firstRunOrder = static_cast<int64_t>(rank);
    }

    // By op type, on self time, so that a WHILE and the ops of its body are not both counted.
    struct TypeAccumulator {
        std::vector<double> perRunUs;
        int64_t nodes = 0;
        double callsPerRun = 0;
        double macs = 0, elements = 0;  // per run
    };
    std::map<std::string, TypeAccumulator> types;
    {
        size_t i = 0;
        for (auto& [key, a] : nodes) {
            const NodeProfile& n = profile.nodes[i++];
            TypeAccumulator& t = types[n.op];
            if (t.perRunUs.empty()) t.perRunUs.assign(runCount, 0.0);
            for (size_t r = 0; r < runCount; ++r)
                t.perRunUs[r] += a.perRunSelfUs[r];
            ++t.nodes;
            t.callsPerRun += n.callsPerRun;
            t.macs += n.cost.macs * n.callsPerRun;
            t.elements += n.cost.elements * n.callsPerRun;
        }
    }
    for (auto& [op, t] : types) {
        OpTypeProfile p;
        p.op = op;
        p.nodes = t.nodes;
        p.callsPerRun = t.callsPerRun;
        p.us = summarize(t.perRunUs);
        p.gflops = gflopsOf({t.macs, t.elements}, p.us.mean);
        profile.opTypes.push_back(std::move(p));
    }
    std::stable_sort(profile.opTypes.begin(), profile.opTypes.end(),
                     [](const OpTypeProfile& a, const OpTypeProfile& b) { return a.us.mean > b.us.mean; });
    std::vector<double> typeMeans;
    for (const OpTypeProfile& t : profile.opTypes)
        typeMeans.push_back(t.us.mean);
    const std::vector<Share> typeShares = sharesOf(typeMeans);
    for (size_t i = 0; i < typeShares.size(); ++i)
        profile.opTypes[i].share = typeShares[i];
}

Result<Profile> profileModel(const std::string& modelPath, const ProfileSettings& settings,
                             const SessionControl& control) {
    if (settings.delegate == "xnnpack")
        return Status{ErrorCode::Unsupported,
                      "the XNNPACK delegate is not part of this build yet: profile with --delegate none"};
    if (settings.delegate != "none")
        return Status{ErrorCode::InvalidArgument,
                      "unknown delegate '" + settings.delegate + "' (expected none or xnnpack)"};
    if (settings.threads < 1 || settings.runs < 0 || settings.warmupRuns < 0 || settings.maxRuns < 1 ||
        !(settings.minSeconds >= 0) || !(settings.maxSeconds > 0) || !(settings.delaySeconds >= 0) ||
        !(settings.warmupMinSeconds >= 0))
        return Status{ErrorCode::InvalidArgument,
                      "profile settings out of range (threads >= 1, runs >= 0, "
                      "times >= 0, max-secs > 0)"};

    Profile profile;
    profile.settings = settings;
    profile.modelPath = modelPath;
    profile.modelFileName = std::filesystem::path(modelPath).filename().string();
    profile.machine = currentMachine();
    profile.startedAt = isoNowUtc();
    profile.memory.rssStartBytes = residentMemory().current;

    const auto initStart = Clock::now();
    report(control, ProfileProgress::Phase::Loading, 0, 1, initStart);
    auto t0 = Clock::now();
    auto loaded = Model::fromFile(modelPath);
    if (!loaded) return loaded.status();
    profile.loadUs = microsecondsSince(t0);
    std::shared_ptr<const Model> model = loaded.value();
    profile.modelBytes = model->bytes().size();
    profile.modelSha256 = sha256Hex(model->bytes().data(), model->bytes().size());
    for (const Subgraph& sg : model->subgraphs()) {
        std::string name(sg.name);
        for (const SignatureDef& sig : model->signatures())
            if (name.empty() && sig.subgraphIndex == static_cast<uint32_t>(sg.index)) name = sig.key;
        if (name.empty()) name = sg.index == 0 ? "main" : "subgraph_" + std::to_string(sg.index);
        profile.subgraphNames.push_back(std::move(name));
    }

    t0 = Clock::now();
    InterpreterOptions options;
    options.threads = settings.threads;
    auto created = Interpreter::create(model, options);
    if (!created) return created.status();
    profile.createUs = microsecondsSince(t0);
    Interpreter& interpreter = *created.value();

    const SignatureDef* signature = nullptr;
    if (!settings.signature.empty()) {
        signature = interpreter.findSignature(settings.signature);
        if (!signature) {
            std::string keys;
            for (const auto& s : model->signatures())
                keys += (keys.empty() ? "" : ", ") + std::string(s.key);
            return Status{ErrorCode::InvalidArgument,
                          "no signature '" + settings.signature +
                              "' (the model has: " + (keys.empty() ? "none" : keys) + ")"};
        }
    }
    SubgraphRuntime& sg = signature ? interpreter.subgraph(signature->subgraphIndex) : interpreter.main();
    profile.subgraphName =
        signature ? std::string(signature->key) : profile.subgraphNames[static_cast<size_t>(sg.index())];

    // Inputs: which file feeds which input, read before prepare so that an .npy array can set the shape of
    // an input with open dimensions.
    std::vector<InputSlot> slots;
    if (signature) {
        for (const TensorMap& m : signature->inputs)
            slots.push_back({static_cast<int32_t>(m.tensorIndex),
                             std::string(m.name),
                             std::string(sg.model().tensors[m.tensorIndex].name),
                             {},
                             {}});
    } else {
        for (int32_t t : sg.model().inputs) {
            std::string name(sg.model().tensors[static_cast<size_t>(t)].name);
            slots.push_back({t, name, name, {}, {}});
        }
    }
    if (Status s = assignSources(slots, settings.inputs); !s) return s;
    t0 = Clock::now();
    for (size_t k = 0; k < slots.size(); ++k) {
        InputSlot& slot = slots[k];
        if (!slot.source || slot.source->kind != InputSource::Kind::NpyFile) continue;
        auto array = readNpy(slot.source->path);
        if (!array) return Status{array.code(), "input '" + slot.name + "': " + array.message()};
        const Tensor& tensor = sg.model().tensors[static_cast<size_t>(slot.tensor)];
        if (auto shape = resizeFor(*array, tensor); shape && !signature) {
            if (Status s = sg.resizeInput(k, *shape); !s)
                return Status{ErrorCode::InvalidArgument, "input '" + slot.name + "': " + s.message()};
        }
        slot.npy = std::move(array).value();
    }
    double inputReadUs = microsecondsSince(t0);

    t0 = Clock::now();
    if (Status s = sg.prepare(); !s) return s;
    profile.prepareUs = microsecondsSince(t0);
    profile.initUs = profile.loadUs + profile.createUs + profile.delegateUs + profile.prepareUs;

    t0 = Clock::now();
    for (size_t k = 0; k < slots.size(); ++k) {
        InputSlot& slot = slots[k];
        RuntimeTensor& tensor = sg.tensor(slot.tensor);
        Status s;
        if (slot.npy) {
            s = copyNpyToTensor(*slot.npy, tensor, slot.name);
            slot.npy.reset();
        } else if (slot.source) {
            s = readRawInput(tensor, slot.source->path, "input '" + slot.name + "'");
        } else {
            RandomInputOptions random;
            random.seed = settings.seed;
            s = fillDeterministic(tensor, static_cast<int>(k), random);
        }
        if (!s)
            return Status{s.code() == ErrorCode::Io ? ErrorCode::Io : ErrorCode::InvalidArgument,
                          s.message()};
    }
    profile.inputUs = inputReadUs + microsecondsSince(t0);
    {
        const ResidentMemory m = residentMemory();
        profile.memory.rssAfterInitBytes = m.current;
        profile.memory.peakRssAfterInitBytes = m.peak;
    }

    // Warm-up: caches, lazily built tables, the thread pool's first wake-up. Recorded like counted runs so
    // that the recorder is warm too, and to learn how many node events one run makes.
    size_t nodeCount = 0;
    for (const Subgraph& s : model->subgraphs())
        nodeCount += s.operators.size();
    NodeRecorder recorder(std::max<size_t>(nodeCount * 4, 1024));
    size_t eventsPerRun = std::max<size_t>(nodeCount, 1);
    std::vector<double> warmupRunUs;
    {
        const auto phaseStart = Clock::now();
        int done = 0;
        while (done < settings.warmupRuns ||
               (done > 0 && secondsSince(phaseStart) < settings.warmupMinSeconds &&
                done < std::max(settings.warmupRuns, 1) * 1000)) {
            if (cancelled(control)) return cancelledStatus();
            recorder.clear();
            recorder.beginRun();
            Status s = sg.invoke(&recorder, 0);
            recorder.endRun();
            if (!s) return s;
            if (recorder.dropped() > 0) recorder.reserve(recorder.capacity() * 2 + recorder.dropped());
            eventsPerRun =
                std::max(eventsPerRun, recorder.samples().size() + static_cast<size_t>(recorder.dropped()));
            profile.warmupUs.push_back(static_cast<double>(recorder.runDurationsNs().back()) / 1000.0);
            ++done;
            report(control, ProfileProgress::Phase::WarmingUp, done, settings.warmupRuns, phaseStart);
            if (settings.delaySeconds > 0)
                std::this_thread::sleep_for(std::chrono::duration<double>(settings.delaySeconds));
        }
    }

    // How many counted runs the time settings will allow, to reserve the sample buffer up front.
    const double runSeconds = profile.warmupUs.empty() ? 0.0 : median(profile.warmupUs) / 1e6;
    int64_t expectedRuns = settings.runs;
    if (runSeconds > 0) {
        const double fitting = settings.minSeconds / (runSeconds + settings.delaySeconds);
        expectedRuns = std::max<int64_t>(expectedRuns, static_cast<int64_t>(std::ceil(fitting * 1.2)) + 8);
    }
    expectedRuns = std::clamp<int64_t>(expectedRuns, 1, settings.maxRuns);
    recorder.clear();
    recorder.reserve(std::min(kMaxSamples, static_cast<size_t>(expectedRuns) * eventsPerRun + eventsPerRun),
                     static_cast<size_t>(expectedRuns) + 16);

    // Counted runs.
    bool bufferFull = false;
    {
        const auto phaseStart = Clock::now();
        int64_t done = 0;
        for (;;) {
            const double elapsed = secondsSince(phaseStart);
            if (done >= 1 && ((done >= settings.runs && elapsed >= settings.minSeconds) ||
                              elapsed >= settings.maxSeconds || done >= settings.maxRuns))
                break;
            if (cancelled(control)) return cancelledStatus();
            if (recorder.capacity() - recorder.samples().size() < eventsPerRun * 2) {
                if (recorder.capacity() >= kMaxSamples) {
                    bufferFull = true;
                    break;
                }
                recorder.reserve(std::min(kMaxSamples, recorder.capacity() * 2),
                                 recorder.runDurationsNs().size() * 2);
            }
            const size_t before = recorder.samples().size();
            recorder.beginRun();
            Status s = sg.invoke(&recorder, 0);
            recorder.endRun();
            if (!s) return s;
            eventsPerRun = std::max(eventsPerRun, recorder.samples().size() - before);
            ++done;
            report(control, ProfileProgress::Phase::Running, done, expectedRuns, phaseStart);
            if (settings.delaySeconds > 0)
                std::this_thread::sleep_for(std::chrono::duration<double>(settings.delaySeconds));
        }
    }
    if (bufferFull)
        profile.notes.push_back("the sample buffer (" + std::to_string(kMaxSamples) +
                                " node events) filled up: counted runs stopped after " +
                                std::to_string(recorder.runDurationsNs().size()));
    if (recorder.dropped() > 0)
        profile.notes.push_back(std::to_string(recorder.dropped()) +
                                " node events did not fit the sample buffer and are missing from the node "
                                "statistics");
    profile.samples = recorder.samples();
    profile.runStartNs = recorder.runStartsNs();
    profile.droppedSamples = recorder.dropped();
    for (int64_t ns : recorder.runDurationsNs())
        profile.runUs.push_back(static_cast<double>(ns) / 1000.0);

    // What recording costs: unprofiled and profiled invokes in interleaved pairs, the order alternating
    // within pairs, so that drift (frequency, other load) falls on both alike.
    if (settings.overheadPairs != 0) {
        const auto phaseStart = Clock::now();
        // Automatic: at least 20 pairs (fewer only when fewer runs were counted) and 0.5 s, at most as many
        // pairs as counted runs, so that the check never takes much longer than the profile.
        const auto counted = static_cast<int64_t>(profile.runUs.size());
        const int64_t minPairs =
            settings.overheadPairs > 0 ? settings.overheadPairs : std::min<int64_t>(20, counted);
        const int64_t maxPairs =
            settings.overheadPairs > 0 ? settings.overheadPairs : std::max(minPairs, counted);
        NodeRecorder probe(eventsPerRun * 2 + 16);
        std::vector<double> plain, profiled;
        for (int64_t pair = 0; pair < maxPairs; ++pair) {
            if (pair >= minPairs && secondsSince(phaseStart) >= 0.5) break;
            if (cancelled(control)) return cancelledStatus();
            for (int half = 0; half < 2; ++half) {
                const bool withRecorder = (half == 0) == (pair % 2 == 1);
                probe.clear();
                const auto start = Clock::now();
                if (withRecorder) probe.beginRun();
                Status s = sg.invoke(withRecorder ? &probe : nullptr, 0);
                if (withRecorder) probe.endRun();
                const double us = microsecondsSince(start);
                if (!s) return s;
                (withRecorder ? profiled : plain).push_back(us);
            }
            report(control, ProfileProgress::Phase::MeasuringOverhead, pair + 1, maxPairs, phaseStart);
        }
        profile.overhead.pairs = static_cast<int64_t>(plain.size());
        profile.overhead.unprofiledMedianUs = median(plain);
        profile.overhead.profiledMedianUs = median(profiled);
        if (profile.overhead.unprofiledMedianUs > 0)
            profile.overhead.percent =
                (profile.overhead.profiledMedianUs / profile.overhead.unprofiledMedianUs - 1.0) * 100.0;
    }

    for (size_t i = 0; i < interpreter.subgraphCount(); ++i) {
        SubgraphRuntime& s = interpreter.subgraph(i);
        if (s.isPrepared()) profile.arenaBytes += static_cast<int64_t>(s.plan().arenaBytes);
    }
    profile.memory.peakRssBytes = residentMemory().peak;

    // Node descriptions with the shapes the interpreter resolved, for the cost model.
    std::vector<NodeDescription> describe;
    for (size_t i = 0; i < interpreter.subgraphCount(); ++i) {
        SubgraphRuntime& s = interpreter.subgraph(i);
        const Subgraph& graph = s.model();
        std::vector<Shape> shapes;
        if (s.isPrepared()) {
            shapes.reserve(s.tensorCount());
            for (size_t t = 0; t < s.tensorCount(); ++t)
                shapes.push_back(s.tensor(static_cast<int32_t>(t)).shape);
        }
        for (const Operator& op : graph.operators) {
            NodeDescription d;
            d.subgraph = graph.index;
            d.index = op.index;
            d.op = model->operatorCode(op).name;
            for (int32_t out : op.outputs)
                if (out >= 0) {
                    d.outputTensor = std::string(graph.tensors[static_cast<size_t>(out)].name);
                    break;
                }
            d.cost = estimateOpCost(*model, graph, op, shapes);
            describe.push_back(std::move(d));
        }
    }
    summarizeProfile(profile, describe);
    if (profile.nodes.empty())
        profile.notes.push_back(
            "no operator ran: the invoked subgraph has none, or all were computed once at "
            "prepare from constants");
    return profile;
}

}  // namespace litescope
