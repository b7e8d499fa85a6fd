#include "ui/main_window.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>

#include "profiler/inspect_report.h"
#include "ui/document_view.h"
#include "ui/graph_view.h"
#include "ui/overview_panel.h"
#include "ui/tensor_inspector.h"
#include "ui/theme.h"

namespace litescope::ui {
namespace {

constexpr int kMaxRecentFiles = 10;
const char* const kRecentKey = "recentFiles";
const char* const kDelegationKey = "graph/showDelegation";
const char* const kDemoFloat = ":/demo/demo_cnn_float.tflite";
const char* const kDemoInt8 = ":/demo/demo_cnn_int8.tflite";

bool isModelFileName(const QString& path) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    return suffix == "tflite" || suffix == "tfl" || suffix == "bin" || suffix == "lite";
}

QString describeSelection(const LoadedModel& loaded, const SelectionTarget& target) {
    const auto& subgraphs = loaded.model->subgraphs();
    if (target.isNone() || target.subgraph < 0 || target.subgraph >= static_cast<int>(subgraphs.size())) {
        return {};
    }
    const Subgraph& sg = subgraphs[target.subgraph];
    if (target.kind == SelectionTarget::Kind::Operator && target.index >= 0 &&
        target.index < static_cast<int>(sg.operators.size())) {
        const Operator& op = sg.operators[target.index];
        return QObject::tr("Operator #%1 %2")
            .arg(op.index)
            .arg(QString::fromStdString(loaded.model->operatorCode(op).name));
    }
    if (target.kind == SelectionTarget::Kind::Tensor && target.index >= 0 &&
        target.index < static_cast<int>(sg.tensors.size())) {
        const Tensor& t = sg.tensors[target.index];
        return QObject::tr("Tensor %1 %2 %3 %4")
            .arg(t.index)
            .arg(QString::fromUtf8(t.name.data(), static_cast<qsizetype>(t.name.size())))
            .arg(QString::fromStdString(formatShape(t.shape)))
            .arg(QString::fromUtf8(tensorTypeName(t.type).data()));
    }
    return {};
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(QStringLiteral("Litescope"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/litescope.svg")));
    setAcceptDrops(true);
    setDockNestingEnabled(true);

    tabs_ = new QTabWidget(this);
    tabs_->setTabsClosable(true);
    tabs_->setMovable(true);
    tabs_->setDocumentMode(true);
    connect(tabs_, &QTabWidget::tabCloseRequested, this, &MainWindow::closeDocument);
    connect(tabs_, &QTabWidget::currentChanged, this, &MainWindow::currentDocumentChanged);
    setCentralWidget(tabs_);

    overview_ = new OverviewPanel(this);
    overviewDock_ = new QDockWidget(tr("Overview"), this);
    overviewDock_->setObjectName("overviewDock");
    overviewDock_->setWidget(overview_);
    addDockWidget(Qt::LeftDockWidgetArea, overviewDock_);

    inspector_ = new TensorInspector(this);
    inspectorDock_ = new QDockWidget(tr("Inspector"), this);
    inspectorDock_->setObjectName("inspectorDock");
    inspectorDock_->setWidget(inspector_);
    addDockWidget(Qt::RightDockWidgetArea, inspectorDock_);
    connect(inspector_, &TensorInspector::tensorActivated, this, [this](int subgraph, int tensor) {
        if (DocumentView* view = currentDocument())
            view->selection()->select(SelectionTarget::tensor(subgraph, tensor));
    });
    resizeDocks({overviewDock_, inspectorDock_}, {420, 400}, Qt::Horizontal);

    statusModel_ = new QLabel(this);
    statusSelection_ = new QLabel(this);
    statusBar()->addWidget(statusModel_, 1);
    statusBar()->addPermanentWidget(statusSelection_);

    watcher_ = new QFileSystemWatcher(this);
    connect(watcher_, &QFileSystemWatcher::fileChanged, this, &MainWindow::fileChanged);

    createActions();
    resize(1400, 900);
    updateActions();
    updateStatus();
}

MainWindow::~MainWindow() = default;

void MainWindow::createActions() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open…"), this, &MainWindow::openDialog);
    open->setShortcut(QKeySequence::Open);
    QMenu* demo = file->addMenu(tr("Open &Demo Model"));
    demo->addAction(tr("Demo CNN (float32)"), this, [this] { openDemo(false); });
    demo->addAction(tr("Demo CNN (int8)"), this, [this] { openDemo(true); });
    recentMenu_ = file->addMenu(tr("Open &Recent"));
    rebuildRecentMenu();
    reloadAction_ = file->addAction(tr("Re&load"), this, &MainWindow::reloadCurrent);
    reloadAction_->setShortcut(QKeySequence::Refresh);
    file->addSeparator();
    QAction* exportGraph = file->addAction(tr("&Export Graph Image…"), this, &MainWindow::exportGraph);
    exportGraph->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    documentActions_ << exportGraph;
    file->addSeparator();
    QAction* close =
        file->addAction(tr("&Close Tab"), this, [this] { closeDocument(tabs_->currentIndex()); });
    close->setShortcut(QKeySequence::Close);
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* find = edit->addAction(tr("&Find…"), this, [this] {
        if (DocumentView* view = currentDocument()) view->showFindBar();
    });
    find->setShortcut(QKeySequence::Find);
    QAction* findNext = edit->addAction(tr("Find &Next"), this, [this] {
        if (DocumentView* view = currentDocument()) view->findNext(false);
    });
    findNext->setShortcut(QKeySequence::FindNext);
    QAction* findPrevious = edit->addAction(tr("Find Pre&vious"), this, [this] {
        if (DocumentView* view = currentDocument()) view->findNext(true);
    });
    findPrevious->setShortcut(QKeySequence::FindPrevious);
    documentActions_ << find << findNext << findPrevious;

    QMenu* view = menuBar()->addMenu(tr("&View"));
    const std::pair<QString, DocumentView::Page> pages[] = {{tr("&Graph"), DocumentView::Page::Graph},
                                                            {tr("&Operators"), DocumentView::Page::Operators},
                                                            {tr("&Tensors"), DocumentView::Page::Tensors}};
    int key = Qt::Key_1;
    for (const auto& [label, page] : pages) {
        QAction* action = view->addAction(label, this, [this, p = page] {
            if (DocumentView* doc = currentDocument()) doc->showPage(p);
        });
        action->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(key++)));
        documentActions_ << action;
    }
    view->addSeparator();
    auto graphAction = [this](void (GraphView::*method)()) {
        return [this, method] {
            if (DocumentView* doc = currentDocument(); doc && doc->graphView()) (doc->graphView()->*method)();
        };
    };
    QAction* zoomIn = view->addAction(tr("Zoom &In"), this, graphAction(&GraphView::zoomIn));
    zoomIn->setShortcut(QKeySequence::ZoomIn);
    QAction* zoomOut = view->addAction(tr("Zoom O&ut"), this, graphAction(&GraphView::zoomOut));
    zoomOut->setShortcut(QKeySequence::ZoomOut);
    QAction* fit = view->addAction(tr("Zoom to &Fit"), this, graphAction(&GraphView::zoomToFit));
    fit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
    QAction* actual = view->addAction(tr("&Actual Size"), this, graphAction(&GraphView::resetZoom));
    actual->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_0));
    documentActions_ << zoomIn << zoomOut << fit << actual;
    view->addSeparator();
    // Not a document action: it is a preference, toggled (and remembered) with or without a model open.
    delegationAction_ = view->addAction(tr("Show &XNNPACK Partitions"));
    delegationAction_->setObjectName("showDelegationAction");
    delegationAction_->setCheckable(true);
    delegationAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D));
    delegationAction_->setStatusTip(
        tr("Outline each operator by the XNNPACK partition that runs it, or mark it as left to the builtin "
           "kernels"));
    delegationAction_->setChecked(QSettings().value(kDelegationKey, false).toBool());
    connect(delegationAction_, &QAction::toggled, this, [this](bool on) {
        QSettings().setValue(kDelegationKey, on);
        applyDelegation();
        reportDelegationProblem();
    });
    view->addSeparator();
    view->addAction(overviewDock_->toggleViewAction());
    view->addAction(inspectorDock_->toggleViewAction());
    QMenu* theme = view->addMenu(tr("T&heme"));
    auto* themeGroup = new QActionGroup(this);
    const ThemeChoice saved = themeFromString(QSettings().value("theme").toString());
    for (ThemeChoice choice : {ThemeChoice::System, ThemeChoice::Light, ThemeChoice::Dark}) {
        const QString label = choice == ThemeChoice::System  ? tr("Follow &System")
                              : choice == ThemeChoice::Light ? tr("&Light")
                                                             : tr("&Dark");
        QAction* action = theme->addAction(label, this, [this, choice] {
            QSettings().setValue("theme", themeToString(choice));
            applyTheme(choice);
            for (int i = 0; i < documentCount(); ++i) {
                if (document(i)->graphView()) document(i)->graphView()->viewport()->update();
            }
        });
        action->setCheckable(true);
        action->setChecked(choice == saved);
        themeGroup->addAction(action);
    }
    QAction* fullScreen = view->addAction(tr("F&ull Screen"), this,
                                          [this] { setWindowState(windowState() ^ Qt::WindowFullScreen); });
    fullScreen->setShortcut(QKeySequence::FullScreen);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Litescope"), this, &MainWindow::showAbout)->setMenuRole(QAction::AboutRole);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt)->setMenuRole(QAction::AboutQtRole);
}

