// `litescope MODEL --screenshot OUT.png`: the executable renders its window offscreen and saves a PNG that
// shows something (not one flat colour), for each view; a broken model still gives a picture, and exit 2.
#include <gtest/gtest.h>

#include <QImage>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>

#include "tests/support/shared_data.h"

namespace litescope {
namespace {

struct Shot {
    int exitCode = -1;
    QString err;
    QImage image;
};

Shot screenshot(const QStringList& args) {
    QTemporaryDir dir;
    const QString out = dir.filePath("shot.png");
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("QT_QPA_PLATFORM", "offscreen");
    process.setProcessEnvironment(env);
    process.start(LITESCOPE_EXE, QStringList(args) << "--screenshot" << out);
    process.waitForFinished(120'000);
    Shot shot;
    shot.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    shot.err = QString::fromUtf8(process.readAllStandardError());
    shot.image.load(out);
    return shot;
}

// Distinct colours on a coarse grid: a blank or single-colour picture has one or two.
int distinctColours(const QImage& image) {
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 7) {
        for (int x = 0; x < image.width(); x += 7)
            colours.insert(image.pixel(x, y));
    }
    return static_cast<int>(colours.size());
}

const char* const kVww =
    "models/mlcommons-tiny/v0.1/training/visual_wake_words/trained_models/vww_96_int8.tflite";

TEST(Screenshot, DemoModelWithNoArgument) {
    Shot shot = screenshot({});
    ASSERT_EQ(shot.exitCode, 0) << shot.err.toStdString();
    ASSERT_FALSE(shot.image.isNull());
    EXPECT_EQ(shot.image.size(), QSize(1600, 1000));
    EXPECT_GT(distinctColours(shot.image), 20);
}

TEST(Screenshot, EveryView) {
    for (const char* view : {"graph", "operators", "tensors"}) {
        Shot shot = screenshot({QString::fromStdString(test::sharedDir() + "/" + kVww), "--view", view});
        ASSERT_EQ(shot.exitCode, 0) << view << ": " << shot.err.toStdString();
        ASSERT_FALSE(shot.image.isNull()) << view;
        EXPECT_GT(distinctColours(shot.image), 20) << view;
    }
}

TEST(Screenshot, BrokenModelStillRendersAndExitsTwo) {
    Shot shot = screenshot(
        {QString::fromStdString(test::sharedDir() + "/models/litert/tflite/testdata/0_subgraphs.bin")});
    EXPECT_EQ(shot.exitCode, 2) << shot.err.toStdString();
    EXPECT_FALSE(shot.image.isNull());
    EXPECT_FALSE(shot.err.isEmpty());
}

}  // namespace
}  // namespace litescope
