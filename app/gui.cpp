// Desktop start-up: the QApplication, the theme, the main window, and the offscreen screenshot mode used by
// tests and the README.
#include <QApplication>
#include <QEventLoop>
#include <QFileInfo>
#include <QImage>
#include <QLineEdit>
#include <QSettings>
#include <QTemporaryDir>
#include <QTimer>
#include <iostream>

#include "app/commands.h"
#include "ui/document_view.h"
#include "ui/graph_view.h"
#include "ui/main_window.h"
#include "ui/theme.h"

namespace litescope::app {
namespace {

// Waits (running the event loop) until the document has loaded or failed.
bool waitForDocument(ui::DocumentView* view, int timeoutMs) {
    if (!view->isLoading()) return view->loaded() != nullptr;
    QEventLoop loop;
    QObject::connect(view, &ui::DocumentView::loadFinished, &loop, &QEventLoop::quit);
    QObject::connect(view, &ui::DocumentView::loadFailed, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    loop.exec();
    return view->loaded() != nullptr;
}

void settle(int ms) {
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

// Shows what a user looks for first: the graph from the top at a readable zoom, the first input selected
// so the inspector shows its shape, type and quantization.
void prepareScreenshotView(ui::DocumentView* view, const GuiOptions& options) {
    auto loaded = view->loaded();
    if (!loaded) return;
    const std::string& page = options.view;
    const Subgraph& main = loaded->model->subgraphs().front();
    if (!main.inputs.empty()) view->selection()->select(SelectionTarget::tensor(0, main.inputs[0]));
    // With the overlay on, an operator says more than an input: the first delegated one shows its partition
    // in the inspector, or, when nothing is delegated, the first one left to the builtin kernels says why.
    if (options.delegation) {
        const DelegationOverlay& overlay = loaded->xnnpack;
        for (DelegationFate wanted : {DelegationFate::Delegated, DelegationFate::Builtin}) {
            int32_t pick = -1;
            for (int32_t op = 0; op < static_cast<int32_t>(main.operators.size()) && pick < 0; ++op)
                if (delegationFate(overlay.node(0, op)) == wanted) pick = op;
            if (pick < 0) continue;
            view->selection()->select(SelectionTarget::op(0, pick));
            break;
        }
    }
    if (page == "operators") {
        view->showPage(ui::DocumentView::Page::Operators);
    } else if (page == "tensors") {
        view->showPage(ui::DocumentView::Page::Tensors);
    } else {
        view->showPage(ui::DocumentView::Page::Graph);
    }
    view->graphView()->showOverviewOfTop();
    if (!options.find.empty()) {
        view->showFindBar();
        view->findEdit()->setText(QString::fromStdString(options.find));
    }
}

}  // namespace

int runGui(int argc, char** argv, const GuiOptions& options) {
    const bool screenshot = !options.screenshotPath.empty();
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
        if (screenshot) {
            qputenv("QT_QPA_PLATFORM", "offscreen");
        } else if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")) {
            // Qt would abort without a display; say what to do instead.
            std::cerr
                << "litescope: no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset).\n"
                   "  Run it on a desktop, under xvfb-run, or use a sub-command (litescope --help)\n"
                   "  or --screenshot OUT.png to render the window to a file.\n";
            return kExitFailure;
        }
    }
    QApplication app(argc, argv);
    QApplication::setOrganizationName("Litescope");
    QApplication::setApplicationName("litescope");
    QApplication::setApplicationVersion(LITESCOPE_VERSION);
    QApplication::setDesktopFileName("litescope");
    // A screenshot run starts from default settings and leaves the user's (recent files, layout) alone.
    QTemporaryDir screenshotSettings;
    if (screenshot) {
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, screenshotSettings.path());
    }
    ui::applyTheme(screenshot ? ui::ThemeChoice::System
                              : ui::themeFromString(QSettings().value("theme").toString()));

    ui::MainWindow window;
    if (options.delegation) window.setShowDelegation(true);
    ui::DocumentView* view = nullptr;
    for (const std::string& path : options.modelPaths)
        view = window.openFile(QString::fromStdString(path));
    if (view == nullptr) view = window.openDemo(options.demoInt8);
    if (!screenshot) {
        window.restoreLayout();
        window.show();
        if (!options.find.empty()) {
            QObject::connect(
                view, &ui::DocumentView::loadFinished, view,
                [view, query = options.find] {
                    view->showFindBar();
                    view->findEdit()->setText(QString::fromStdString(query));
                },
                Qt::SingleShotConnection);
        }
        return QApplication::exec();
    }

    window.setAttribute(Qt::WA_DontShowOnScreen, false);
    window.resize(1600, 1000);
    window.show();
    const bool ok = waitForDocument(view, 120'000);
    settle(50);
    prepareScreenshotView(view, options);
    settle(100);
    const QImage image = window.grab().toImage();
    if (!image.save(QString::fromStdString(options.screenshotPath), "PNG")) {
        std::cerr << "litescope: could not write " << options.screenshotPath << "\n";
        return kExitFailure;
    }
    if (!ok) {
        std::cerr << "litescope: " << view->errorMessage().toStdString() << "\n";
        return kExitInvalidModel;
    }
    return kExitOk;
}

}  // namespace litescope::app
