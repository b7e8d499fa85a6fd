// One open model as the GUI holds it (the validated Model, its report and one laid-out op graph per
// subgraph), and the job that builds it off the UI thread with progress and Cancel.
#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>
#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "profiler/model_report.h"
#include "runtime/model.h"
#include "viewmodels/delegation_overlay.h"
#include "viewmodels/op_graph.h"
#include "viewmodels/overview_model.h"

namespace litescope {

// Everything the views show, immutable once built, so views on several threads may share it.
struct LoadedModel {
    QString path;         // the file, or a ":/" resource path for the built-in demo
    QString displayName;  // file name as shown in tabs and the status bar
    std::shared_ptr<const Model> model;
    ModelReport report;
    Overview overview;  // the overview dock's rows
    // Why Litescope's runtime cannot prepare the model (empty when it can): an op without a kernel, or
    // types a kernel does not support yet.
    std::string runtimeProblem;
    // What XNNPACK would take of each operator, for the graph's partition overlay and the inspector; its
    // `error` says why there is nothing to show (the runtime problem above, when there is one).
    DelegationOverlay xnnpack;
    std::vector<std::shared_ptr<const OpGraph>> graphs;  // index = subgraph index
};

// Where a model comes from: a file on disk, or bytes already in memory (the built-in demo).
struct ModelSource {
    QString path;
    QByteArray bytes;  // when non-empty, used instead of reading `path`
    QString displayName;

    static ModelSource file(const QString& path);
    static ModelSource memory(QByteArray bytes, const QString& path, const QString& displayName);
};

// Builds a LoadedModel on a worker thread. Emits progress() while it works, then exactly one of
// finished(), failed() or cancelled(), all delivered on the thread that owns the job. Destroying a
// running job cancels it and waits for the worker (the work polls the flag between stages and inside the
// layout, so that wait is short).
class ModelLoadJob : public QObject {
    Q_OBJECT

  public:
    explicit ModelLoadJob(ModelSource source, QObject* parent = nullptr);
    ~ModelLoadJob() override;

    void start();
    void cancel();
    bool isRunning() const { return worker_.joinable() && !done_; }
    const ModelSource& source() const { return source_; }

    // The same work, synchronously, for tests and the command line; `cancel` may be null.
    static Result<std::shared_ptr<const LoadedModel>> load(
        const ModelSource& source, const std::atomic<bool>* cancel = nullptr,
        const std::function<void(int, QString)>& progress = {});

  signals:
    void progress(int percent, const QString& stage);
    void finished(std::shared_ptr<const litescope::LoadedModel> model);
    void failed(const QString& message);
    void cancelled();

  private:
    ModelSource source_;
    std::atomic<bool> cancel_{false};
    bool done_ = false;
    std::thread worker_;
};

}  // namespace litescope

Q_DECLARE_METATYPE(std::shared_ptr<const litescope::LoadedModel>)
