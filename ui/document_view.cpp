#include "ui/document_view.h"

#include <QAction>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QShortcut>
#include <QSortFilterProxyModel>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include "ui/graph_view.h"
#include "viewmodels/operator_table_model.h"
#include "viewmodels/tensor_table_model.h"

namespace litescope::ui {
namespace {

QTableView* makeTable(QSortFilterProxyModel* proxy, QWidget* parent) {
    auto* table = new QTableView(parent);
    table->setModel(proxy);
    table->setSortingEnabled(true);
    table->sortByColumn(0, Qt::AscendingOrder);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    table->setAlternatingRowColors(true);
    table->setWordWrap(false);
    table->verticalHeader()->hide();
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 6);
    table->horizontalHeader()->setStretchLastSection(true);
    table->horizontalHeader()->setSectionsMovable(true);
    return table;
}

QWidget* tablePage(QTableView* table, QSortFilterProxyModel* proxy, const QString& placeholder,
                   QWidget* parent) {
    auto* page = new QWidget(parent);
    auto* layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 4, 0, 0);
    auto* filter = new QLineEdit(page);
    filter->setPlaceholderText(placeholder);
    filter->setClearButtonEnabled(true);
    QObject::connect(filter, &QLineEdit::textChanged, proxy,
                     [proxy](const QString& text) { proxy->setFilterFixedString(text); });
    layout->addWidget(filter);
    layout->addWidget(table);
    return page;
}

QSortFilterProxyModel* makeProxy(QAbstractItemModel* source, int sortRole, QObject* parent) {
    auto* proxy = new QSortFilterProxyModel(parent);
    proxy->setSourceModel(source);
    proxy->setSortRole(sortRole);
    proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    proxy->setFilterKeyColumn(-1);  // any column
    return proxy;
}

}  // namespace

DocumentView::DocumentView(ModelSource source, QWidget* parent)
    : QWidget(parent), source_(std::move(source)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    stack_ = new QStackedWidget(this);
    layout->addWidget(stack_);

    // Loading page: centred progress with Cancel.
    auto* loading = new QWidget(stack_);
    auto* loadingLayout = new QVBoxLayout(loading);
    loadingLayout->addStretch();
    loadingLabel_ = new QLabel(loading);
    loadingLabel_->setAlignment(Qt::AlignCenter);
    progress_ = new QProgressBar(loading);
    progress_->setRange(0, 100);
    progress_->setMaximumWidth(420);
    cancelButton_ = new QPushButton(tr("Cancel"), loading);
    auto* row = new QHBoxLayout;
    row->addStretch();
    row->addWidget(progress_);
    row->addWidget(cancelButton_);
    row->addStretch();
    loadingLayout->addWidget(loadingLabel_);
    loadingLayout->addLayout(row);
    loadingLayout->addStretch();
    connect(cancelButton_, &QPushButton::clicked, this, &DocumentView::cancelLoading);
    stack_->addWidget(loading);

    // Error page: the loader's message, selectable so it can be copied into a bug report.
    auto* errorPage = new QWidget(stack_);
    auto* errorLayout = new QVBoxLayout(errorPage);
    errorLayout->addStretch();
    errorLabel_ = new QLabel(errorPage);
    errorLabel_->setAlignment(Qt::AlignCenter);
    errorLabel_->setWordWrap(true);
    errorLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* retry = new QPushButton(tr("Try Again"), errorPage);
    connect(retry, &QPushButton::clicked, this, &DocumentView::reload);
    auto* retryRow = new QHBoxLayout;
    retryRow->addStretch();
    retryRow->addWidget(retry);
    retryRow->addStretch();
    errorLayout->addWidget(errorLabel_);
    errorLayout->addLayout(retryRow);
    errorLayout->addStretch();
    stack_->addWidget(errorPage);

    connect(&selection_, &SelectionModel::changed, this, &DocumentView::syncTablesToSelection);
    startLoading();
}

DocumentView::~DocumentView() = default;

bool DocumentView::isLoading() const {
    return job_ != nullptr;
}

void DocumentView::startLoading() {
    error_.clear();
    loadingLabel_->setText(tr("Loading %1…").arg(source_.displayName));
    progress_->setValue(0);
    stack_->setCurrentIndex(0);
    job_ = std::make_unique<ModelLoadJob>(source_);
    connect(job_.get(), &ModelLoadJob::progress, this, [this](int percent, const QString& stage) {
        progress_->setValue(percent);
        loadingLabel_->setText(stage);
    });
    connect(job_.get(), &ModelLoadJob::finished, this, &DocumentView::onLoaded);
    connect(job_.get(), &ModelLoadJob::failed, this, &DocumentView::onFailed);
    connect(job_.get(), &ModelLoadJob::cancelled, this,
            [this] { onFailed(tr("Loading %1 was cancelled.").arg(source_.displayName)); });
    job_->start();
}

