// The overview dock's content: the open model's file, structure, inputs and outputs, op histogram, weights,
// metadata and warnings as an expandable two-column tree.
#pragma once

#include <QWidget>
#include <memory>

#include "viewmodels/overview_model.h"

QT_FORWARD_DECLARE_CLASS(QTreeView)

namespace litescope {
struct LoadedModel;
}

namespace litescope::ui {

class OverviewPanel : public QWidget {
    Q_OBJECT

  public:
    explicit OverviewPanel(QWidget* parent = nullptr);

    // Shows rows built elsewhere (buildOverview() runs in any thread).
    void setOverview(Overview overview);
    // Builds the rows from an open document; null clears the panel.
    void setLoadedModel(const std::shared_ptr<const LoadedModel>& loaded);
    void clear();

    OverviewModel* model() const { return model_; }
    QTreeView* view() const { return view_; }

  private:
    OverviewModel* model_ = nullptr;
    QTreeView* view_ = nullptr;
};

}  // namespace litescope::ui
