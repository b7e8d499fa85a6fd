#include <cstdio>
#include <iostream>

#include "app/commands.h"
#include "profiler/profile_export.h"
#include "profiler/profile_history.h"
#include "profiler/profile_session.h"
#include "profiler/profile_text.h"

namespace litescope::app {

namespace {

int exitCodeFor(ErrorCode code) {
    switch (code) {
        case ErrorCode::NotAModel:
        case ErrorCode::InvalidModel:
            return kExitInvalidModel;
        case ErrorCode::Unsupported:
        case ErrorCode::Runtime:
            return kExitRuntime;
        default:
            return kExitFailure;
    }
}

}  // namespace

namespace {
int writeOutputs(const ProfileOptions& o, Profile& profile);
}  // namespace

int runProfile(const ProfileOptions& o) {
    ProfileSettings settings;
    settings.threads = o.threads;
    settings.delegate = o.delegate;
    settings.runs = o.runs;
    settings.minSeconds = o.minSeconds;
    settings.maxSeconds = o.maxSeconds;
    settings.warmupRuns = o.warmup;
    settings.warmupMinSeconds = o.warmupMinSeconds;
    settings.delaySeconds = o.delaySeconds;
    settings.seed = o.seed;
    settings.signature = o.signature;
    settings.overheadPairs = o.overhead ? -1 : 0;
    settings.delegateOptions.excludedOps = o.delegateExclude;
    settings.delegateOptions.maxPartitions = o.maxPartitions;
    settings.delegateOptions.requireFullDelegation = o.requireFullDelegation;
    settings.delegateQuantized = o.delegateQuantized;
    for (const std::string& text : o.inputs)
        settings.inputs.push_back(parseInputSource(text));

    if (o.compareDelegates) {
        auto comparison = compareDelegates(o.modelPath, settings);
        if (!comparison)
            return fail(exitCodeFor(comparison.code()), o.modelPath + ": " + comparison.message());
        comparison->baseline.litescopeVersion = comparison->delegated.litescopeVersion = LITESCOPE_VERSION;
        if (!o.quiet) {
            if (o.explain) std::cout << comparison->delegated.delegationDetails << "\n";
            TextReportOptions text;
            text.top = o.top;
            std::cout << formatComparison(*comparison, text);
        }
        // The exports and the history get the delegated profile, the one the comparison is about.
        return writeOutputs(o, comparison->delegated);
    }
    auto result = profileModel(o.modelPath, settings);
    if (!result) return fail(exitCodeFor(result.code()), o.modelPath + ": " + result.message());
    Profile& profile = result.value();
    profile.litescopeVersion = LITESCOPE_VERSION;

    if (!o.quiet) {
        if (o.explain && !profile.delegationDetails.empty()) std::cout << profile.delegationDetails << "\n";
        TextReportOptions text;
        text.top = o.top;
        std::cout << formatProfileReport(profile, text);
    }
    return writeOutputs(o, profile);
}

namespace {

int writeOutputs(const ProfileOptions& o, Profile& profile) {
    struct Export {
        const std::string& path;
        std::string (*write)(const Profile&);
        const char* what;
    };
    const Export exports[] = {
        {o.csvPath, [](const Profile& p) { return profileToCsv(p); }, "CSV"},
        {o.tracePath, [](const Profile& p) { return profileToChromeTrace(p); }, "trace"},
        {o.jsonPath, [](const Profile& p) { return profileToJson(p); }, "JSON"},
        {o.modelExplorerPath, [](const Profile& p) { return profileToModelExplorer(p, p.subgraphNames); },
         "Model Explorer node data"},
    };
    int code = kExitOk;
    for (const Export& e : exports) {
        if (e.path.empty()) continue;
        if (Status s = writeTextFile(e.path, e.write(profile)); !s) {
            code = fail(kExitFailure, s.message());
            continue;
        }
        if (!o.quiet) std::cout << "Wrote " << e.what << " to " << e.path << "\n";
    }

    if (o.save) {
        const std::string path = o.historyPath.empty() ? ProfileHistory::defaultPath() : o.historyPath;
        auto history = ProfileHistory::open(path);
        if (!history) return fail(kExitFailure, history.message());
        auto id = (*history)->save(profile);
        if (!id) return fail(kExitFailure, id.message());
        if (!o.quiet) std::cout << "Saved as profile " << *id << " in " << path << "\n";
    }
    return code;
}

}  // namespace

}  // namespace litescope::app