void MainWindow::setShowDelegation(bool show) {
    delegationAction_->setChecked(show);
}

bool MainWindow::showsDelegation() const {
    return delegationAction_->isChecked();
}

void MainWindow::applyDelegation() {
    const bool on = showsDelegation();
    for (int i = 0; i < documentCount(); ++i)
        document(i)->setShowDelegation(on);
    DocumentView* view = currentDocument();
    inspector_->setDelegationOverlay(on && view ? view->delegationOverlay() : nullptr);
}

// The action toggles even when there is nothing to draw; the status bar then says why.
void MainWindow::reportDelegationProblem() {
    DocumentView* view = currentDocument();
    const auto overlay = view ? view->delegationOverlay() : nullptr;
    if (!showsDelegation() || !overlay) return;
    if (!overlay->error.empty()) {
        statusBar()->showMessage(
            tr("No XNNPACK partitions to show for %1: %2")
                .arg(view->loaded()->displayName, QString::fromStdString(overlay->error)),
            15000);
    } else if (!overlay->summary.empty()) {
        statusBar()->showMessage(QString::fromStdString(overlay->summary), 8000);
    }
}

void MainWindow::restoreLayout() {
    QSettings settings;
    restoreGeometry(settings.value("window/geometry").toByteArray());
    restoreState(settings.value("window/state").toByteArray());
}

