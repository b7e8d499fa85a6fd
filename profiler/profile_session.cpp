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

#include "profiler/delegation_text.h"
#include "profiler/npy.h"
#include "profiler/sha256.h"
#include "profiler/tensor_io.h"
#include "runtime/delegates/registry.h"
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

    std::vector<double> meanPerRunOf;
    for (auto& [key, a] : nodes) {
        NodeProfile n;
        n.subgraph = key.first;
        n.index = key.second;
        n.depth = a.depth;
        auto it = descriptions.find(key);
        if (it != descriptions.end()) {
            const NodeDescription& d = *it->second;
            n.op = d.op;
            n.outputTensor = d.outputTensor;
            n.cost = d.cost;
            n.partition = d.partition;
            n.delegateStep = d.delegateStep;
            n.estimated = d.estimated;
            n.name = d.label;
        } else {
            n.op = "node " + std::to_string(key.second);
        }
        if (n.name.empty()) n.name = n.outputTensor.empty() ? n.op : n.outputTensor;
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
        meanPerRunOf.push_back(meanPerRun);
    }
    // Shares within each subgraph, in index order (nodes are in (subgraph, index) order already), of the
    // steps that ran: a node run inside a delegate's partition is already in its partition's time, so it gets
    // its part of the subgraph's time without entering the sum (and its cumulative share is its partition's).
    {
        std::map<int32_t, std::vector<size_t>> steps;
        std::map<int32_t, double> totals;
        for (size_t i = 0; i < profile.nodes.size(); ++i)
            if (!profile.nodes[i].estimated) {
                steps[profile.nodes[i].subgraph].push_back(i);
                totals[profile.nodes[i].subgraph] += meanPerRunOf[i];
            }
        for (auto& [subgraph, indices] : steps) {
            std::vector<double> means;
            for (size_t i : indices)
                means.push_back(meanPerRunOf[i]);
            const std::vector<Share> shares = sharesOf(means);
            for (size_t k = 0; k < indices.size(); ++k)
                profile.nodes[indices[k]].share = shares[k];
        }
        for (size_t i = 0; i < profile.nodes.size(); ++i) {
            NodeProfile& n = profile.nodes[i];
            if (!n.estimated) continue;
            const double total = totals[n.subgraph];
            n.share.percent = total > 0 ? std::round(meanPerRunOf[i] / total * 10000.0) / 100.0 : 0.0;
            for (const NodeProfile& step : profile.nodes)
                if (step.delegateStep && step.subgraph == n.subgraph && step.partition == n.partition)
                    n.share.cumulativePercent = step.share.cumulativePercent;
        }
    }
    // Run order: rank by first start.
    {
        std::vector<size_t> byStart(profile.nodes.size());
        for (size_t i = 0; i < byStart.size(); ++i)
            byStart[i] = i;
        // Ties (a partition's first node starts with its partition) go to the outer node.
        std::stable_sort(byStart.begin(), byStart.end(), [&](size_t a, size_t b) {
            const NodeProfile& x = profile.nodes[a];
            const NodeProfile& y = profile.nodes[b];
            return x.firstRunOrder != y.firstRunOrder ? x.firstRunOrder < y.firstRunOrder : x.depth < y.depth;
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

namespace {

Status validate(const ProfileSettings& settings) {
    if (settings.threads < 1 || settings.runs < 0 || settings.warmupRuns < 0 || settings.maxRuns < 1 ||
        !(settings.minSeconds >= 0) || !(settings.maxSeconds > 0) || !(settings.delaySeconds >= 0) ||
        !(settings.warmupMinSeconds >= 0))
        return {ErrorCode::InvalidArgument,
                "profile settings out of range (threads >= 1, runs >= 0, times >= 0, max-secs > 0)"};
    return Status::ok();
}

// A model loaded, prepared and fed: what one configuration of a session runs.
struct PreparedRun {
    std::shared_ptr<const Model> model;
    std::unique_ptr<Interpreter> interpreter;
    SubgraphRuntime* sg = nullptr;
    size_t eventsPerRun = 1;
};

void sleepBetweenRuns(const ProfileSettings& settings) {
    if (settings.delaySeconds > 0)
        std::this_thread::sleep_for(std::chrono::duration<double>(settings.delaySeconds));
}

// Loads, creates the kernels (and the delegate), feeds the inputs and prepares; fills what the profile says
// about the model, the machine and the set-up times.
Result<PreparedRun> prepareRun(const std::string& modelPath, const ProfileSettings& settings,
                               Profile& profile, const SessionControl& control) {
    profile.settings = settings;
    profile.modelPath = modelPath;
    profile.modelFileName = std::filesystem::path(modelPath).filename().string();
    profile.machine = currentMachine();
    profile.startedAt = isoNowUtc();
    profile.memory.rssStartBytes = residentMemory().current;

    auto delegate = makeDelegate(settings.delegate, settings.threads, settings.delegateQuantized);
    if (!delegate) return delegate.status();

    PreparedRun run;
    const auto initStart = Clock::now();
    report(control, ProfileProgress::Phase::Loading, 0, 1, initStart);
    auto t0 = Clock::now();
    auto loaded = Model::fromFile(modelPath);
    if (!loaded) return loaded.status();
    profile.loadUs = microsecondsSince(t0);
    run.model = loaded.value();
    const Model& model = *run.model;
    profile.modelBytes = model.bytes().size();
    profile.modelSha256 = sha256Hex(model.bytes().data(), model.bytes().size());
    for (const Subgraph& sg : model.subgraphs()) {
        std::string name(sg.name);
        for (const SignatureDef& sig : model.signatures())
            if (name.empty() && sig.subgraphIndex == static_cast<uint32_t>(sg.index)) name = sig.key;
        if (name.empty()) name = sg.index == 0 ? "main" : "subgraph_" + std::to_string(sg.index);
        profile.subgraphNames.push_back(std::move(name));
    }

    t0 = Clock::now();
    InterpreterOptions options;
    options.threads = settings.threads;
    options.delegate = delegate.value();
    options.delegateOptions = settings.delegateOptions;
    auto created = Interpreter::create(run.model, options);
    if (!created) return created.status();
    profile.createUs = microsecondsSince(t0);
    run.interpreter = std::move(created).value();
    Interpreter& interpreter = *run.interpreter;

    auto named = signatureNamed(interpreter, settings.signature);
    if (!named) return named.status();
    const SignatureDef* signature = named.value();
    SubgraphRuntime& sg = signature ? interpreter.subgraph(signature->subgraphIndex) : interpreter.main();
    run.sg = &sg;
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
    const double inputReadUs = microsecondsSince(t0);

    t0 = Clock::now();
    if (Status s = sg.prepare(); !s) return s;
    const double prepareUs = microsecondsSince(t0);
    // The delegate works inside prepare; its part is reported apart, as TFLite reports ApplyDelegate.
    for (size_t i = 0; i < interpreter.subgraphCount(); ++i)
        if (const DelegationReport* d = interpreter.subgraph(i).delegation()) {
            profile.delegateUs += d->prepareMicroseconds;
            profile.delegateName = d->delegate;
        }
    profile.prepareUs = std::max(0.0, prepareUs - profile.delegateUs);
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
    const ResidentMemory m = residentMemory();
    profile.memory.rssAfterInitBytes = m.current;
    profile.memory.peakRssAfterInitBytes = m.peak;
    size_t nodeCount = 0;
    for (const Subgraph& s : model.subgraphs())
        nodeCount += s.operators.size();
    run.eventsPerRun = std::max<size_t>(nodeCount, 1);
    return run;
}

// One recorded invoke; grows the recorder between runs when the next one might not fit.
Status recordedRun(PreparedRun& run, NodeRecorder& recorder, bool& bufferFull) {
    if (recorder.capacity() - recorder.samples().size() < run.eventsPerRun * 2) {
        if (recorder.capacity() >= kMaxSamples) {
            bufferFull = true;
            return Status::ok();
        }
        recorder.reserve(std::min(kMaxSamples, recorder.capacity() * 2 + run.eventsPerRun * 2),
                         recorder.runDurationsNs().size() * 2 + 16);
    }
    const size_t before = recorder.samples().size();
    recorder.beginRun();
    Status s = run.sg->invoke(&recorder, 0);
    recorder.endRun();
    run.eventsPerRun = std::max(run.eventsPerRun, recorder.samples().size() - before);
    return s;
}

// Warm-up: caches, lazily built tables, the thread pool's first wake-up. Recorded like counted runs so that
// the recorder is warm too, and to learn how many node events one run makes.
Status warmUp(PreparedRun& run, const ProfileSettings& settings, Profile& profile,
              const SessionControl& control) {
    NodeRecorder recorder(run.eventsPerRun * 4 + 1024);
    const auto phaseStart = Clock::now();
    int done = 0;
    while (done < settings.warmupRuns || (done > 0 && secondsSince(phaseStart) < settings.warmupMinSeconds &&
                                          done < std::max(settings.warmupRuns, 1) * 1000)) {
        if (cancelled(control)) return cancelledStatus();
        recorder.clear();
        recorder.beginRun();
        Status s = run.sg->invoke(&recorder, 0);
        recorder.endRun();
        if (!s) return s;
        if (recorder.dropped() > 0)
            recorder.reserve(recorder.capacity() * 2 + static_cast<size_t>(recorder.dropped()));
        run.eventsPerRun =
            std::max(run.eventsPerRun, recorder.samples().size() + static_cast<size_t>(recorder.dropped()));
        profile.warmupUs.push_back(static_cast<double>(recorder.runDurationsNs().back()) / 1000.0);
        ++done;
        report(control, ProfileProgress::Phase::WarmingUp, done, settings.warmupRuns, phaseStart);
        sleepBetweenRuns(settings);
    }
    return Status::ok();
}

// How many counted runs the time settings will allow, to reserve the sample buffer up front.
int64_t expectedRuns(const ProfileSettings& settings, const Profile& profile, int configurations) {
    const double runSeconds = profile.warmupUs.empty() ? 0.0 : median(profile.warmupUs) / 1e6;
    int64_t expected = settings.runs;
    if (runSeconds > 0) {
        const double fitting = settings.minSeconds / (configurations * (runSeconds + settings.delaySeconds));
        expected = std::max<int64_t>(expected, static_cast<int64_t>(std::ceil(fitting * 1.2)) + 8);
    }
    return std::clamp<int64_t>(expected, 1, settings.maxRuns);
}

// What recording costs: unprofiled and profiled invokes in interleaved pairs, the order alternating within
// pairs, so that drift (frequency, other load) falls on both alike.
Status measureOverhead(PreparedRun& run, const ProfileSettings& settings, Profile& profile,
                       const SessionControl& control) {
    const auto phaseStart = Clock::now();
    // Automatic: at least 20 pairs (fewer only when fewer runs were counted) and 0.5 s, at most as many pairs
    // as counted runs, so that the check never takes much longer than the profile.
    const auto counted = static_cast<int64_t>(profile.runUs.size());
    const int64_t minPairs =
        settings.overheadPairs > 0 ? settings.overheadPairs : std::min<int64_t>(20, counted);
    const int64_t maxPairs =
        settings.overheadPairs > 0 ? settings.overheadPairs : std::max(minPairs, counted);
    NodeRecorder probe(run.eventsPerRun * 2 + 16);
    std::vector<double> plain, profiled;
    for (int64_t pair = 0; pair < maxPairs; ++pair) {
        if (pair >= minPairs && secondsSince(phaseStart) >= 0.5) break;
        if (cancelled(control)) return cancelledStatus();
        for (int half = 0; half < 2; ++half) {
            const bool withRecorder = (half == 0) == (pair % 2 == 1);
            probe.clear();
            const auto start = Clock::now();
            if (withRecorder) probe.beginRun();
            Status s = run.sg->invoke(withRecorder ? &probe : nullptr, 0);
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
    return Status::ok();
}

// benchmark_model's rule: at least `runs` and at least `minSeconds`, but never past `maxSeconds` or
// `maxRuns`, and always one run.
bool countedRunsDone(const ProfileSettings& settings, int64_t done, double elapsedSeconds) {
    return done >= 1 && ((done >= settings.runs && elapsedSeconds >= settings.minSeconds) ||
                         elapsedSeconds >= settings.maxSeconds || done >= settings.maxRuns);
}

void takeSamples(NodeRecorder& recorder, Profile& profile, bool bufferFull) {
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
}

// Times the nodes inside each partition alone and splits every recorded run of the partition among them in
// those proportions, as samples nested in the partition's step (so statistics, traces and flame graphs show
// them, marked as estimated).
void breakDownPartitions(PreparedRun& run, Profile& profile) {
    Interpreter& interpreter = *run.interpreter;
    constexpr int kRepetitions = 15;
    std::map<std::pair<int32_t, int32_t>, size_t> byStep;  // (subgraph, step node) -> index in partitions
    for (size_t i = 0; i < interpreter.subgraphCount(); ++i) {
        SubgraphRuntime& sg = interpreter.subgraph(i);
        const DelegationReport* report = sg.delegation();
        if (!sg.isPrepared() || !report) continue;
        for (size_t p = 0; p < report->partitions.size(); ++p) {
            DelegateKernel* kernel = sg.partitionKernel(p);
            if (!kernel) continue;
            auto measured = kernel->measureNodes(sg, kRepetitions);
            if (!measured) {
                profile.notes.push_back("no per-node times inside " + report->delegate + " partition " +
                                        std::to_string(p) + " of subgraph " + std::to_string(i) + ": " +
                                        measured.message());
                continue;
            }
            PartitionProfile pp;
            pp.subgraph = static_cast<int32_t>(i);
            pp.index = static_cast<int32_t>(p);
            pp.step = static_cast<int32_t>(sg.operatorCount() + p);
            for (const DelegateKernel::NodeTime& t : measured->nodes) {
                pp.nodes.push_back(t.node);
                pp.standaloneUs.push_back(t.microseconds);
            }
            profile.breakdownMethod = measured->method;
            byStep[{pp.subgraph, pp.step}] = profile.partitions.size();
            profile.partitions.push_back(std::move(pp));
        }
    }
    if (byStep.empty()) return;

    std::vector<NodeSample> samples;
    samples.reserve(profile.samples.size() * 2);
    std::vector<double> partitionTotals(profile.partitions.size(), 0.0);
    for (const NodeSample& s : profile.samples) {
        auto it = byStep.find({s.subgraph, s.node});
        if (it != byStep.end()) {
            const PartitionProfile& pp = profile.partitions[it->second];
            partitionTotals[it->second] += static_cast<double>(s.durationNs) / 1000.0;
            double sum = 0;
            for (double us : pp.standaloneUs)
                sum += us;
            int64_t offset = 0;
            for (size_t k = 0; k < pp.nodes.size(); ++k) {
                // The last node takes what rounding left, so the nodes add up to the step exactly.
                const int64_t duration = k + 1 == pp.nodes.size()
                                             ? s.durationNs - offset
                                             : static_cast<int64_t>(std::llround(
                                                   static_cast<double>(s.durationNs) *
                                                   (sum > 0 ? pp.standaloneUs[k] / sum
                                                            : 1.0 / static_cast<double>(pp.nodes.size()))));
                NodeSample child{s.run,       s.subgraph,         pp.nodes[k],
                                 s.depth + 1, s.startNs + offset, std::max<int64_t>(duration, 0)};
                offset += child.durationNs;
                samples.push_back(child);
            }
        }
        samples.push_back(s);
    }
    profile.samples = std::move(samples);
    const double runs = std::max<double>(1, static_cast<double>(profile.runUs.size()));
    for (size_t i = 0; i < profile.partitions.size(); ++i)
        profile.partitions[i].meanUs = partitionTotals[i] / runs;
}

// Node descriptions with the shapes the interpreter resolved (for the cost model), the steps that run
// partitions, and which nodes those steps ran.
std::vector<NodeDescription> describeNodes(PreparedRun& run) {
    Interpreter& interpreter = *run.interpreter;
    const Model& model = *run.model;
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
        const DelegationReport* report = s.isPrepared() ? s.delegation() : nullptr;
        for (const Operator& op : graph.operators) {
            NodeDescription d;
            d.subgraph = graph.index;
            d.index = op.index;
            d.op = model.operatorCode(op).name;
            for (int32_t out : op.outputs)
                if (out >= 0) {
                    d.outputTensor = std::string(graph.tensors[static_cast<size_t>(out)].name);
                    break;
                }
            d.cost = estimateOpCost(model, graph, op, shapes);
            if (report && static_cast<size_t>(op.index) < report->nodes.size() &&
                report->nodes[static_cast<size_t>(op.index)].partition >= 0) {
                d.partition = report->nodes[static_cast<size_t>(op.index)].partition;
                d.estimated = true;
            }
            describe.push_back(std::move(d));
        }
        if (!report) continue;
        for (size_t p = 0; p < report->partitions.size(); ++p) {
            const Partition& part = report->partitions[p];
            NodeDescription d;
            d.subgraph = graph.index;
            d.index = static_cast<int32_t>(graph.operators.size() + p);
            d.op = report->delegate;
            d.label = report->delegate + " partition " + std::to_string(p) + " (" +
                      std::to_string(part.nodes.size()) + " operators)";
            d.partition = static_cast<int32_t>(p);
            d.delegateStep = true;
            for (int32_t n : part.nodes) {
                const OpCost c =
                    estimateOpCost(model, graph, graph.operators[static_cast<size_t>(n)], shapes);
                d.cost.macs += c.macs;
                d.cost.elements += c.elements;
            }
            describe.push_back(std::move(d));
        }
    }
    return describe;
}

void finish(PreparedRun& run, Profile& profile) {
    Interpreter& interpreter = *run.interpreter;
    for (size_t i = 0; i < interpreter.subgraphCount(); ++i) {
        SubgraphRuntime& s = interpreter.subgraph(i);
        if (s.isPrepared()) profile.arenaBytes += static_cast<int64_t>(s.plan().arenaBytes);
    }
    profile.delegateSummary = delegationSummary(interpreter);
    profile.delegationDetails = formatDelegation(interpreter);
    breakDownPartitions(run, profile);
    profile.memory.peakRssBytes = residentMemory().peak;
    summarizeProfile(profile, describeNodes(run));
    if (profile.nodes.empty())
        profile.notes.push_back(
            "no operator ran: the invoked subgraph has none, or all were computed once at "
            "prepare from constants");
}

}  // namespace

Result<Profile> profileModel(const std::string& modelPath, const ProfileSettings& settings,
                             const SessionControl& control) {
    if (Status s = validate(settings); !s) return s;
    Profile profile;
    auto prepared = prepareRun(modelPath, settings, profile, control);
    if (!prepared) return prepared.status();
    PreparedRun& run = prepared.value();
    if (Status s = warmUp(run, settings, profile, control); !s) return s;

    const int64_t expected = expectedRuns(settings, profile, 1);
    NodeRecorder recorder(
        std::min(kMaxSamples, static_cast<size_t>(expected) * run.eventsPerRun + run.eventsPerRun));
    recorder.reserve(0, static_cast<size_t>(expected) + 16);
    bool bufferFull = false;
    const auto phaseStart = Clock::now();
    for (int64_t done = 0; !bufferFull;) {
        if (countedRunsDone(settings, done, secondsSince(phaseStart))) break;
        if (cancelled(control)) return cancelledStatus();
        if (Status s = recordedRun(run, recorder, bufferFull); !s) return s;
        if (bufferFull) break;
        ++done;
        report(control, ProfileProgress::Phase::Running, done, expected, phaseStart);
        sleepBetweenRuns(settings);
    }
    takeSamples(recorder, profile, bufferFull);
    if (settings.overheadPairs != 0)
        if (Status s = measureOverhead(run, settings, profile, control); !s) return s;
    finish(run, profile);
    return profile;
}

Result<DelegateComparison> compareDelegates(const std::string& modelPath, const ProfileSettings& settings,
                                            const SessionControl& control) {
    if (Status s = validate(settings); !s) return s;
    ProfileSettings plain = settings, delegated = settings;
    plain.delegate = "none";
    if (delegated.delegate == "none") delegated.delegate = "xnnpack";
    plain.overheadPairs = delegated.overheadPairs = 0;
    DelegateComparison result;
    auto a = prepareRun(modelPath, plain, result.baseline, control);
    if (!a) return a.status();
    auto b = prepareRun(modelPath, delegated, result.delegated, control);
    if (!b) return b.status();
    PreparedRun* runs[2] = {&a.value(), &b.value()};
    Profile* profiles[2] = {&result.baseline, &result.delegated};
    for (int k = 0; k < 2; ++k)
        if (Status s = warmUp(*runs[k], k ? delegated : plain, *profiles[k], control); !s) return s;

    // Counted runs alternate between the two, the order swapping every pair.
    const int64_t expected =
        std::max(expectedRuns(settings, result.baseline, 2), expectedRuns(settings, result.delegated, 2));
    std::unique_ptr<NodeRecorder> recorders[2];
    for (int k = 0; k < 2; ++k) {
        recorders[k] = std::make_unique<NodeRecorder>(std::min(
            kMaxSamples, static_cast<size_t>(expected) * runs[k]->eventsPerRun + runs[k]->eventsPerRun));
        recorders[k]->reserve(0, static_cast<size_t>(expected) + 16);
    }
    bool bufferFull = false;
    const auto phaseStart = Clock::now();
    for (int64_t done = 0; !bufferFull;) {
        if (countedRunsDone(settings, done, secondsSince(phaseStart))) break;
        if (cancelled(control)) return cancelledStatus();
        for (int half = 0; half < 2 && !bufferFull; ++half) {
            const int k = (half + static_cast<int>(done % 2)) % 2;
            if (Status s = recordedRun(*runs[k], *recorders[k], bufferFull); !s) return s;
            sleepBetweenRuns(settings);
        }
        if (bufferFull) break;
        ++done;
        report(control, ProfileProgress::Phase::Running, done, expected, phaseStart);
    }
    for (int k = 0; k < 2; ++k) {
        takeSamples(*recorders[k], *profiles[k], bufferFull);
        // Both recorded the same number of runs unless the buffer filled mid-pair: keep whole pairs.
    }
    const size_t pairs = std::min(result.baseline.runUs.size(), result.delegated.runUs.size());
    for (Profile* p : profiles) {
        p->runUs.resize(pairs);
        p->runStartNs.resize(pairs);
        std::erase_if(p->samples, [&](const NodeSample& s) { return static_cast<size_t>(s.run) >= pairs; });
    }
    for (int k = 0; k < 2; ++k)
        finish(*runs[k], *profiles[k]);
    return result;
}

}  // namespace litescope
