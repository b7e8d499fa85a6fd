// The load job: what a loaded model carries (report, overview, one graph per subgraph, whether the runtime
// can prepare it), errors that name the file, Cancel, and the asynchronous signals.
#include "viewmodels/model_document.h"

#include <gtest/gtest.h>

#include <QSignalSpy>
#include <QTest>

#include "tests/support/shared_data.h"

namespace litescope {
namespace {

ModelSource sharedModel(const std::string& relative) {
    return ModelSource::file(QString::fromStdString(test::modelPath(relative)));
}

TEST(ModelLoadJob, LoadsEverythingTheViewsShow) {
    auto loaded = ModelLoadJob::load(ModelSource::file(LITESCOPE_DEMO_DIR "/demo_cnn_float.tflite"));
    ASSERT_TRUE(loaded.isOk()) << loaded.message();
    const LoadedModel& m = *loaded.value();
    EXPECT_EQ(m.displayName, "demo_cnn_float.tflite");
    ASSERT_EQ(m.graphs.size(), m.model->subgraphs().size());
    EXPECT_EQ(m.graphs[0]->subgraph, 0);
    EXPECT_EQ(m.report.operatorCount, static_cast<int64_t>(m.model->subgraphs()[0].operators.size()));
    EXPECT_NE(m.overview.section(OverviewSection::Inputs), nullptr);
    EXPECT_TRUE(m.runtimeProblem.empty()) << m.runtimeProblem;  // the float demo runs
}

TEST(ModelLoadJob, SaysWhyTheRuntimeCannotRunAModel) {
    // Edge TPU-compiled: the edgetpu-custom-op has no CPU kernel anywhere.
    auto loaded =
        ModelLoadJob::load(sharedModel("coral-test_data/mobilenet_v1_0.5_160_quant_edgetpu.tflite"));
    ASSERT_TRUE(loaded.isOk()) << loaded.message();
    EXPECT_NE(loaded.value()->runtimeProblem.find("edgetpu-custom-op"), std::string::npos)
        << loaded.value()->runtimeProblem;
    const OverviewRow* warnings = loaded.value()->overview.section(OverviewSection::Warnings);
    ASSERT_NE(warnings, nullptr);
    bool mentioned = false;
    for (const OverviewRow& row : warnings->children)
        mentioned |= row.property == "Litescope runtime";
    EXPECT_TRUE(mentioned);
}

TEST(ModelLoadJob, ErrorsNameTheFile) {
    auto missing = ModelLoadJob::load(ModelSource::file("/nonexistent/dir/model.tflite"));
    ASSERT_FALSE(missing.isOk());
    EXPECT_NE(missing.message().find("model.tflite"), std::string::npos) << missing.message();

    auto broken = ModelLoadJob::load(sharedModel("litert/tflite/testdata/0_subgraphs.bin"));
    ASSERT_FALSE(broken.isOk());
    EXPECT_EQ(broken.code(), ErrorCode::InvalidModel);
    EXPECT_NE(broken.message().find("0_subgraphs.bin"), std::string::npos) << broken.message();
}

TEST(ModelLoadJob, CancelledBeforeItStarts) {
    std::atomic<bool> cancel{true};
    auto loaded =
        ModelLoadJob::load(sharedModel("coral-test_data/mobilenet_v2_1.0_224_quant.tflite"), &cancel);
    ASSERT_FALSE(loaded.isOk());
    EXPECT_NE(loaded.message().find("cancelled"), std::string::npos);
}

TEST(ModelLoadJob, ReportsProgressThenFinishesOnTheCallersThread) {
    ModelLoadJob job(sharedModel("coral-test_data/mobilenet_v2_1.0_224_quant.tflite"));
    QSignalSpy progress(&job, &ModelLoadJob::progress);
    QSignalSpy finished(&job, &ModelLoadJob::finished);
    QSignalSpy failed(&job, &ModelLoadJob::failed);
    job.start();
    ASSERT_TRUE(finished.wait(60'000));
    EXPECT_EQ(failed.count(), 0);
    ASSERT_GE(progress.count(), 3);
    EXPECT_EQ(progress.last().at(0).toInt(), 100);
    auto loaded = finished.first().at(0).value<std::shared_ptr<const LoadedModel>>();
    ASSERT_NE(loaded, nullptr);
    EXPECT_GT(loaded->graphs[0]->nodes.size(), 60u);
    EXPECT_FALSE(job.isRunning());
}

TEST(ModelLoadJob, FailureArrivesAsASignal) {
    ModelLoadJob job(ModelSource::file("/nonexistent/model.tflite"));
    QSignalSpy failed(&job, &ModelLoadJob::failed);
    job.start();
    ASSERT_TRUE(failed.wait(10'000));
    EXPECT_TRUE(failed.first().at(0).toString().contains("model.tflite"));
}

TEST(ModelLoadJob, DestroyingARunningJobCancelsIt) {
    auto job =
        std::make_unique<ModelLoadJob>(sharedModel("coral-test_data/mobilenet_v2_1.0_224_quant.tflite"));
    job->start();
    job.reset();  // joins the worker; a queued signal to the deleted job must not be delivered
    QTest::qWait(50);
}

}  // namespace
}  // namespace litescope