void MainWindow::closeEvent(QCloseEvent* event) {
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/state", saveState());
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (!event->mimeData()->hasUrls()) return;
    for (const QUrl& url : event->mimeData()->urls()) {
        if (url.isLocalFile()) {
            event->acceptProposedAction();
            return;
        }
    }
}

void MainWindow::dropEvent(QDropEvent* event) {
    for (const QUrl& url : event->mimeData()->urls()) {
        if (url.isLocalFile()) openFile(url.toLocalFile());
    }
    event->acceptProposedAction();
}

void MainWindow::openDialog() {
    QSettings settings;
    const QStringList paths = QFileDialog::getOpenFileNames(
        this, tr("Open Model"), settings.value("lastDirectory").toString(),
        tr("TensorFlow Lite models (*.tflite *.tfl *.bin *.lite);;All files (*)"));
    for (const QString& path : paths) {
        settings.setValue("lastDirectory", QFileInfo(path).absolutePath());
        openFile(path);
    }
}

DocumentView* MainWindow::openFile(const QString& path) {
    const QString absolute = QFileInfo(path).absoluteFilePath();
    for (int i = 0; i < documentCount(); ++i) {
        if (document(i)->source().path == absolute) {
            tabs_->setCurrentIndex(i);
            return document(i);
        }
    }
    auto* view = new DocumentView(ModelSource::file(absolute), tabs_);
    if (QFileInfo::exists(absolute)) watcher_->addPath(absolute);
    connect(view, &DocumentView::loadFinished, this, [this, absolute] { addRecentFile(absolute); });
    if (!isModelFileName(absolute)) {
        statusBar()->showMessage(tr("%1 does not have a model's usual extension; trying anyway")
                                     .arg(QFileInfo(absolute).fileName()),
                                 5000);
    }
    return addDocument(view);
}

