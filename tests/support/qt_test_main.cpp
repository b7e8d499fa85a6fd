// GoogleTest main for the Qt layers: view-model tests get a QCoreApplication, widget tests a QApplication
// (on the offscreen platform, set by ctest), so event loops, timers and queued signals work.
#include <gtest/gtest.h>

#include <QSettings>
#include <QTemporaryDir>

#ifdef LITESCOPE_QT_WIDGETS_MAIN
#include <QApplication>
using TestApplication = QApplication;
#else
#include <QCoreApplication>
using TestApplication = QCoreApplication;
#endif

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    TestApplication app(argc, argv);
    // Each test process gets its own settings (recent files, window state), so tests running in parallel
    // never see each other's and the user's own settings are never touched.
    QTemporaryDir settingsDir;
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, settingsDir.path());
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settingsDir.path());
    TestApplication::setOrganizationName("Litescope");
    TestApplication::setApplicationName("litescope-tests");
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
