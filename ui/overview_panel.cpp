#include "ui/overview_panel.h"

#include <QHeaderView>
#include <QStyledItemDelegate>
#include <QTreeView>
#include <QVBoxLayout>

#include "ui/tensor_inspector.h"
#include "viewmodels/model_document.h"

namespace litescope::ui {

namespace {

// Section rows in bold, so that the tree reads as headed lists.
class SectionDelegate : public QStyledItemDelegate {
  public:
    using QStyledItemDelegate::QStyledItemDelegate;

  protected:
    void initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const override {
        QStyledItemDelegate::initStyleOption(option, index);
        if (index.data(OverviewModel::SectionRole).toBool()) option->font.setBold(true);
    }
};

}  // namespace

OverviewPanel::OverviewPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    model_ = new OverviewModel(this);
    view_ = new QTreeView(this);
    view_->setObjectName("overviewTree");
    view_->setModel(model_);
    view_->setUniformRowHeights(true);
    view_->setAlternatingRowColors(true);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    view_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view_->setWordWrap(false);
    view_->setTextElideMode(Qt::ElideRight);
    view_->header()->setStretchLastSection(true);
    view_->setItemDelegate(new SectionDelegate(view_));
    installCopyActions(view_);
    layout->addWidget(view_);
}

void OverviewPanel::setOverview(Overview overview) {
    model_->setOverview(std::move(overview));
    // Sections open, their rows' details (an input's signature, a signature's tensors) closed.
    for (int row = 0; row < model_->rowCount(); ++row)
        view_->expand(model_->index(row, 0));
    view_->resizeColumnToContents(OverviewModel::PropertyColumn);
}

void OverviewPanel::setLoadedModel(const std::shared_ptr<const LoadedModel>& loaded) {
    if (!loaded || !loaded->model) {
        clear();
        return;
    }
    setOverview(loaded->overview);
}

void OverviewPanel::clear() {
    model_->clear();
}

}  // namespace litescope::ui