void DocumentView::cancelLoading() {
    if (job_) job_->cancel();
}

void DocumentView::reload() {
    if (changedBar_) changedBar_->hide();
    startLoading();
}

void DocumentView::onFailed(const QString& message) {
    job_.reset();
    error_ = message;
    errorLabel_->setText(tr("<b>%1 could not be opened</b><br><br>%2")
                             .arg(source_.displayName.toHtmlEscaped(), message.toHtmlEscaped()));
    stack_->setCurrentIndex(1);
    emit loadFailed(message);
}

void DocumentView::onLoaded(std::shared_ptr<const LoadedModel> model) {
    job_.reset();
    const bool first = loaded_ == nullptr;
    loaded_ = std::move(model);
    if (first) buildContent();
    const Page page = currentPage();
    operatorModel_->setModel(loaded_->model);
    tensorModel_->setModel(loaded_->model);
    subgraphBox_->blockSignals(true);
    subgraphBox_->clear();
    for (const auto& subgraph : loaded_->model->subgraphs()) {
        QString name =
            subgraph.name.empty() ? QString() : QString::fromUtf8(subgraph.name.data(), subgraph.name.size());
        subgraphBox_->addItem(tr("Subgraph %1%2  (%3 ops)")
                                  .arg(subgraph.index)
                                  .arg(name.isEmpty() ? QString() : QStringLiteral(": ") + name)
                                  .arg(subgraph.operators.size()));
    }
    subgraphBox_->blockSignals(false);
    subgraphBox_->setEnabled(loaded_->model->subgraphs().size() > 1);
    selection_.clear();
    applyDelegation();
    const int keep = first ? 0 : subgraph_;
    subgraph_ = -1;
    setSubgraph(keep < static_cast<int>(loaded_->graphs.size()) ? keep : 0);
    stack_->setCurrentWidget(content_);
    showPage(page);
    emit loadFinished();
}

