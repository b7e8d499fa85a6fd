// The op graph view: one subgraph's laid-out OpGraph drawn as a scene (nodes coloured by op category,
// tensors as labelled edges) with pan, zoom, level of detail, keyboard navigation, find highlighting and
// PNG/SVG export. It follows and sets the SelectionModel that every other view of the model shares.
#pragma once

#include <QGraphicsView>
#include <QPointer>
#include <memory>
#include <vector>

#include "runtime/model.h"
#include "viewmodels/delegation_overlay.h"
#include "viewmodels/op_graph.h"
#include "viewmodels/selection.h"

namespace litescope::ui {

struct GraphPaintState;
class GraphNodeItem;
class GraphEdgeItem;

// The fill of an op category's nodes: mid-dark tones that carry white text in both themes.
QColor opCategoryColor(OpCategory category);
// The outline of a delegate partition's nodes: a small palette cycled by partition index, bright enough to
// stand out against the category fills and the background in the theme given, and away from the
// selection's orange.
QColor partitionColor(int partition, bool dark);

// Mouse: the wheel zooms around the cursor, dragging pans, a click selects, a click on "+N const" (or
// Space) lists an op's folded constants, a double-click on a control-flow op opens its body (or the
// subgraph of the badge under the cursor). Keys: + and - zoom, 0 fits, Up/Down go to the producer/first
// consumer, Left/Right to the neighbour in the same layer, Home to the first input, Enter opens a
// control-flow body, Ctrl+F asks for the find bar.
class GraphView : public QGraphicsView {
    Q_OBJECT

  public:
    explicit GraphView(QWidget* parent = nullptr);
    ~GraphView() override;

    // Shows `graph` (a subgraph of `model`) and fits it in the view. Either may be null: an empty view.
    void setGraph(std::shared_ptr<const Model> model, std::shared_ptr<const OpGraph> graph);
    const std::shared_ptr<const OpGraph>& graph() const;
    const std::shared_ptr<const Model>& model() const;

    // Clicking a node selects its operator (Input/Output nodes: their tensor), clicking an edge its tensor;
    // a selection made elsewhere is highlighted and scrolled into view.
    void setSelectionModel(SelectionModel* selection);
    // The shared model, or the view's own while none is set (or after the shared one is gone).
    SelectionModel* selectionModel() const { return selection_ ? selection_.data() : ownSelection_; }

    // Outlines every operator by what the delegate does with it (its partition's colour, dashed grey on the
    // builtin kernels) with a badge ("XNNPACK p0", "builtin", "prepare"); null turns the overlay off. Kept
    // across setGraph(), so it follows subgraph switches.
    void setDelegationOverlay(std::shared_ptr<const DelegationOverlay> overlay);
    const std::shared_ptr<const DelegationOverlay>& delegationOverlay() const;
    // The badge drawn on a node now (empty when none) and its tooltip, for tests and tools.
    QString delegationBadgeText(int node) const;
    QString nodeToolTip(int node) const;

    // Dims every node that is not a match; an empty list ends the search highlight.
    void setSearchMatches(const std::vector<GraphMatch>& matches);
    // Centres the view on match `index` (zooming in to a readable scale if needed) and marks it.
    void focusMatch(int index);

    // An expanded operator lists its folded constants (weights, biases, variables) under its box.
    bool isNodeExpanded(int node) const;
    void setNodeExpanded(int node, bool expanded);

    // Where things are, for tests and tools: scene rectangle of a node, the node or edge under a viewport
    // position (-1 when none), and what is highlighted now.
    QRectF nodeSceneRect(int node) const;
    int nodeAt(const QPoint& viewportPos) const;
    int edgeAt(const QPoint& viewportPos) const;
    bool isNodeHighlighted(int node) const;
    bool isEdgeHighlighted(int edge) const;

    double zoom() const;  // 1 = 100%
    // Renders the whole graph to a .png or .svg file (by suffix). On failure returns false and
    // errorString() says why.
    bool exportImage(const QString& path);
    QString errorString() const { return errorString_; }

  public slots:
    void zoomToFit();
    void zoomIn();
    void zoomOut();
    void resetZoom();
    // A readable zoom at the top of the graph (its inputs), as a user first wants to see a model.
    void showOverviewOfTop();

  signals:
    void subgraphLinkActivated(int subgraph);
    void findRequested();  // Ctrl+F inside the view
    void zoomChanged(double zoom);

  protected:
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    bool viewportEvent(QEvent* event) override;
    void drawBackground(QPainter* painter, const QRectF& rect) override;
    void changeEvent(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

  private:
    void rebuildScene();
    void updateOverviewMode();
    void drawOverview(QPainter* painter, const QRectF& exposed);
    void applySelection(const SelectionTarget& target);
    void refreshHighlights();
    void selectNode(int node);
    int currentNode() const;
    void navigate(int key);
    void zoomAround(double factor, const QPoint& viewportPos);
    void setScale(double scale);
    double fitScale() const;
    QRectF graphRect() const;  // the drawing plus a margin
    void updateScrollArea();
    void applyFit();
    void applyTop();
    void handleClick(const QPoint& viewportPos);
    void ensureNodeVisible(int node, bool readable);
    void toggleExpanded(int node);
    QString edgeToolTip(int edge) const;
    void updateDelegationMarks();

    std::unique_ptr<GraphPaintState> state_;
    // Far out the view shows an empty scene and draws every box and edge itself in a few batched calls:
    // with tens of thousands of items on screen, the scene's per-item cost would dominate the frame.
    QGraphicsScene* graphScene_ = nullptr;
    QGraphicsScene* emptyScene_ = nullptr;
    bool overview_ = false;
    std::vector<GraphNodeItem*> nodeItems_;
    std::vector<GraphEdgeItem*> edgeItems_;
    SelectionModel* ownSelection_ = nullptr;  // used until a shared one is set
    QPointer<SelectionModel> selection_;
    QMetaObject::Connection selectionConnection_;
    std::vector<GraphMatch> matches_;
    QPoint pressPos_;
    bool pressed_ = false;
    enum class PendingView { None, Fit, Top };
    PendingView pendingView_ = PendingView::None;  // re-applied on resize until the user moves the view
    QString errorString_;
};

}  // namespace litescope::ui
