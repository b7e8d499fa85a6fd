#include <iostream>

#include "app/commands.h"
#include "profiler/inspect_report.h"
#include "profiler/model_report.h"
#include "runtime/model.h"

namespace litescope::app {

int runInspect(const InspectOptions& options) {
    auto model = Model::fromFile(options.modelPath);
    if (!model) {
        std::cerr << "litescope: " << options.modelPath << ": " << model.message() << "\n";
        const bool invalid = model.code() == ErrorCode::NotAModel || model.code() == ErrorCode::InvalidModel;
        return invalid ? kExitInvalidModel : kExitFailure;
    }
    const Model& m = **model;
    ModelReport report = buildModelReport(m, {.weightStats = options.weights || options.json});
    if (options.json) {
        // Names in a hostile file need not be UTF-8: replace bad bytes rather than fail.
        std::cout << inspectJson(m, report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                  << "\n";
    } else {
        std::cout << inspectText(m, report,
                                 {.constantTensors = options.weights, .operators = options.operators});
    }
    return kExitOk;
}

}  // namespace litescope::app