DocumentView* MainWindow::openDemo(bool int8) {
    const QString path = int8 ? kDemoInt8 : kDemoFloat;
    for (int i = 0; i < documentCount(); ++i) {
        if (document(i)->source().path == path) {
            tabs_->setCurrentIndex(i);
            return document(i);
        }
    }
    QFile file(path);
    QByteArray bytes;
    if (file.open(QIODevice::ReadOnly)) bytes = file.readAll();
    auto* view = new DocumentView(ModelSource::memory(bytes, path, QFileInfo(path).fileName()), tabs_);
    return addDocument(view);
}

DocumentView* MainWindow::addDocument(DocumentView* view) {
    const int index = tabs_->addTab(view, view->source().displayName);
    tabs_->setTabToolTip(index, view->source().path);
    view->setShowDelegation(showsDelegation());
    bindDocument(view);
    tabs_->setCurrentIndex(index);
    return view;
}

void MainWindow::bindDocument(DocumentView* view) {
    connect(view, &DocumentView::loadFinished, this, [this, view] {
        if (view != currentDocument()) return;
        currentDocumentChanged();
        if (const auto overlay = view->delegationOverlay(); showsDelegation() && !overlay->error.empty())
            reportDelegationProblem();
    });
    connect(view, &DocumentView::loadFailed, this, [this, view](const QString& message) {
        if (view == currentDocument()) {
            currentDocumentChanged();
            statusBar()->showMessage(message, 10000);
        }
    });
    connect(view, &DocumentView::statusMessage, this, [this, view](const QString& message) {
        if (view == currentDocument()) statusBar()->showMessage(message, 4000);
    });
    connect(view->selection(), &SelectionModel::changed, this, [this, view](const SelectionTarget& target) {
        if (view != currentDocument()) return;
        inspector_->showSelection(target);
        updateStatus();
    });
}

DocumentView* MainWindow::currentDocument() const {
    return qobject_cast<DocumentView*>(tabs_->currentWidget());
}
int MainWindow::documentCount() const {
    return tabs_->count();
}
DocumentView* MainWindow::document(int index) const {
    return qobject_cast<DocumentView*>(tabs_->widget(index));
}

void MainWindow::closeDocument(int index) {
    DocumentView* view = document(index);
    if (!view) return;
    const QString path = view->source().path;
    tabs_->removeTab(index);
    view->deleteLater();
    bool stillOpen = false;
    for (int i = 0; i < documentCount(); ++i)
        stillOpen |= document(i)->source().path == path;
    if (!stillOpen && !path.startsWith(':')) watcher_->removePath(path);
}

void MainWindow::reloadCurrent() {
    if (DocumentView* view = currentDocument()) view->reload();
}

void MainWindow::exportGraph() {
    DocumentView* view = currentDocument();
    if (!view || !view->loaded()) return;
    const QString base = QFileInfo(view->source().displayName).completeBaseName();
    const QString path = QFileDialog::getSaveFileName(this, tr("Export Graph"), base + ".svg",
                                                      tr("SVG drawing (*.svg);;PNG image (*.png)"));
    if (path.isEmpty()) return;
    if (!view->graphView()->exportImage(path)) {
        QMessageBox::warning(this, tr("Export Graph"),
                             tr("Could not write %1: %2").arg(path, view->graphView()->errorString()));
    } else {
        statusBar()->showMessage(tr("Graph written to %1").arg(path), 5000);
    }
}

void MainWindow::currentDocumentChanged() {
    DocumentView* view = currentDocument();
    auto loaded = view ? view->loaded() : nullptr;
    if (loaded) {
        overview_->setLoadedModel(loaded);
        inspector_->setModel(loaded->model);
        inspector_->setDelegationOverlay(showsDelegation() ? view->delegationOverlay() : nullptr);
        inspector_->showSelection(view->selection()->current());
        setWindowTitle(tr("%1 — Litescope").arg(loaded->displayName));
    } else {
        overview_->setLoadedModel(nullptr);
        inspector_->setModel(nullptr);
        inspector_->setDelegationOverlay(nullptr);
        setWindowTitle(view ? tr("%1 — Litescope").arg(view->source().displayName)
                            : QStringLiteral("Litescope"));
    }
    updateActions();
    updateStatus();
}

