// The main window: models in tabs, the overview and inspector docks bound to the current tab, menus with
// the desktop's standard shortcuts, recent files, drag and drop, reload on change, remembered layout.
#pragma once

#include <QMainWindow>
#include <QStringList>

class QAction;
class QDockWidget;
class QFileSystemWatcher;
class QLabel;
class QMenu;
class QTabWidget;

namespace litescope::ui {

class DocumentView;
class OverviewPanel;
class TensorInspector;

class MainWindow : public QMainWindow {
    Q_OBJECT

  public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens a model in a new tab (or switches to its tab when it is already open).
    DocumentView* openFile(const QString& path);
    // The built-in demo CNN, float32 or int8.
    DocumentView* openDemo(bool int8 = false);
    DocumentView* currentDocument() const;
    int documentCount() const;
    DocumentView* document(int index) const;
    QStringList recentFiles() const;
    TensorInspector* inspector() const { return inspector_; }
    OverviewPanel* overview() const { return overview_; }
    // Restores geometry and dock layout saved by an earlier session; skipped for screenshots.
    void restoreLayout();
    // View > Show XNNPACK Partitions: the delegation overlay on every tab's graph and in the inspector.
    void setShowDelegation(bool show);
    bool showsDelegation() const;
    QAction* delegationAction() const { return delegationAction_; }

  protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

  private:
    void createActions();
    void openDialog();
    void closeDocument(int index);
    void reloadCurrent();
    void exportGraph();
    void currentDocumentChanged();
    void bindDocument(DocumentView* view);
    void addRecentFile(const QString& path);
    void rebuildRecentMenu();
    void updateStatus();
    void updateActions();
    void applyDelegation();
    void reportDelegationProblem();
    void fileChanged(const QString& path);
    void showAbout();
    DocumentView* addDocument(DocumentView* view);

    QTabWidget* tabs_ = nullptr;
    QDockWidget* overviewDock_ = nullptr;
    QDockWidget* inspectorDock_ = nullptr;
    OverviewPanel* overview_ = nullptr;
    TensorInspector* inspector_ = nullptr;
    QLabel* statusModel_ = nullptr;
    QLabel* statusSelection_ = nullptr;
    QMenu* recentMenu_ = nullptr;
    QFileSystemWatcher* watcher_ = nullptr;
    QList<QAction*> documentActions_;  // enabled only with a loaded model
    QAction* reloadAction_ = nullptr;
    QAction* delegationAction_ = nullptr;
};

}  // namespace litescope::ui
