// One open model in a tab: a loading page (progress and Cancel), an error page with the loader's message,
// and the content: the subgraph selector, the graph, the operator and tensor tables and the find bar, all
// sharing one SelectionModel.
#pragma once

#include <QWidget>
#include <memory>

#include "viewmodels/model_document.h"
#include "viewmodels/selection.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QStackedWidget;
class QTabWidget;
class QTableView;
class QToolButton;

namespace litescope {
class OperatorTableModel;
class TensorTableModel;
}  // namespace litescope

namespace litescope::ui {

class GraphView;

class DocumentView : public QWidget {
    Q_OBJECT

  public:
    enum class Page { Graph = 0, Operators = 1, Tensors = 2 };

    explicit DocumentView(ModelSource source, QWidget* parent = nullptr);
    ~DocumentView() override;

    const ModelSource& source() const { return source_; }
    // Null until loading has finished.
    std::shared_ptr<const LoadedModel> loaded() const { return loaded_; }
    bool isLoading() const;
    QString errorMessage() const { return error_; }
    SelectionModel* selection() { return &selection_; }
    GraphView* graphView() const { return graphView_; }
    int currentSubgraph() const { return subgraph_; }

    void reload();  // loads the source again (the file changed on disk)
    void cancelLoading();
    void showPage(Page page);
    Page currentPage() const;
    void setSubgraph(int subgraph);
    // Draws what XNNPACK takes of each operator on the graph (when the load computed it without error).
    void setShowDelegation(bool show);
    bool showsDelegation() const { return showDelegation_; }
    // The loaded model's XNNPACK overlay, sharing its lifetime; null until loaded.
    std::shared_ptr<const DelegationOverlay> delegationOverlay() const;
    void showFindBar();
    void findNext(bool backwards = false);
    int findMatchCount() const { return static_cast<int>(matches_.size()); }
    QLineEdit* findEdit() const { return findEdit_; }
    // Offers to reload without blocking: a bar above the content with Reload and Ignore.
    void notifyFileChanged();
    bool isFileChangedBarVisible() const;

  signals:
    void loadFinished();
    void loadFailed(const QString& message);
    void statusMessage(const QString& message);

  private:
    void startLoading();
    void onLoaded(std::shared_ptr<const LoadedModel> model);
    void onFailed(const QString& message);
    void buildContent();
    void runFind();
    void syncTablesToSelection(const SelectionTarget& target);
    void applyDelegation();

    ModelSource source_;
    std::shared_ptr<const LoadedModel> loaded_;
    std::unique_ptr<ModelLoadJob> job_;
    QString error_;
    SelectionModel selection_;
    int subgraph_ = 0;

    QStackedWidget* stack_ = nullptr;
    // Loading page.
    QLabel* loadingLabel_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QPushButton* cancelButton_ = nullptr;
    // Error page.
    QLabel* errorLabel_ = nullptr;
    // Content.
    QWidget* content_ = nullptr;
    QWidget* changedBar_ = nullptr;
    QComboBox* subgraphBox_ = nullptr;
    QTabWidget* pages_ = nullptr;
    GraphView* graphView_ = nullptr;
    QWidget* findBar_ = nullptr;
    QLineEdit* findEdit_ = nullptr;
    QLabel* findCount_ = nullptr;
    std::vector<GraphMatch> matches_;
    int currentMatch_ = -1;
    OperatorTableModel* operatorModel_ = nullptr;
    TensorTableModel* tensorModel_ = nullptr;
    QSortFilterProxyModel* operatorProxy_ = nullptr;
    QSortFilterProxyModel* tensorProxy_ = nullptr;
    QTableView* operatorTable_ = nullptr;
    QTableView* tensorTable_ = nullptr;
    bool syncing_ = false;
    bool showDelegation_ = false;
};

}  // namespace litescope::ui