void DocumentView::buildContent() {
    content_ = new QWidget(stack_);
    auto* layout = new QVBoxLayout(content_);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);

    changedBar_ = new QWidget(content_);
    changedBar_->setAutoFillBackground(true);
    changedBar_->setBackgroundRole(QPalette::ToolTipBase);
    auto* changedLayout = new QHBoxLayout(changedBar_);
    changedLayout->setContentsMargins(8, 4, 8, 4);
    auto* changedLabel = new QLabel(tr("The file has changed on disk."), changedBar_);
    auto* reloadButton = new QPushButton(tr("Reload"), changedBar_);
    auto* ignoreButton = new QPushButton(tr("Ignore"), changedBar_);
    changedLayout->addWidget(changedLabel, 1);
    changedLayout->addWidget(reloadButton);
    changedLayout->addWidget(ignoreButton);
    connect(reloadButton, &QPushButton::clicked, this, &DocumentView::reload);
    connect(ignoreButton, &QPushButton::clicked, changedBar_, &QWidget::hide);
    changedBar_->hide();
    layout->addWidget(changedBar_);

    pages_ = new QTabWidget(content_);
    pages_->setDocumentMode(true);
    subgraphBox_ = new QComboBox(pages_);
    subgraphBox_->setToolTip(tr("Subgraph shown in the graph and the tables"));
    subgraphBox_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    connect(subgraphBox_, &QComboBox::currentIndexChanged, this, &DocumentView::setSubgraph);
    pages_->setCornerWidget(subgraphBox_, Qt::TopRightCorner);

    // Graph page with the find bar under it.
    auto* graphPage = new QWidget(pages_);
    auto* graphLayout = new QVBoxLayout(graphPage);
    graphLayout->setContentsMargins(0, 0, 0, 0);
    graphLayout->setSpacing(0);
    graphView_ = new GraphView(graphPage);
    graphView_->setSelectionModel(&selection_);
    connect(graphView_, &GraphView::subgraphLinkActivated, this,
            [this](int subgraph) { subgraphBox_->setCurrentIndex(subgraph); });
    graphLayout->addWidget(graphView_, 1);

    findBar_ = new QWidget(graphPage);
    auto* findLayout = new QHBoxLayout(findBar_);
    findLayout->setContentsMargins(6, 4, 6, 4);
    findEdit_ = new QLineEdit(findBar_);
    findEdit_->setPlaceholderText(tr("Find op type, op or tensor name, #index or t:index"));
    findEdit_->setClearButtonEnabled(true);
    findCount_ = new QLabel(findBar_);
    auto* prev = new QToolButton(findBar_);
    prev->setArrowType(Qt::UpArrow);
    prev->setToolTip(tr("Previous match (Shift+Enter)"));
    auto* next = new QToolButton(findBar_);
    next->setArrowType(Qt::DownArrow);
    next->setToolTip(tr("Next match (Enter)"));
    auto* close = new QToolButton(findBar_);
    close->setText(QStringLiteral("✕"));
    close->setToolTip(tr("Close (Esc)"));
    findLayout->addWidget(new QLabel(tr("Find:"), findBar_));
    findLayout->addWidget(findEdit_, 1);
    findLayout->addWidget(findCount_);
    findLayout->addWidget(prev);
    findLayout->addWidget(next);
    findLayout->addWidget(close);
    connect(findEdit_, &QLineEdit::textChanged, this, &DocumentView::runFind);
    connect(findEdit_, &QLineEdit::returnPressed, this, [this] { findNext(false); });
    connect(prev, &QToolButton::clicked, this, [this] { findNext(true); });
    connect(next, &QToolButton::clicked, this, [this] { findNext(false); });
    auto closeFind = [this] {
        findBar_->hide();
        graphView_->setSearchMatches({});
        graphView_->setFocus();
    };
    connect(close, &QToolButton::clicked, this, closeFind);
    auto* escape = new QShortcut(QKeySequence(Qt::Key_Escape), findBar_, nullptr, nullptr,
                                 Qt::WidgetWithChildrenShortcut);
    connect(escape, &QShortcut::activated, this, closeFind);
    auto* backwards = new QShortcut(QKeySequence(Qt::SHIFT | Qt::Key_Return), findEdit_, nullptr, nullptr,
                                    Qt::WidgetShortcut);
    connect(backwards, &QShortcut::activated, this, [this] { findNext(true); });
    findBar_->hide();
    graphLayout->addWidget(findBar_);
    pages_->addTab(graphPage, tr("Graph"));

    operatorModel_ = new OperatorTableModel(nullptr, this);
    operatorProxy_ = makeProxy(operatorModel_, OperatorTableModel::SortRole, this);
    operatorTable_ = makeTable(operatorProxy_, pages_);
    pages_->addTab(tablePage(operatorTable_, operatorProxy_, tr("Filter operators (any column)"), pages_),
                   tr("Operators"));
    tensorModel_ = new TensorTableModel(nullptr, this);
    tensorProxy_ = makeProxy(tensorModel_, TensorTableModel::SortRole, this);
    tensorTable_ = makeTable(tensorProxy_, pages_);
    pages_->addTab(tablePage(tensorTable_, tensorProxy_, tr("Filter tensors (any column)"), pages_),
                   tr("Tensors"));

    connect(operatorTable_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                if (syncing_ || !current.isValid()) return;
                const QModelIndex source = operatorProxy_->mapToSource(current);
                selection_.select(SelectionTarget::op(subgraph_, source.row()));
            });
    connect(tensorTable_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                if (syncing_ || !current.isValid()) return;
                const QModelIndex source = tensorProxy_->mapToSource(current);
                selection_.select(SelectionTarget::tensor(subgraph_, source.row()));
            });

    layout->addWidget(pages_, 1);
    stack_->addWidget(content_);
}

void DocumentView::setSubgraph(int subgraph) {
    const bool userSwitch = subgraph_ >= 0;
    if (!loaded_ || subgraph < 0 || subgraph >= static_cast<int>(loaded_->graphs.size())) return;
    if (subgraph == subgraph_) return;
    subgraph_ = subgraph;
    if (subgraphBox_->currentIndex() != subgraph) subgraphBox_->setCurrentIndex(subgraph);
    graphView_->setGraph(loaded_->model, loaded_->graphs[subgraph]);
    operatorModel_->setSubgraph(subgraph);
    tensorModel_->setSubgraph(subgraph);
    operatorTable_->resizeColumnsToContents();
    tensorTable_->resizeColumnsToContents();
    if (selection_.current().subgraph != subgraph) selection_.clear();
    if (findBar_->isVisible()) runFind();
    if (!userSwitch) return;
    const auto& sg = loaded_->model->subgraphs()[subgraph];
    QString message = tr("Subgraph %1: %2 operators, %3 tensors")
                          .arg(subgraph)
                          .arg(sg.operators.size())
                          .arg(sg.tensors.size());
    // A control-flow body has no overlay until it runs: say so rather than leave the user wondering.
    if (showDelegation_) {
        if (const QString why = delegationText(loaded_->xnnpack, subgraph, -1); !why.isEmpty())
            message += QStringLiteral("  ·  ") + why;
    }
    emit statusMessage(message);
}