void MainWindow::updateActions() {
    DocumentView* view = currentDocument();
    const bool loaded = view && view->loaded();
    for (QAction* action : documentActions_)
        action->setEnabled(loaded);
    reloadAction_->setEnabled(view != nullptr);
}

void MainWindow::updateStatus() {
    DocumentView* view = currentDocument();
    auto loaded = view ? view->loaded() : nullptr;
    if (!view) {
        statusModel_->setText(
            tr("No model open. File > Open (Ctrl+O), drop a .tflite file here, or File > Open Demo Model."));
        statusSelection_->clear();
        return;
    }
    if (!loaded) {
        statusModel_->setText(view->isLoading()
                                  ? tr("Loading %1…").arg(view->source().displayName)
                                  : tr("%1: not a valid model").arg(view->source().displayName));
        statusSelection_->clear();
        return;
    }
    const Model& model = *loaded->model;
    statusModel_->setText(tr("%1  ·  %2  ·  %3 subgraph(s), %4 operators, %5 tensors  ·  weights %6")
                              .arg(loaded->displayName)
                              .arg(QString::fromStdString(formatBytes(loaded->report.fileSize)))
                              .arg(model.subgraphs().size())
                              .arg(loaded->report.operatorCount)
                              .arg(loaded->report.tensorCount)
                              .arg(QString::fromStdString(formatBytes(loaded->report.totalWeightBytes))));
    // Tensor names from converters can run to hundreds of characters: elide, keep the whole in the tooltip.
    const QString selection = describeSelection(*loaded, view->selection()->current());
    statusSelection_->setText(statusSelection_->fontMetrics().elidedText(selection, Qt::ElideMiddle, 560));
    statusSelection_->setToolTip(selection);
}

void MainWindow::addRecentFile(const QString& path) {
    QSettings settings;
    QStringList files = settings.value(kRecentKey).toStringList();
    files.removeAll(path);
    files.prepend(path);
    while (files.size() > kMaxRecentFiles)
        files.removeLast();
    settings.setValue(kRecentKey, files);
    rebuildRecentMenu();
}

QStringList MainWindow::recentFiles() const {
    return QSettings().value(kRecentKey).toStringList();
}

void MainWindow::rebuildRecentMenu() {
    recentMenu_->clear();
    const QStringList files = recentFiles();
    for (int i = 0; i < files.size(); ++i) {
        const QString path = files[i];
        QAction* action = recentMenu_->addAction(
            QStringLiteral("&%1  %2").arg((i + 1) % 10).arg(QFileInfo(path).fileName()), this,
            [this, path] { openFile(path); });
        action->setToolTip(path);
        action->setStatusTip(path);
    }
    if (files.isEmpty()) {
        recentMenu_->addAction(tr("No recent files"))->setEnabled(false);
    } else {
        recentMenu_->addSeparator();
        recentMenu_->addAction(tr("&Clear Menu"), this, [this] {
            QSettings().remove(kRecentKey);
            rebuildRecentMenu();
        });
    }
}

void MainWindow::fileChanged(const QString& path) {
    // Editors and converters often replace the file: watch the new one once it exists again.
    QTimer::singleShot(300, this, [this, path] {
        if (QFileInfo::exists(path) && !watcher_->files().contains(path)) watcher_->addPath(path);
    });
    for (int i = 0; i < documentCount(); ++i) {
        if (document(i)->source().path == path) document(i)->notifyFileChanged();
    }
}

void MainWindow::showAbout() {
    QMessageBox::about(this, tr("About Litescope"),
                       tr("<h3>Litescope %1</h3><p>Inspect, run and profile TensorFlow Lite models: the op "
                          "graph, every tensor's shape, type and quantization, weight statistics, metadata "
                          "and signatures.</p><p>Everything shown here is also available from the "
                          "<code>litescope</code> command line.</p>")
                           .arg(QCoreApplication::applicationVersion()));
}

}  // namespace litescope::ui
