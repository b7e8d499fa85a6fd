#include "viewmodels/model_document.h"

#include <QFileInfo>

#include "runtime/interpreter.h"

namespace litescope {
namespace {

// Preparing is what finds unsupported types and shapes, not just missing kernels; the arena it plans is
// freed again at once.
std::string runtimeProblem(const std::shared_ptr<const Model>& model) {
    auto interpreter = Interpreter::create(model);
    if (!interpreter) return interpreter.message();
    Status prepared = interpreter.value()->prepare();
    return prepared ? std::string() : prepared.message();
}

}  // namespace

ModelSource ModelSource::file(const QString& path) {
    return {path, {}, QFileInfo(path).fileName()};
}

ModelSource ModelSource::memory(QByteArray bytes, const QString& path, const QString& displayName) {
    return {path, std::move(bytes), displayName};
}

ModelLoadJob::ModelLoadJob(ModelSource source, QObject* parent)
    : QObject(parent), source_(std::move(source)) {
    qRegisterMetaType<std::shared_ptr<const LoadedModel>>();
}

ModelLoadJob::~ModelLoadJob() {
    cancel_ = true;
    if (worker_.joinable()) worker_.join();
}

void ModelLoadJob::cancel() {
    cancel_ = true;
}

void ModelLoadJob::start() {
    if (worker_.joinable()) return;
    worker_ = std::thread([this] {
        // Signals are queued to the job's thread; the destructor joins before `this` goes away, and Qt
        // drops queued calls to a deleted object.
        auto report = [this](int percent, QString stage) {
            QMetaObject::invokeMethod(
                this, [this, percent, stage] { emit progress(percent, stage); }, Qt::QueuedConnection);
        };
        auto result = load(source_, &cancel_, report);
        QMetaObject::invokeMethod(
            this,
            [this, result = std::move(result)] {
                done_ = true;
                if (worker_.joinable()) worker_.join();
                if (result.isOk()) {
                    emit finished(result.value());
                } else if (cancel_) {
                    emit cancelled();
                } else {
                    emit failed(QString::fromStdString(result.message()));
                }
            },
            Qt::QueuedConnection);
    });
}

Result<std::shared_ptr<const LoadedModel>> ModelLoadJob::load(
    const ModelSource& source, const std::atomic<bool>* cancel,
    const std::function<void(int, QString)>& progress) {
    auto say = [&](int percent, const QString& stage) {
        if (progress) progress(percent, stage);
    };
    auto cancelled = [&] { return cancel != nullptr && cancel->load(); };
    const Status cancelledStatus(ErrorCode::InvalidArgument, "cancelled");

    say(0, QObject::tr("Reading and validating %1").arg(source.displayName));
    Result<std::shared_ptr<const Model>> model =
        source.bytes.isEmpty()
            ? Model::fromFile(source.path.toStdString())
            : Model::fromBytes(std::vector<uint8_t>(source.bytes.begin(), source.bytes.end()),
                               source.displayName.toStdString());
    if (!model) {
        // The loader names the file only when it is not obvious from context; the GUI shows the message
        // on its own, so make sure it says which file.
        std::string message = model.message();
        const std::string name = source.displayName.toStdString();
        if (message.find(name) == std::string::npos) message = name + ": " + message;
        return Status(model.code(), message);
    }
    if (cancelled()) return cancelledStatus;

    auto loaded = std::make_shared<LoadedModel>();
    loaded->path = source.path;
    loaded->displayName = source.displayName;
    loaded->model = model.value();
    say(10, QObject::tr("Computing weight statistics"));
    loaded->report = buildModelReport(*loaded->model);
    if (cancelled()) return cancelledStatus;
    say(30, QObject::tr("Checking what Litescope's runtime can run"));
    loaded->runtimeProblem = runtimeProblem(loaded->model);
    if (cancelled()) return cancelledStatus;
    if (loaded->runtimeProblem.empty()) {
        say(35, QObject::tr("Asking XNNPACK which operators it can run"));
        loaded->xnnpack = computeDelegationOverlay(loaded->model, "xnnpack");
        if (cancelled()) return cancelledStatus;
    } else {
        loaded->xnnpack.delegate = "XNNPACK";
        loaded->xnnpack.error = "Litescope's runtime cannot prepare this model: " + loaded->runtimeProblem;
    }
    loaded->overview = buildOverview(loaded->path, loaded->report.fileSize, *loaded->model, loaded->report,
                                     loaded->runtimeProblem, loaded->xnnpack.summary);

    const auto& subgraphs = loaded->model->subgraphs();
    for (size_t i = 0; i < subgraphs.size(); ++i) {
        say(40 + static_cast<int>(60 * i / subgraphs.size()),
            QObject::tr("Laying out subgraph %1 of %2 (%3 operators)")
                .arg(i + 1)
                .arg(subgraphs.size())
                .arg(subgraphs[i].operators.size()));
        auto graph = std::make_shared<OpGraph>(buildOpGraph(*loaded->model, static_cast<int32_t>(i), cancel));
        if (graph->cancelled || cancelled()) return cancelledStatus;
        loaded->graphs.push_back(std::move(graph));
    }
    say(100, QObject::tr("Done"));
    return std::shared_ptr<const LoadedModel>(std::move(loaded));
}

}  // namespace litescope