void DocumentView::setShowDelegation(bool show) {
    if (show == showDelegation_) return;
    showDelegation_ = show;
    applyDelegation();
}

std::shared_ptr<const DelegationOverlay> DocumentView::delegationOverlay() const {
    if (!loaded_) return nullptr;
    return std::shared_ptr<const DelegationOverlay>(loaded_, &loaded_->xnnpack);
}

void DocumentView::applyDelegation() {
    if (!graphView_) return;
    std::shared_ptr<const DelegationOverlay> overlay = showDelegation_ ? delegationOverlay() : nullptr;
    if (overlay && !overlay->error.empty()) overlay.reset();
    graphView_->setDelegationOverlay(std::move(overlay));
}

void DocumentView::showPage(Page page) {
    if (pages_) pages_->setCurrentIndex(static_cast<int>(page));
}

DocumentView::Page DocumentView::currentPage() const {
    return pages_ ? static_cast<Page>(pages_->currentIndex()) : Page::Graph;
}

void DocumentView::showFindBar() {
    if (!loaded_) return;
    showPage(Page::Graph);
    findBar_->show();
    findEdit_->setFocus();
    findEdit_->selectAll();
    runFind();
}

void DocumentView::runFind() {
    if (!loaded_) return;
    const QString query = findEdit_->text().trimmed();
    matches_.clear();
    currentMatch_ = -1;
    if (!query.isEmpty()) {
        matches_ = findInGraph(*loaded_->model, *loaded_->graphs[subgraph_], query.toStdString());
    }
    graphView_->setSearchMatches(matches_);
    if (query.isEmpty()) {
        findCount_->clear();
    } else if (matches_.empty()) {
        findCount_->setText(tr("no match"));
    } else {
        findNext(false);
    }
}

void DocumentView::findNext(bool backwards) {
    if (matches_.empty()) return;
    const int n = static_cast<int>(matches_.size());
    currentMatch_ =
        currentMatch_ < 0 ? (backwards ? n - 1 : 0) : (currentMatch_ + (backwards ? n - 1 : 1)) % n;
    findCount_->setText(tr("%1 of %2").arg(currentMatch_ + 1).arg(n));
    graphView_->focusMatch(currentMatch_);
    const GraphMatch& match = matches_[currentMatch_];
    const OpGraphNode& node = loaded_->graphs[subgraph_]->nodes[match.node];
    if (match.tensor >= 0) {
        selection_.select(SelectionTarget::tensor(subgraph_, match.tensor));
    } else if (node.kind == OpGraphNode::Kind::Operator) {
        selection_.select(SelectionTarget::op(subgraph_, node.index));
    } else {
        selection_.select(SelectionTarget::tensor(subgraph_, node.index));
    }
}

void DocumentView::notifyFileChanged() {
    if (changedBar_ && loaded_) {
        changedBar_->show();
    } else if (!isLoading()) {
        reload();  // nothing shown yet (an error page): just try again
    }
}

bool DocumentView::isFileChangedBarVisible() const {
    return changedBar_ && !changedBar_->isHidden();
}

void DocumentView::syncTablesToSelection(const SelectionTarget& target) {
    if (!loaded_ || target.subgraph != subgraph_) return;
    syncing_ = true;
    auto selectRow = [](QTableView* table, QSortFilterProxyModel* proxy, int row) {
        const QModelIndex index = proxy->mapFromSource(proxy->sourceModel()->index(row, 0));
        if (index.isValid()) {
            table->selectionModel()->setCurrentIndex(
                index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
            table->scrollTo(index);
        } else {
            table->clearSelection();
        }
    };
    if (target.kind == SelectionTarget::Kind::Operator) {
        selectRow(operatorTable_, operatorProxy_, target.index);
    } else if (target.kind == SelectionTarget::Kind::Tensor) {
        selectRow(tensorTable_, tensorProxy_, target.index);
    }
    syncing_ = false;
}

}  // namespace litescope::ui
