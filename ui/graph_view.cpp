// One QGraphicsItem per node and per edge in a BSP-indexed scene, each picking its level of detail from the
// painter's scale; panning repaints only the exposed strip. Zoomed far out the view swaps in an empty scene
// and draws every box and hairline itself in a few batched calls, so a whole 10k-node graph on screen costs
// milliseconds a frame instead of the scene's per-item overhead.
#include "ui/graph_view.h"

#include <QApplication>
#include <QFileInfo>
#include <QFontMetricsF>
#include <QGraphicsItem>
#include <QGraphicsScene>
#include <QHash>
#include <QHelpEvent>
#include <QImage>
#include <QKeyEvent>
#include <QPainter>
#include <QPainterPathStroker>
#include <QScrollBar>
#include <QStyleOptionGraphicsItem>
#include <QSvgGenerator>
#include <QToolTip>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "ui/theme.h"

namespace litescope::ui {
namespace {

// Levels of detail, as the painter's scale: below kFarLod plain boxes and straight hairlines; up to
// kDetailLod rounded boxes, curved edges with arrowheads and titles; from there every text and edge label.
constexpr double kFarLod = 0.3;
constexpr double kDetailLod = 0.7;
constexpr double kMaxScale = 6.0;
constexpr double kReadableScale = 0.9;
constexpr double kSceneMargin = 40;
constexpr double kRadius = 6;
constexpr double kTextInset = 12;
constexpr double kBadgeRowHeight = 22;  // matches the view model's estimate
constexpr double kCardRowHeight = 17;
constexpr int kCardMaxRows = 14;
constexpr double kArrowLength = 8;
constexpr double kArrowHalfWidth = 4;
constexpr double kDimOpacity = 0.18;
constexpr double kPreparedOpacity = 0.55;  // operators computed once at prepare, under a delegation overlay

enum NodeFlag : uint8_t { kSelected = 1, kRelated = 2, kMatch = 4, kCurrentMatch = 8 };
enum EdgeFlag : uint8_t { kEdgeSelected = 1, kEdgeRelated = 2, kEdgeMatch = 4 };

QString qs(std::string_view text) {
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

QPointF toQ(const Point& p) {
    return {p.x, p.y};
}

// A vertical S-curve through every bend, tangents vertical at each, like the routing of Netron and dagre.
QPainterPath curveThrough(const std::vector<Point>& points) {
    QPainterPath path;
    if (points.empty()) return path;
    path.moveTo(toQ(points.front()));
    for (size_t i = 1; i < points.size(); ++i) {
        const QPointF a = toQ(points[i - 1]), b = toQ(points[i]);
        const double half = (b.y() - a.y()) / 2;
        if (std::abs(half) < 1e-6) {
            path.lineTo(b);
        } else {
            path.cubicTo(QPointF(a.x(), a.y() + half), QPointF(b.x(), b.y() - half), b);
        }
    }
    return path;
}

// Where the curve segment from a to b is after travelling `dy` vertically from a.
QPointF pointAtRise(const QPointF& a, const QPointF& b, double dy) {
    const double total = b.y() - a.y();
    if (std::abs(total) < 1e-6) return (a + b) / 2;
    const double target = std::clamp(dy / std::abs(total), 0.0, 1.0);
    // y(t) = y0 + total * (1.5t - 1.5t^2 + t^3) for our control points; x follows smoothstep.
    double lo = 0, hi = 1;
    for (int i = 0; i < 30; ++i) {
        const double t = (lo + hi) / 2;
        const double f = 1.5 * t - 1.5 * t * t + t * t * t;
        (f < target ? lo : hi) = t;
    }
    const double t = (lo + hi) / 2;
    const double s = 3 * t * t - 2 * t * t * t;
    const double f = 1.5 * t - 1.5 * t * t + t * t * t;
    return {a.x() + (b.x() - a.x()) * s, a.y() + total * f};
}

QString quantizationText(const Tensor& tensor) {
    const QuantizationParams& q = tensor.quantization;
    if (!q.hasAffine()) return {};
    QString text = QStringLiteral("scale %1").arg(static_cast<double>(q.scale[0]), 0, 'g', 6);
    if (!q.zeroPoint.empty()) text += QStringLiteral(", zero point %1").arg(q.zeroPoint[0]);
    if (q.isPerChannel())
        text +=
            QStringLiteral(" (per channel: %1 along dim %2)").arg(q.scale.size()).arg(q.quantizedDimension);
    return text;
}

// The subgraph a double-click or Enter opens: a loop's body says more than its condition.
int mainCallee(const OpGraphNode& node) {
    size_t pick = 0;
    for (size_t k = 0; k < node.calledLabels.size() && k < node.calledSubgraphs.size(); ++k)
        if (node.calledLabels[k].starts_with("body:")) pick = k;
    return node.calledSubgraphs[pick];
}

QString tensorName(const Tensor& tensor) {
    return tensor.name.empty() ? QStringLiteral("tensor %1").arg(tensor.index) : qs(tensor.name);
}

}  // namespace

QColor opCategoryColor(OpCategory category) {
    switch (category) {
        case OpCategory::Convolution:
            return QColor(0x2a, 0x62, 0xb8);
        case OpCategory::Linear:
            return QColor(0x4c, 0x4f, 0xb5);
        case OpCategory::Pooling:
            return QColor(0x3b, 0x7d, 0x32);
        case OpCategory::Activation:
            return QColor(0xb8, 0x43, 0x3a);
        case OpCategory::Elementwise:
            return QColor(0x4a, 0x5a, 0x6e);
        case OpCategory::Normalization:
            return QColor(0x17, 0x77, 0x6c);
        case OpCategory::Shape:
            return QColor(0x6e, 0x56, 0x46);
        case OpCategory::Reduction:
            return QColor(0x7f, 0x6c, 0x14);
        case OpCategory::Quantization:
            return QColor(0xa8, 0x5a, 0x17);
        case OpCategory::ControlFlow:
            return QColor(0xa9, 0x3a, 0x7e);
        case OpCategory::Recurrent:
            return QColor(0x7b, 0x46, 0xad);
        case OpCategory::Gather:
            return QColor(0x0f, 0x74, 0x90);
        case OpCategory::Custom:
            return QColor(0x5c, 0x56, 0x50);
        case OpCategory::Other:
            break;
    }
    return QColor(0x6b, 0x72, 0x80);
}

QColor partitionColor(int partition, bool dark) {
    // Green, violet, pink, cyan, lime, grape: none near the selection's orange or a category fill.
    static const QRgb light[] = {0x0ca678, 0x7048e8, 0xd6336c, 0x1098ad, 0x74b816, 0xae3ec9};
    static const QRgb darkTones[] = {0x38d9a9, 0x9775fa, 0xf783ac, 0x3bc9db, 0xa9e34b, 0xda77f2};
    constexpr int count = static_cast<int>(std::size(light));
    const int k = ((partition % count) + count) % count;
    return QColor::fromRgb(dark ? darkTones[k] : light[k]);
}

// Colours and fonts of the scene for the current theme, rebuilt when the theme changes.
struct GraphStyle {
    bool dark = false;
    QColor background, text, dimText, edge, highlight, surface;
    QColor inputFill, inputBorder, outputFill, outputBorder, labelBackground;
    QColor builtinOutline;  // operators a delegate leaves to the builtin kernels
    QFont title, detail, label, badge;
    QFontMetricsF titleMetrics{QFont()}, detailMetrics{QFont()}, labelMetrics{QFont()}, badgeMetrics{QFont()};

    void rebuild() {
        dark = isDarkTheme();
        background = graphBackground();
        text = graphText();
        edge = graphEdge();
        highlight = graphHighlight();
        dimText = dark ? QColor(0xa0, 0xa6, 0xb0) : QColor(0x5b, 0x62, 0x70);
        surface = dark ? QColor(0x2b, 0x2d, 0x30) : QColor(0xff, 0xff, 0xff);
        inputFill = dark ? QColor(0x1f, 0x3a, 0x2a) : QColor(0xe6, 0xf4, 0xea);
        inputBorder = dark ? QColor(0x4f, 0xb0, 0x7a) : QColor(0x2e, 0x8b, 0x57);
        outputFill = dark ? QColor(0x3e, 0x2f, 0x1d) : QColor(0xfd, 0xf0, 0xe1);
        outputBorder = dark ? QColor(0xe3, 0x9a, 0x4f) : QColor(0xc9, 0x74, 0x25);
        labelBackground = background;
        labelBackground.setAlpha(215);
        builtinOutline = dark ? QColor(0x9a, 0xa1, 0xab) : QColor(0x86, 0x8e, 0x96);
        QFont base = QApplication::font();
        title = base;
        title.setPixelSize(12);
        title.setBold(true);
        detail = base;
        detail.setPixelSize(10);
        label = detail;
        badge = base;
        badge.setPixelSize(9);
        badge.setBold(true);
        titleMetrics = QFontMetricsF(title);
        detailMetrics = QFontMetricsF(detail);
        labelMetrics = QFontMetricsF(label);
        badgeMetrics = QFontMetricsF(badge);
    }
};

// What the delegation overlay draws on one node.
struct DelegationMark {
    DelegationFate fate = DelegationFate::Unknown;
    int32_t partition = -1;
    QString badge;
};

struct GraphPaintState {
    std::shared_ptr<const Model> model;
    std::shared_ptr<const OpGraph> graph;
    std::shared_ptr<const DelegationOverlay> delegation;  // null: the overlay is off
    std::vector<DelegationMark> delegationMarks;          // per node, while the overlay is on
    std::vector<uint8_t> nodeFlags;
    std::vector<uint8_t> edgeFlags;
    bool searchActive = false;
    GraphStyle styleData;
    bool styleReady = false;
    QHash<QString, double> labelWidths;  // edge labels repeat a lot ("1x56x56x64 INT8")

    const GraphStyle& style() {
        if (!styleReady || styleData.dark != isDarkTheme()) {
            styleData.rebuild();
            styleReady = true;
        }
        return styleData;
    }
    double labelWidth(const QString& text) {
        auto it = labelWidths.find(text);
        if (it == labelWidths.end())
            it = labelWidths.insert(text, style().labelMetrics.horizontalAdvance(text));
        return *it;
    }
    const Subgraph& subgraph() const { return model->subgraphs()[graph->subgraph]; }
    // Null when the overlay is off or says nothing about the node.
    const DelegationMark* delegationMark(int node) const {
        if (static_cast<size_t>(node) >= delegationMarks.size()) return nullptr;
        const DelegationMark& mark = delegationMarks[static_cast<size_t>(node)];
        return mark.fate == DelegationFate::Unknown ? nullptr : &mark;
    }
};

// ---------------------------------------------------------------------------------------------------------

class GraphNodeItem : public QGraphicsItem {
  public:
    enum { Type = UserType + 701 };
    enum class Part { None, Body, ConstMarker, Badge };
    struct Hit {
        Part part = Part::None;
        int badge = -1;
    };

    GraphNodeItem(GraphPaintState* state, int node) : state_(state), node_(node) {
        const OpGraphNode& n = data();
        box_ = QRectF(-n.size.width / 2, -n.size.height / 2, n.size.width, n.size.height);
        title_ = qs(n.title);
        subtitle_ = qs(n.subtitle);
        if (!n.foldedConstants.empty()) {
            const double w = state_->labelWidth(marker(false)) + 12;
            const double rowCenter = box_.top() + 31;
            markerRect_ = QRectF(box_.right() - 8 - w, rowCenter - 8, w, 16);
        }
        if (!n.calledLabels.empty()) {
            const GraphStyle& style = state_->style();
            double x = box_.left() + kTextInset;
            const double y = box_.bottom() - kBadgeRowHeight + 2;
            for (const std::string& label : n.calledLabels) {
                const QString text = qs(label) + QStringLiteral(" \u203a");
                const double w = std::min(style.detailMetrics.horizontalAdvance(text) + 14,
                                          std::max(box_.right() - kTextInset - x, 30.0));
                badges_.append(text);
                badgeRects_.push_back(QRectF(x, y, w, 16));
                x += w + 6;
            }
        }
        placeDelegationBadge();
        setPos(toQ(n.center));
        setZValue(1);
    }

    // The overlay was turned on or off: the badge may appear, go or change its width.
    void updateDelegation() {
        prepareGeometryChange();
        placeDelegationBadge();
        update();
    }

    int type() const override { return Type; }
    int node() const { return node_; }
    const OpGraphNode& data() const { return state_->graph->nodes[node_]; }

    QRectF boundingRect() const override {
        QRectF r = box_.adjusted(-8, -8, 8, 8);  // room for the delegation outline and the selection ring
        if (delegationBadgeRect_.isValid()) r |= delegationBadgeRect_.adjusted(-1, -1, 1, 1);
        if (expanded_) r |= cardRect_.adjusted(-2, -2, 2, 4);
        return r;
    }

    QPainterPath shape() const override {
        QPainterPath path;
        path.addRect(box_);
        if (expanded_) path.addRect(cardRect_);
        return path;
    }

    Hit hitTest(const QPointF& local) const {
        if (!boundingRect().contains(local)) return {};
        if (markerRect_.isValid() && markerRect_.adjusted(-3, -3, 3, 3).contains(local))
            return {Part::ConstMarker, -1};
        for (size_t k = 0; k < badgeRects_.size(); ++k)
            if (badgeRects_[k].adjusted(-2, -2, 2, 2).contains(local))
                return {Part::Badge, static_cast<int>(k)};
        if (box_.contains(local) || (expanded_ && cardRect_.contains(local))) return {Part::Body, -1};
        return {};
    }

    bool isExpanded() const { return expanded_; }
    void setExpanded(bool expanded) {
        if (expanded == expanded_ || data().foldedConstants.empty()) return;
        prepareGeometryChange();
        expanded_ = expanded;
        if (expanded_) buildCard();
        setZValue(expanded_ ? 3 : baseZ_);
        update();
    }
    void setBaseZ(double z) {
        baseZ_ = z;
        if (!expanded_) setZValue(z);
    }

    void paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) override {
        const double lod = QStyleOptionGraphicsItem::levelOfDetailFromTransform(painter->worldTransform());
        const GraphStyle& style = state_->style();
        const uint8_t flags = state_->nodeFlags[node_];
        const bool dim = state_->searchActive && !(flags & kMatch);
        if (dim) painter->setOpacity(kDimOpacity);
        const OpGraphNode& n = data();
        const bool isOp = n.kind == OpGraphNode::Kind::Operator;
        const DelegationMark* mark = state_->delegationMark(node_);
        // Nothing of a node computed at prepare runs at invoke: fade it behind what does.
        if (mark && mark->fate == DelegationFate::ComputedAtPrepare)
            painter->setOpacity(painter->opacity() * kPreparedOpacity);
        const QColor fill = isOp                                 ? opCategoryColor(n.category)
                            : n.kind == OpGraphNode::Kind::Input ? style.inputFill
                                                                 : style.outputFill;

        if (lod < kFarLod) {
            // The view's overview picture (only exports of huge graphs get here): plain boxes, no
            // antialiasing, a cosmetic outline so that a box smaller than a pixel still shows.
            const bool antialiased = painter->testRenderHint(QPainter::Antialiasing);
            painter->setRenderHint(QPainter::Antialiasing, false);
            const QColor solid =
                isOp ? fill : (n.kind == OpGraphNode::Kind::Input ? style.inputBorder : style.outputBorder);
            QPen outline(solid, 0);
            outline.setCosmetic(true);
            painter->setPen(outline);
            painter->setBrush(solid);
            painter->drawRect(box_);
            const double ringGap = mark && mark->fate != DelegationFate::ComputedAtPrepare ? 6 : 3;
            if (mark) paintFarDelegationOutline(painter, style, *mark);
            if (flags & (kSelected | kRelated | kCurrentMatch)) {
                QPen ring(style.highlight, (flags & kSelected) ? 3 : 2);
                ring.setCosmetic(true);
                painter->setPen(ring);
                painter->setBrush(Qt::NoBrush);
                painter->drawRect(box_.adjusted(-ringGap, -ringGap, ringGap, ringGap));
            }
            painter->setRenderHint(QPainter::Antialiasing, antialiased);
            return;
        }

        const double radius = isOp ? kRadius : box_.height() / 2;
        // Selection and search rings outside the box (and outside a delegation outline), so the category
        // colour stays visible.
        if (flags & (kSelected | kRelated | kMatch | kCurrentMatch)) {
            QColor ringColor = style.highlight;
            double width = 3;
            if (!(flags & (kSelected | kCurrentMatch))) {
                ringColor.setAlpha((flags & kRelated) ? 200 : 150);
                width = 2;
            }
            const double gap = mark && mark->fate != DelegationFate::ComputedAtPrepare ? 6.5 : 3;
            painter->setPen(QPen(ringColor, width));
            painter->setBrush(Qt::NoBrush);
            painter->drawRoundedRect(box_.adjusted(-gap, -gap, gap, gap), radius + gap, radius + gap);
        }
        const QColor border = isOp                                 ? fill.darker(125)
                              : n.kind == OpGraphNode::Kind::Input ? style.inputBorder
                                                                   : style.outputBorder;
        QPen borderPen(border, isOp ? 1 : 1.5);
        // Custom ops may need a delegate or a registration at run time: a dashed edge sets them apart.
        if (isOp && n.category == OpCategory::Custom) borderPen = QPen(fill.lighter(190), 1.5, Qt::DashLine);
        painter->setPen(borderPen);
        painter->setBrush(fill);
        painter->drawRoundedRect(box_, radius, radius);
        if (mark) paintDelegationOutline(painter, style, *mark, radius);

        const QColor textColor = isOp ? QColor(Qt::white) : style.text;
        if (lod < kDetailLod) {
            paintTitleOnly(painter, style, textColor);
        } else if (isOp) {
            paintOperatorDetail(painter, style);
        } else {
            paintTensorDetail(painter, style);
        }
        if (mark && lod >= kDetailLod) paintDelegationBadge(painter, style, *mark);
        if (expanded_ && lod >= kDetailLod) paintCard(painter, style, fill);
    }

  private:
    void placeDelegationBadge() {
        delegationBadgeRect_ = QRectF();
        const DelegationMark* mark = state_->delegationMark(node_);
        if (!mark || mark->badge.isEmpty()) return;
        const double w = state_->style().badgeMetrics.horizontalAdvance(mark->badge) + 10;
        // Astride the top border right of the centre, clear of the incoming edges' arrowheads (they meet
        // the box at its centre); on a narrow box it hangs out to the right rather than cover them.
        const double x = std::max(kArrowHalfWidth + 5, box_.right() - 8 - w);
        delegationBadgeRect_ = QRectF(x, box_.top() - 7, w, 14);
    }

    // Outside the box, so the category fill and its border stay as they are.
    void paintDelegationOutline(QPainter* painter, const GraphStyle& style, const DelegationMark& mark,
                                double radius) {
        QPen pen;
        if (mark.fate == DelegationFate::Delegated) {
            pen = QPen(partitionColor(mark.partition, style.dark), 3);
        } else if (mark.fate == DelegationFate::Builtin) {
            pen = QPen(style.builtinOutline, 2, Qt::DashLine);
        } else {
            return;
        }
        painter->setPen(pen);
        painter->setBrush(Qt::NoBrush);
        painter->drawRoundedRect(box_.adjusted(-3, -3, 3, 3), radius + 3, radius + 3);
    }

    void paintFarDelegationOutline(QPainter* painter, const GraphStyle& style, const DelegationMark& mark) {
        QPen pen;
        if (mark.fate == DelegationFate::Delegated) {
            pen = QPen(partitionColor(mark.partition, style.dark), 2);
        } else if (mark.fate == DelegationFate::Builtin) {
            pen = QPen(style.builtinOutline, 2, Qt::DashLine);
        } else {
            return;
        }
        pen.setCosmetic(true);
        painter->setPen(pen);
        painter->setBrush(Qt::NoBrush);
        painter->drawRect(box_.adjusted(-2, -2, 2, 2));
    }

    void paintDelegationBadge(QPainter* painter, const GraphStyle& style, const DelegationMark& mark) {
        if (!delegationBadgeRect_.isValid()) return;
        QColor fill, text;
        QPen border(Qt::NoPen);
        if (mark.fate == DelegationFate::Delegated) {
            fill = partitionColor(mark.partition, style.dark);
            // The dark theme's tones are light: dark text on them, white on the light theme's.
            text = style.dark ? QColor(0x14, 0x15, 0x17) : QColor(Qt::white);
        } else if (mark.fate == DelegationFate::Builtin) {
            fill = style.surface;
            text = style.text;
            border = QPen(style.builtinOutline, 1.2, Qt::DashLine);
        } else {
            fill = style.surface;
            text = style.dimText;
            border = QPen(style.builtinOutline, 1);
        }
        painter->setPen(border);
        painter->setBrush(fill);
        painter->drawRoundedRect(delegationBadgeRect_, 7, 7);
        painter->setFont(style.badge);
        painter->setPen(text);
        painter->drawText(delegationBadgeRect_, Qt::AlignCenter, mark.badge);
    }

    QString marker(bool expanded) const {
        const auto count = data().foldedConstants.size();
        return (expanded ? QStringLiteral("\u2212%1 const") : QStringLiteral("+%1 const")).arg(count);
    }

    QRectF textArea() const {
        const bool isOp = data().kind == OpGraphNode::Kind::Operator;
        const double inset = isOp ? kTextInset : box_.height() / 2;
        return box_.adjusted(inset, 0, -inset, 0);
    }

    // Medium zoom: the title alone, enlarged so it stays legible longer (long titles shrink to fit, then
    // are elided).
    void paintTitleOnly(QPainter* painter, const GraphStyle& style, const QColor& color) {
        if (mediumFontSize_ < 0) {
            const double natural = style.titleMetrics.horizontalAdvance(title_);
            const double room = textArea().width();
            mediumFontSize_ = std::clamp(12 * room / std::max(natural, 1.0), 11.0, 15.0);
        }
        QFont font = style.title;
        font.setPixelSize(static_cast<int>(mediumFontSize_));
        painter->setFont(font);
        painter->setPen(color);
        QRectF area = textArea();
        area.setHeight(data().kind == OpGraphNode::Kind::Operator ? 44 : box_.height());
        const bool isOp = data().kind == OpGraphNode::Kind::Operator;
        painter->drawText(area, (isOp ? Qt::AlignLeft : Qt::AlignHCenter) | Qt::AlignVCenter,
                          QFontMetricsF(font).elidedText(title_, Qt::ElideMiddle, area.width()));
    }

    void elide(const GraphStyle& style) {
        if (elided_) return;
        elided_ = true;
        const QRectF area = textArea();
        // A title that does not fit (the estimate in the view model knows no fonts) first shrinks a little,
        // then is elided.
        titleFont_ = style.title;
        const double natural = style.titleMetrics.horizontalAdvance(title_);
        if (natural > area.width()) {
            titleFont_.setPixelSize(std::max(10, static_cast<int>(12 * area.width() / natural)));
        }
        titleElided_ = QFontMetricsF(titleFont_).elidedText(title_, Qt::ElideMiddle, area.width());
        double subtitleRoom = area.width();
        if (markerRect_.isValid()) subtitleRoom = markerRect_.left() - 6 - area.left();
        subtitleElided_ = style.detailMetrics.elidedText(subtitle_, Qt::ElideRight, subtitleRoom);
        for (size_t k = 0; k < badgeRects_.size(); ++k)
            badgesElided_.append(style.detailMetrics.elidedText(
                badges_[static_cast<qsizetype>(k)], Qt::ElideMiddle, badgeRects_[k].width() - 12));
    }

    void paintOperatorDetail(QPainter* painter, const GraphStyle& style) {
        elide(style);
        const QRectF area = textArea();
        painter->setFont(titleFont_);
        painter->setPen(Qt::white);
        painter->drawText(QRectF(area.left(), box_.top() + 5, area.width(), 18),
                          Qt::AlignLeft | Qt::AlignVCenter, titleElided_);
        painter->setFont(style.detail);
        painter->setPen(QColor(255, 255, 255, 215));
        painter->drawText(QRectF(area.left(), box_.top() + 23, area.width(), 16),
                          Qt::AlignLeft | Qt::AlignVCenter, subtitleElided_);
        if (markerRect_.isValid()) {
            painter->setPen(Qt::NoPen);
            painter->setBrush(QColor(255, 255, 255, expanded_ ? 90 : 50));
            painter->drawRoundedRect(markerRect_, 8, 8);
            painter->setPen(Qt::white);
            painter->drawText(markerRect_, Qt::AlignCenter, marker(expanded_));
        }
        for (size_t k = 0; k < badgeRects_.size(); ++k) {
            painter->setPen(QPen(QColor(255, 255, 255, 140), 1));
            painter->setBrush(QColor(0, 0, 0, 45));
            painter->drawRoundedRect(badgeRects_[k], 4, 4);
            painter->setPen(Qt::white);
            painter->drawText(badgeRects_[k], Qt::AlignCenter, badgesElided_[static_cast<qsizetype>(k)]);
        }
    }

    void paintTensorDetail(QPainter* painter, const GraphStyle& style) {
        elide(style);
        const QRectF area = textArea();
        painter->setFont(titleFont_);
        painter->setPen(style.text);
        painter->drawText(QRectF(area.left(), box_.top() + 4, area.width(), 17), Qt::AlignCenter,
                          titleElided_);
        painter->setFont(style.detail);
        painter->setPen(style.dimText);
        painter->drawText(QRectF(area.left(), box_.top() + 21, area.width(), 15), Qt::AlignCenter,
                          subtitleElided_);
    }

    // The folded constants as a card hanging under the box, drawn above its neighbours.
    void buildCard() {
        cardRows_.clear();
        const GraphStyle& style = state_->style();
        const Subgraph& sg = state_->subgraph();
        const auto& folded = data().foldedConstants;
        double nameWidth = 0, detailWidth = 0;
        for (size_t k = 0; k < folded.size() && static_cast<int>(k) < kCardMaxRows; ++k) {
            const Tensor& t = sg.tensors[folded[k]];
            QString detail = qs(tensorLabel(t));
            if (t.isVariable) {
                detail += QStringLiteral("  var");
            } else if (!t.isConstant()) {
                detail += QStringLiteral("  no data");
            }
            const QString name = style.detailMetrics.elidedText(tensorName(t), Qt::ElideMiddle, 260);
            nameWidth = std::max(nameWidth, style.detailMetrics.horizontalAdvance(name));
            detailWidth = std::max(detailWidth, style.detailMetrics.horizontalAdvance(detail));
            cardRows_.append({name, detail});
        }
        if (folded.size() > static_cast<size_t>(kCardMaxRows))
            cardRows_.append({QStringLiteral("\u2026 %1 more").arg(folded.size() - kCardMaxRows), QString()});
        const double width = std::max(box_.width(), nameWidth + detailWidth + 16 + 18);
        const double height = static_cast<double>(cardRows_.size()) * kCardRowHeight + 10;
        cardRect_ = QRectF(-width / 2, box_.bottom() + 4, width, height);
    }

    void paintCard(QPainter* painter, const GraphStyle& style, const QColor& accent) {
        painter->setPen(Qt::NoPen);
        painter->setBrush(QColor(0, 0, 0, style.dark ? 90 : 28));
        painter->drawRoundedRect(cardRect_.translated(0, 2), 4, 4);
        painter->setPen(QPen(accent, 1.5));
        painter->setBrush(style.surface);
        painter->drawRoundedRect(cardRect_, 4, 4);
        painter->setFont(style.detail);
        double y = cardRect_.top() + 5;
        for (const auto& [name, detail] : cardRows_) {
            const QRectF row(cardRect_.left() + 8, y, cardRect_.width() - 16, kCardRowHeight);
            painter->setPen(style.text);
            painter->drawText(row, Qt::AlignLeft | Qt::AlignVCenter, name);
            painter->setPen(style.dimText);
            painter->drawText(row, Qt::AlignRight | Qt::AlignVCenter, detail);
            y += kCardRowHeight;
        }
    }

    GraphPaintState* state_;
    int node_;
    QRectF box_;
    QString title_, subtitle_;
    QRectF markerRect_;
    QStringList badges_;
    std::vector<QRectF> badgeRects_;
    bool elided_ = false;
    QFont titleFont_;
    QString titleElided_, subtitleElided_;
    QStringList badgesElided_;
    double mediumFontSize_ = -1;
    bool expanded_ = false;
    double baseZ_ = 1;
    QList<QPair<QString, QString>> cardRows_;
    QRectF cardRect_;
    QRectF delegationBadgeRect_;
};

// ---------------------------------------------------------------------------------------------------------

class GraphEdgeItem : public QGraphicsItem {
  public:
    enum { Type = UserType + 702 };

    GraphEdgeItem(GraphPaintState* state, int edge, const QRectF& labelRect) : state_(state), edge_(edge) {
        const OpGraphEdge& e = state_->graph->edges[edge];
        const auto& points = e.path;
        for (const Point& p : points)
            polyline_.append(toQ(p));
        curve_ = curveThrough(points);
        bounds_ = polyline_.boundingRect() | curve_.controlPointRect();
        if (points.size() >= 2) {
            const QPointF tip = toQ(points.back());
            const QPointF before = toQ(points[points.size() - 2]);
            // The curve arrives vertically unless the last segment is flat (a self-loop).
            QPointF dir = std::abs(tip.y() - before.y()) > 1e-6 ? QPointF(0, tip.y() > before.y() ? 1 : -1)
                                                                : QPointF(tip.x() > before.x() ? 1 : -1, 0);
            const QPointF normal(-dir.y(), dir.x());
            const QPointF base = tip - dir * kArrowLength;
            arrow_ << tip << base + normal * kArrowHalfWidth << base - normal * kArrowHalfWidth;
            bounds_ |= arrow_.boundingRect();
        }
        if (!labelRect.isNull()) {
            label_ = qs(e.label);
            labelRect_ = labelRect;
            bounds_ |= labelRect_;
        }
        bounds_.adjust(-3, -3, 3, 3);
        setZValue(0);
    }

    int type() const override { return Type; }
    int edge() const { return edge_; }
    QRectF boundingRect() const override { return bounds_; }

    QPainterPath shape() const override {
        if (!shape_) {
            QPainterPathStroker stroker;
            stroker.setWidth(8);
            shape_ = stroker.createStroke(curve_);
        }
        return *shape_;
    }

    void paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) override {
        const double lod = QStyleOptionGraphicsItem::levelOfDetailFromTransform(painter->worldTransform());
        const GraphStyle& style = state_->style();
        const uint8_t flags = state_->edgeFlags[edge_];
        const bool strong = flags & kEdgeSelected;
        const bool related = flags & kEdgeRelated;
        if (state_->searchActive && !(flags & kEdgeMatch)) painter->setOpacity(kDimOpacity);
        QColor color = strong || related ? style.highlight : style.edge;
        if (related && !strong) color.setAlpha(210);

        if (lod < kFarLod) {
            const bool antialiased = painter->testRenderHint(QPainter::Antialiasing);
            painter->setRenderHint(QPainter::Antialiasing, false);
            QPen pen(color, strong ? 2 : 0);
            pen.setCosmetic(true);
            painter->setPen(pen);
            painter->drawPolyline(polyline_);
            painter->setRenderHint(QPainter::Antialiasing, antialiased);
            return;
        }
        QPen pen(color, strong ? 2.6 : related ? 2.0 : 1.3);
        if (state_->graph->edges[edge_].reversed) pen.setStyle(Qt::DashLine);
        painter->setPen(pen);
        painter->setBrush(Qt::NoBrush);
        painter->drawPath(curve_);
        painter->setPen(Qt::NoPen);
        painter->setBrush(color);
        painter->drawPolygon(arrow_);
        if (lod >= kDetailLod && !label_.isEmpty()) {
            painter->setBrush(style.labelBackground);
            painter->drawRoundedRect(labelRect_, 3, 3);
            painter->setFont(style.label);
            painter->setPen(strong ? style.text : style.dimText);
            painter->drawText(labelRect_, Qt::AlignCenter, label_);
        }
    }

  private:
    GraphPaintState* state_;
    int edge_;
    QPolygonF polyline_;
    QPainterPath curve_;
    QPolygonF arrow_;
    QString label_;
    QRectF labelRect_;
    QRectF bounds_;
    mutable std::optional<QPainterPath> shape_;
};

// ---------------------------------------------------------------------------------------------------------

namespace {

// Rectangles already taken, bucketed on a coarse grid so each test looks at a few neighbours only.
class OccupancyGrid {
  public:
    bool collides(const QRectF& rect) const {
        bool hit = false;
        forCells(rect, [&](int64_t key) {
            auto it = cells_.find(key);
            if (it == cells_.end()) return;
            for (const QRectF& other : it->second)
                hit = hit || other.intersects(rect);
        });
        return hit;
    }
    void add(const QRectF& rect) {
        forCells(rect, [&](int64_t key) { cells_[key].push_back(rect); });
    }

  private:
    static constexpr double kCell = 128;
    template <typename F>
    void forCells(const QRectF& rect, F&& visit) const {
        const auto x0 = static_cast<int64_t>(std::floor(rect.left() / kCell));
        const auto x1 = static_cast<int64_t>(std::floor(rect.right() / kCell));
        const auto y0 = static_cast<int64_t>(std::floor(rect.top() / kCell));
        const auto y1 = static_cast<int64_t>(std::floor(rect.bottom() / kCell));
        for (int64_t y = y0; y <= y1; ++y)
            for (int64_t x = x0; x <= x1; ++x)
                visit((y << 32) ^ (x & 0xffffffff));
    }
    std::unordered_map<int64_t, std::vector<QRectF>> cells_;
};

// One shape-and-type label per tensor leaving a node, beside the first stretch of one of its edges, where
// it covers no node and no other label; a label with no free spot is left to the tooltip.
std::vector<QRectF> placeEdgeLabels(GraphPaintState& state) {
    const OpGraph& graph = *state.graph;
    std::vector<QRectF> out(graph.edges.size());
    OccupancyGrid taken;
    for (const OpGraphNode& node : graph.nodes)
        taken.add(QRectF(node.center.x - node.size.width / 2 - 2, node.center.y - node.size.height / 2 - 2,
                         node.size.width + 4, node.size.height + 4));
    std::unordered_set<int64_t> labelled;
    for (size_t e = 0; e < graph.edges.size(); ++e) {
        const OpGraphEdge& edge = graph.edges[e];
        if (edge.path.size() < 2 || edge.from == edge.to) continue;
        const int64_t key = (static_cast<int64_t>(edge.from) << 32) | static_cast<uint32_t>(edge.tensor);
        if (labelled.count(key)) continue;
        const double width = state.labelWidth(qs(edge.label)) + 6;
        const QPointF a = toQ(edge.path[0]), b = toQ(edge.path[1]);
        const double span = std::abs(b.y() - a.y());
        for (const double rise : {16.0, 30.0}) {
            if (rise + 7 > span) break;
            const QPointF at = pointAtRise(a, b, rise);
            const QRectF right(at.x() + 5, at.y() - 7, width, 14);
            const QRectF left(at.x() - 5 - width, at.y() - 7, width, 14);
            for (const QRectF& candidate : {right, left}) {
                // A little air between neighbouring labels keeps them apart as separate words.
                const QRectF padded = candidate.adjusted(-4, -1, 4, 1);
                if (taken.collides(padded)) continue;
                taken.add(padded);
                out[e] = candidate;
                labelled.insert(key);
                break;
            }
            if (labelled.count(key)) break;
        }
    }
    return out;
}

}  // namespace

GraphView::GraphView(QWidget* parent) : QGraphicsView(parent), state_(std::make_unique<GraphPaintState>()) {
    graphScene_ = new QGraphicsScene(this);
    graphScene_->setSceneRect(0, 0, 1, 1);
    emptyScene_ = new QGraphicsScene(this);
    setScene(graphScene_);
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    setDragMode(QGraphicsView::ScrollHandDrag);
    // Zooming keeps the point under the cursor (or the centre) in place by hand; see zoomAround().
    setTransformationAnchor(QGraphicsView::NoAnchor);
    setResizeAnchor(QGraphicsView::AnchorViewCenter);
    // Panning scrolls the pixels already drawn and paints only the exposed strip; a highlight change
    // repaints only the items it touches.
    setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
    // Every item restores what it changes; bounding rectangles already include the antialiasing margin.
    setOptimizationFlags(QGraphicsView::DontSavePainterState | QGraphicsView::DontAdjustForAntialiasing);
    setFrameShape(QFrame::NoFrame);
    setFocusPolicy(Qt::StrongFocus);
    ownSelection_ = new SelectionModel(this);
    setSelectionModel(nullptr);
}

GraphView::~GraphView() {
    // Items reference the paint state; remove them before it goes.
    graphScene_->clear();
}

void GraphView::setGraph(std::shared_ptr<const Model> model, std::shared_ptr<const OpGraph> graph) {
    if (graph && (!model || graph->subgraph < 0 ||
                  static_cast<size_t>(graph->subgraph) >= model->subgraphs().size() || graph->cancelled)) {
        graph.reset();
    }
    matches_.clear();
    state_->searchActive = false;
    state_->model = std::move(model);
    state_->graph = std::move(graph);
    updateDelegationMarks();
    rebuildScene();
    zoomToFit();
}

void GraphView::setDelegationOverlay(std::shared_ptr<const DelegationOverlay> overlay) {
    if (overlay == state_->delegation) return;
    state_->delegation = std::move(overlay);
    updateDelegationMarks();
    for (GraphNodeItem* item : nodeItems_)
        item->updateDelegation();
    viewport()->update();
}

const std::shared_ptr<const DelegationOverlay>& GraphView::delegationOverlay() const {
    return state_->delegation;
}

void GraphView::updateDelegationMarks() {
    state_->delegationMarks.clear();
    const auto& overlay = state_->delegation;
    const auto& graph = state_->graph;
    if (!overlay || !graph) return;
    state_->delegationMarks.resize(graph->nodes.size());
    for (size_t n = 0; n < graph->nodes.size(); ++n) {
        const OpGraphNode& node = graph->nodes[n];
        if (node.kind != OpGraphNode::Kind::Operator) continue;
        const NodeDelegation* delegation = overlay->node(graph->subgraph, node.index);
        DelegationMark& mark = state_->delegationMarks[n];
        mark.fate = delegationFate(delegation);
        mark.partition = delegation ? delegation->partition : -1;
        mark.badge = delegationBadge(*overlay, graph->subgraph, node.index);
    }
}

QString GraphView::delegationBadgeText(int node) const {
    const DelegationMark* mark = state_->delegationMark(node);
    return mark ? mark->badge : QString();
}

const std::shared_ptr<const OpGraph>& GraphView::graph() const {
    return state_->graph;
}
const std::shared_ptr<const Model>& GraphView::model() const {
    return state_->model;
}

void GraphView::rebuildScene() {
    // A fresh scene is cheaper than removing thousands of items one by one from the index.
    QGraphicsScene* old = graphScene_;
    auto* graphScene = new QGraphicsScene(this);
    graphScene->setItemIndexMethod(QGraphicsScene::BspTreeIndex);
    nodeItems_.clear();
    edgeItems_.clear();
    const auto& graph = state_->graph;
    const size_t nodeCount = graph ? graph->nodes.size() : 0;
    const size_t edgeCount = graph ? graph->edges.size() : 0;
    state_->nodeFlags.assign(nodeCount, 0);
    state_->edgeFlags.assign(edgeCount, 0);
    if (graph) {
        graphScene->setSceneRect(-kSceneMargin, -kSceneMargin, graph->width + 2 * kSceneMargin,
                                 graph->height + 2 * kSceneMargin);
        const std::vector<QRectF> labels = placeEdgeLabels(*state_);
        edgeItems_.reserve(edgeCount);
        for (size_t e = 0; e < edgeCount; ++e) {
            auto* item = new GraphEdgeItem(state_.get(), static_cast<int>(e), labels[e]);
            graphScene->addItem(item);
            edgeItems_.push_back(item);
        }
        nodeItems_.reserve(nodeCount);
        for (size_t n = 0; n < nodeCount; ++n) {
            auto* item = new GraphNodeItem(state_.get(), static_cast<int>(n));
            graphScene->addItem(item);
            nodeItems_.push_back(item);
        }
    } else {
        graphScene->setSceneRect(0, 0, 1, 1);
    }
    graphScene_ = graphScene;
    if (!overview_) setScene(graphScene_);
    delete old;
    updateScrollArea();
    refreshHighlights();
}

void GraphView::setSelectionModel(SelectionModel* selection) {
    if (selectionConnection_) disconnect(selectionConnection_);
    selection_ = selection ? selection : ownSelection_;
    selectionConnection_ = connect(selection_, &SelectionModel::changed, this,
                                   [this](const SelectionTarget& target) { applySelection(target); });
    refreshHighlights();
}

void GraphView::applySelection(const SelectionTarget& target) {
    refreshHighlights();
    const auto& graph = state_->graph;
    if (!graph || target.isNone() || target.subgraph != graph->subgraph) return;
    int focus = -1;
    if (target.kind == SelectionTarget::Kind::Operator) {
        focus = graph->nodeForOperator(target.index);
    } else {
        focus = graph->inputNode(target.index);
        if (focus < 0) {
            const auto edges = graph->edgesForTensor(target.index);
            if (!edges.empty()) focus = graph->edges[edges.front()].from;
        }
        if (focus < 0) focus = graph->outputNode(target.index);
        if (focus < 0) {
            const auto folding = graph->nodesFoldingTensor(target.index);
            if (!folding.empty()) focus = folding.front();
        }
    }
    if (focus >= 0) ensureNodeVisible(focus, false);
}

void GraphView::refreshHighlights() {
    const auto& graph = state_->graph;
    if (!graph) return;
    std::vector<uint8_t> nodeFlags(graph->nodes.size(), 0);
    std::vector<uint8_t> edgeFlags(graph->edges.size(), 0);
    const SelectionTarget target = selectionModel()->current();
    if (!target.isNone() && target.subgraph == graph->subgraph) {
        if (target.kind == SelectionTarget::Kind::Operator) {
            if (int node = graph->nodeForOperator(target.index); node >= 0) {
                nodeFlags[node] |= kSelected;
                for (int32_t e : graph->incomingEdges(node))
                    edgeFlags[e] |= kEdgeRelated;
                for (int32_t e : graph->outgoingEdges(node))
                    edgeFlags[e] |= kEdgeRelated;
            }
        } else if (target.kind == SelectionTarget::Kind::Tensor) {
            for (int32_t e : graph->edgesForTensor(target.index))
                edgeFlags[e] |= kEdgeSelected;
            if (int node = graph->inputNode(target.index); node >= 0) nodeFlags[node] |= kSelected;
            if (int node = graph->outputNode(target.index); node >= 0) nodeFlags[node] |= kSelected;
            for (int32_t node : graph->nodesFoldingTensor(target.index))
                nodeFlags[node] |= kRelated;
        }
    }
    for (size_t i = 0; i < matches_.size(); ++i) {
        const GraphMatch& match = matches_[i];
        if (match.node < 0 || static_cast<size_t>(match.node) >= nodeFlags.size()) continue;
        nodeFlags[match.node] |= kMatch;
        if (match.tensor >= 0)
            for (int32_t e : graph->edgesForTensor(match.tensor))
                edgeFlags[e] |= kEdgeMatch;
    }
    if (!matches_.empty()) {
        for (size_t e = 0; e < edgeFlags.size(); ++e) {
            const OpGraphEdge& edge = graph->edges[e];
            if ((nodeFlags[edge.from] & kMatch) && (nodeFlags[edge.to] & kMatch)) edgeFlags[e] |= kEdgeMatch;
        }
    }
    for (size_t n = 0; n < nodeFlags.size(); ++n) {
        const uint8_t current = state_->nodeFlags[n] & kCurrentMatch;
        if ((nodeFlags[n] & kMatch) && current) nodeFlags[n] |= kCurrentMatch;
        if (nodeFlags[n] != state_->nodeFlags[n]) {
            state_->nodeFlags[n] = nodeFlags[n];
            nodeItems_[n]->setBaseZ(nodeFlags[n] & kSelected ? 2 : 1);
            nodeItems_[n]->update();
        }
    }
    for (size_t e = 0; e < edgeFlags.size(); ++e) {
        if (edgeFlags[e] != state_->edgeFlags[e]) {
            state_->edgeFlags[e] = edgeFlags[e];
            edgeItems_[e]->setZValue(edgeFlags[e] & (kEdgeSelected | kEdgeRelated) ? 0.5 : 0);
            edgeItems_[e]->update();
        }
    }
    if (overview_) viewport()->update();
}

void GraphView::setSearchMatches(const std::vector<GraphMatch>& matches) {
    matches_ = matches;
    for (uint8_t& flags : state_->nodeFlags)
        flags &= static_cast<uint8_t>(~kCurrentMatch);
    const bool wasActive = state_->searchActive;
    state_->searchActive = !matches_.empty();
    refreshHighlights();
    // Dimming touches every item.
    if (wasActive || state_->searchActive) viewport()->update();
}

void GraphView::focusMatch(int index) {
    if (index < 0 || static_cast<size_t>(index) >= matches_.size() || !state_->graph) return;
    for (size_t n = 0; n < state_->nodeFlags.size(); ++n) {
        if (state_->nodeFlags[n] & kCurrentMatch) {
            state_->nodeFlags[n] &= static_cast<uint8_t>(~kCurrentMatch);
            nodeItems_[n]->update();
        }
    }
    const int node = matches_[index].node;
    if (node < 0 || static_cast<size_t>(node) >= nodeItems_.size()) return;
    state_->nodeFlags[node] |= kCurrentMatch;
    nodeItems_[node]->update();
    if (overview_) viewport()->update();
    ensureNodeVisible(node, true);
}

bool GraphView::isNodeExpanded(int node) const {
    return node >= 0 && static_cast<size_t>(node) < nodeItems_.size() && nodeItems_[node]->isExpanded();
}

void GraphView::setNodeExpanded(int node, bool expanded) {
    if (node < 0 || static_cast<size_t>(node) >= nodeItems_.size()) return;
    nodeItems_[node]->setExpanded(expanded);
}

void GraphView::toggleExpanded(int node) {
    setNodeExpanded(node, !isNodeExpanded(node));
}

QRectF GraphView::nodeSceneRect(int node) const {
    if (!state_->graph || node < 0 || static_cast<size_t>(node) >= state_->graph->nodes.size()) return {};
    const OpGraphNode& n = state_->graph->nodes[node];
    return {n.center.x - n.size.width / 2, n.center.y - n.size.height / 2, n.size.width, n.size.height};
}

int GraphView::nodeAt(const QPoint& viewportPos) const {
    if (overview_ && state_->graph) {
        // Boxes are a few pixels big here: take the nearest one within a few pixels.
        const QPointF at = mapToScene(viewportPos);
        const double slack = 3 / std::max(zoom(), 1e-6);
        int best = -1;
        double bestDistance = std::numeric_limits<double>::infinity();
        const auto& nodes = state_->graph->nodes;
        for (size_t n = 0; n < nodes.size(); ++n) {
            const OpGraphNode& node = nodes[n];
            const double dx = std::abs(at.x() - node.center.x) - node.size.width / 2;
            const double dy = std::abs(at.y() - node.center.y) - node.size.height / 2;
            if (dx > slack || dy > slack) continue;
            const double distance = std::max(dx, 0.0) + std::max(dy, 0.0);
            if (distance < bestDistance) {
                bestDistance = distance;
                best = static_cast<int>(n);
            }
        }
        return best;
    }
    for (QGraphicsItem* item : items(viewportPos))
        if (item->type() == GraphNodeItem::Type) return static_cast<GraphNodeItem*>(item)->node();
    return -1;
}

int GraphView::edgeAt(const QPoint& viewportPos) const {
    if (overview_) return -1;  // hairlines: not worth aiming at
    for (QGraphicsItem* item : items(viewportPos)) {
        if (item->type() == GraphNodeItem::Type) return -1;  // a node covers it
        if (item->type() == GraphEdgeItem::Type) return static_cast<GraphEdgeItem*>(item)->edge();
    }
    return -1;
}

bool GraphView::isNodeHighlighted(int node) const {
    return node >= 0 && static_cast<size_t>(node) < state_->nodeFlags.size() &&
           (state_->nodeFlags[node] & (kSelected | kRelated));
}

bool GraphView::isEdgeHighlighted(int edge) const {
    return edge >= 0 && static_cast<size_t>(edge) < state_->edgeFlags.size() &&
           (state_->edgeFlags[edge] & kEdgeSelected);
}

// --- Zoom ------------------------------------------------------------------------------------------------

double GraphView::zoom() const {
    return transform().m11();
}

QRectF GraphView::graphRect() const {
    return graphScene_->sceneRect();
}

// The scrollable area reaches half a viewport beyond the drawing on every side, so that any part of the
// graph can be brought to the centre and zooming keeps the point under the cursor still even when the
// drawing is smaller than the window.
void GraphView::updateScrollArea() {
    const QRectF graph = graphRect();
    const double scale = std::max(zoom(), 1e-6);
    const double dx = viewport()->width() / scale / 2, dy = viewport()->height() / scale / 2;
    setSceneRect(graph.adjusted(-dx, -dy, dx, dy));
}

void GraphView::updateOverviewMode() {
    const bool wanted = state_->graph && zoom() < kFarLod;
    if (wanted == overview_) return;
    overview_ = wanted;
    const QPointF center = mapToScene(viewport()->rect().center());
    setScene(overview_ ? emptyScene_ : graphScene_);
    updateScrollArea();
    centerOn(center);
    viewport()->update();
}

double GraphView::fitScale() const {
    const QRectF rect = graphRect();
    const QSize room = viewport()->size();
    if (rect.isEmpty() || room.isEmpty()) return 1;
    return std::min(room.width() / rect.width(), room.height() / rect.height());
}

void GraphView::setScale(double scale) {
    const double minimum = std::min(0.05, fitScale() * 0.9);
    scale = std::clamp(scale, minimum, kMaxScale);
    if (std::abs(scale - zoom()) < 1e-12) return;
    setTransform(QTransform::fromScale(scale, scale));
    updateScrollArea();
    updateOverviewMode();
    emit zoomChanged(scale);
}

void GraphView::zoomAround(double factor, const QPoint& viewportPos) {
    pendingView_ = PendingView::None;
    const QPointF anchor = mapToScene(viewportPos);
    setScale(zoom() * factor);
    const QPoint moved = mapFromScene(anchor) - viewportPos;
    horizontalScrollBar()->setValue(horizontalScrollBar()->value() + moved.x());
    verticalScrollBar()->setValue(verticalScrollBar()->value() + moved.y());
}

void GraphView::zoomIn() {
    zoomAround(1.25, viewport()->rect().center());
}
void GraphView::zoomOut() {
    zoomAround(1 / 1.25, viewport()->rect().center());
}

void GraphView::resetZoom() {
    pendingView_ = PendingView::None;
    const QPointF center = mapToScene(viewport()->rect().center());
    setScale(1);
    centerOn(center);
}

void GraphView::zoomToFit() {
    pendingView_ = PendingView::Fit;
    applyFit();
}

void GraphView::applyFit() {
    // Small graphs are not blown up beyond 100%.
    setScale(std::min(fitScale() * 0.98, 1.0));
    centerOn(graphRect().center());
}

void GraphView::showOverviewOfTop() {
    pendingView_ = PendingView::Top;
    applyTop();
}

void GraphView::applyTop() {
    if (!state_->graph || state_->graph->nodes.empty()) return applyFit();
    if (fitScale() >= kReadableScale) return applyFit();
    setScale(std::max(kReadableScale, fitScale()));
    // The first node is an input (or the first operator): centre on it, with the top edge of the drawing
    // at the top of the view.
    const double halfHeight = viewport()->height() / (2 * zoom());
    centerOn(nodeSceneRect(0).center().x(), graphRect().top() + halfHeight);
}

void GraphView::ensureNodeVisible(int node, bool readable) {
    const QRectF rect = nodeSceneRect(node);
    if (rect.isEmpty()) return;
    pendingView_ = PendingView::None;
    if (readable && zoom() < kDetailLod) {
        setScale(1);
        centerOn(rect.center());
        return;
    }
    const QRectF visible = mapToScene(viewport()->rect()).boundingRect();
    if (!visible.contains(rect)) centerOn(rect.center());
}

void GraphView::resizeEvent(QResizeEvent* event) {
    QGraphicsView::resizeEvent(event);
    updateScrollArea();
    if (pendingView_ == PendingView::Fit) applyFit();
    if (pendingView_ == PendingView::Top) applyTop();
}

// --- Input -----------------------------------------------------------------------------------------------

void GraphView::wheelEvent(QWheelEvent* event) {
    const QPoint delta = event->angleDelta();
    if ((event->modifiers() & Qt::ShiftModifier) || delta.y() == 0) {
        QGraphicsView::wheelEvent(event);  // sideways scrolling
        return;
    }
    zoomAround(std::pow(1.2, delta.y() / 120.0), event->position().toPoint());
    event->accept();
}

void GraphView::mousePressEvent(QMouseEvent* event) {
    if (event->button() == Qt::LeftButton) {
        pressPos_ = event->pos();
        pressed_ = true;
    }
    QGraphicsView::mousePressEvent(event);
}

void GraphView::mouseReleaseEvent(QMouseEvent* event) {
    QGraphicsView::mouseReleaseEvent(event);
    if (event->button() != Qt::LeftButton || !pressed_) return;
    pressed_ = false;
    if ((event->pos() - pressPos_).manhattanLength() > QApplication::startDragDistance()) {
        pendingView_ = PendingView::None;  // the user panned
        return;
    }
    handleClick(event->pos());
}

void GraphView::handleClick(const QPoint& viewportPos) {
    const auto& graph = state_->graph;
    if (!graph) return;
    if (const int node = nodeAt(viewportPos); node >= 0) {
        if (!overview_) {
            GraphNodeItem* item = nodeItems_[node];
            const auto hit = item->hitTest(item->mapFromScene(mapToScene(viewportPos)));
            if (hit.part == GraphNodeItem::Part::ConstMarker) toggleExpanded(node);
        }
        selectNode(node);
        return;
    }
    if (const int edge = edgeAt(viewportPos); edge >= 0) {
        selectionModel()->select(SelectionTarget::tensor(graph->subgraph, graph->edges[edge].tensor));
        return;
    }
    selectionModel()->clear();
}

void GraphView::mouseDoubleClickEvent(QMouseEvent* event) {
    pressed_ = false;
    const auto& graph = state_->graph;
    const int nodeIndex = graph && event->button() == Qt::LeftButton ? nodeAt(event->pos()) : -1;
    if (nodeIndex < 0) return QGraphicsView::mouseDoubleClickEvent(event);
    const OpGraphNode& node = graph->nodes[nodeIndex];
    GraphNodeItem::Hit hit{GraphNodeItem::Part::Body, -1};
    if (!overview_) {
        GraphNodeItem* item = nodeItems_[nodeIndex];
        hit = item->hitTest(item->mapFromScene(mapToScene(event->pos())));
    }
    if (hit.part == GraphNodeItem::Part::Badge) {
        emit subgraphLinkActivated(node.calledSubgraphs[hit.badge]);
    } else if (!node.calledSubgraphs.empty()) {
        emit subgraphLinkActivated(mainCallee(node));
    } else if (hit.part == GraphNodeItem::Part::Body) {
        toggleExpanded(nodeIndex);
    }
    event->accept();
}

void GraphView::selectNode(int node) {
    const auto& graph = state_->graph;
    if (!graph || node < 0 || static_cast<size_t>(node) >= graph->nodes.size()) return;
    const OpGraphNode& n = graph->nodes[node];
    selectionModel()->select(n.kind == OpGraphNode::Kind::Operator
                                 ? SelectionTarget::op(graph->subgraph, n.index)
                                 : SelectionTarget::tensor(graph->subgraph, n.index));
}

int GraphView::currentNode() const {
    const auto& graph = state_->graph;
    const SelectionTarget target = selectionModel()->current();
    if (!graph || target.isNone() || target.subgraph != graph->subgraph) return -1;
    if (target.kind == SelectionTarget::Kind::Operator) return graph->nodeForOperator(target.index);
    if (int node = graph->inputNode(target.index); node >= 0) return node;
    return graph->outputNode(target.index);
}

void GraphView::navigate(int key) {
    const auto& graph = state_->graph;
    if (!graph || graph->nodes.empty()) return;
    const SelectionTarget target = selectionModel()->current();
    int from = currentNode();
    int to = -1;
    if (from < 0 && target.kind == SelectionTarget::Kind::Tensor && target.subgraph == graph->subgraph) {
        // A tensor drawn only as edges: Up goes to its producer, Down to its first consumer.
        const auto edges = graph->edgesForTensor(target.index);
        if (!edges.empty()) {
            if (key == Qt::Key_Up) to = graph->edges[edges.front()].from;
            if (key == Qt::Key_Down) to = graph->edges[edges.front()].to;
        }
    } else if (from < 0) {
        to = 0;
    } else if (key == Qt::Key_Up) {
        const auto incoming = graph->incomingEdges(from);
        if (!incoming.empty()) to = graph->edges[incoming.front()].from;
    } else if (key == Qt::Key_Down) {
        const auto outgoing = graph->outgoingEdges(from);
        if (!outgoing.empty()) to = graph->edges[outgoing.front()].to;
    } else {
        // The nearest neighbour in the same layer (nodes of a layer share their centre's y).
        const Point here = graph->nodes[from].center;
        double best = std::numeric_limits<double>::infinity();
        for (size_t n = 0; n < graph->nodes.size(); ++n) {
            const Point& c = graph->nodes[n].center;
            if (c.y != here.y || static_cast<int>(n) == from) continue;
            const double dx = c.x - here.x;
            if ((key == Qt::Key_Left && dx < 0 && -dx < best) ||
                (key == Qt::Key_Right && dx > 0 && dx < best)) {
                best = std::abs(dx);
                to = static_cast<int>(n);
            }
        }
    }
    if (to < 0) return;
    selectNode(to);
    ensureNodeVisible(to, false);
}

void GraphView::keyPressEvent(QKeyEvent* event) {
    if (event->matches(QKeySequence::Find)) {
        emit findRequested();
        return;
    }
    const auto mods = event->modifiers() & ~Qt::KeypadModifier;
    if (mods == Qt::NoModifier || mods == Qt::ShiftModifier) {
        switch (event->key()) {
            case Qt::Key_Plus:
            case Qt::Key_Equal:
                zoomIn();
                return;
            case Qt::Key_Minus:
            case Qt::Key_Underscore:
                zoomOut();
                return;
            case Qt::Key_0:
                zoomToFit();
                return;
            default:
                break;
        }
    }
    if (mods == Qt::NoModifier && state_->graph) {
        switch (event->key()) {
            case Qt::Key_Up:
            case Qt::Key_Down:
            case Qt::Key_Left:
            case Qt::Key_Right:
                if (!selectionModel()->current().isNone() || event->key() == Qt::Key_Down) {
                    navigate(event->key());
                    return;
                }
                break;
            case Qt::Key_Home:
                if (!state_->graph->nodes.empty()) {
                    selectNode(0);  // inputs come first
                    ensureNodeVisible(0, false);
                }
                return;
            case Qt::Key_Space:
            case Qt::Key_Return:
            case Qt::Key_Enter: {
                const int node = currentNode();
                if (node < 0) break;
                const OpGraphNode& n = state_->graph->nodes[node];
                if (event->key() != Qt::Key_Space && !n.calledSubgraphs.empty()) {
                    emit subgraphLinkActivated(mainCallee(n));
                } else {
                    toggleExpanded(node);
                }
                return;
            }
            default:
                break;
        }
    }
    QGraphicsView::keyPressEvent(event);
}

bool GraphView::viewportEvent(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        QString text;
        if (int node = nodeAt(help->pos()); node >= 0) {
            text = nodeToolTip(node);
        } else if (int edge = edgeAt(help->pos()); edge >= 0) {
            text = edgeToolTip(edge);
        }
        if (text.isEmpty()) {
            QToolTip::hideText();
        } else {
            QToolTip::showText(help->globalPos(), text, viewport());
        }
        return true;
    }
    return QGraphicsView::viewportEvent(event);
}

QString GraphView::nodeToolTip(int node) const {
    const auto& graph = state_->graph;
    if (!graph || node < 0 || static_cast<size_t>(node) >= graph->nodes.size()) return {};
    const OpGraphNode& n = graph->nodes[node];
    const Subgraph& sg = state_->subgraph();
    auto tensorRow = [&](int32_t t, const QString& prefix) {
        if (t < 0 || static_cast<size_t>(t) >= sg.tensors.size())
            return prefix + QStringLiteral("(none)<br>");
        const Tensor& tensor = sg.tensors[t];
        QString row = prefix + tensorName(tensor).toHtmlEscaped() + QStringLiteral(" &nbsp;<i>") +
                      qs(tensorLabel(tensor)) + QStringLiteral("</i>");
        if (tensor.isConstant()) row += QStringLiteral(" (const)");
        if (tensor.isVariable) row += QStringLiteral(" (var)");
        return row + QStringLiteral("<br>");
    };
    QString text;
    if (n.kind != OpGraphNode::Kind::Operator) {
        const Tensor& tensor = sg.tensors[n.index];
        text = QStringLiteral("<b>%1</b> %2<br>%3 &nbsp;<i>t:%4</i><br>%5")
                   .arg(n.kind == OpGraphNode::Kind::Input ? tr("Input") : tr("Output"),
                        tensorName(tensor).toHtmlEscaped(), qs(tensorLabel(tensor)))
                   .arg(n.index)
                   .arg(quantizationText(tensor));
        return text;
    }
    const Operator& op = sg.operators[n.index];
    const OperatorCode& code = state_->model->operatorCode(op);
    text = QStringLiteral("<b>%1</b> &nbsp;#%2 &nbsp;v%3 &nbsp;<i>%4</i><br>")
               .arg(qs(n.title).toHtmlEscaped())
               .arg(op.index)
               .arg(code.version)
               .arg(qs(opCategoryName(n.category)));
    constexpr size_t kMaxRows = 16;
    text += QStringLiteral("<b>%1</b><br>").arg(tr("Inputs"));
    for (size_t k = 0; k < op.inputs.size() && k < kMaxRows; ++k)
        text += tensorRow(op.inputs[k], QStringLiteral("&nbsp;%1: ").arg(k));
    if (op.inputs.size() > kMaxRows) text += tr("&nbsp;\u2026 %1 more<br>").arg(op.inputs.size() - kMaxRows);
    text += QStringLiteral("<b>%1</b><br>").arg(tr("Outputs"));
    for (size_t k = 0; k < op.outputs.size() && k < kMaxRows; ++k)
        text += tensorRow(op.outputs[k], QStringLiteral("&nbsp;%1: ").arg(k));
    if (op.outputs.size() > kMaxRows)
        text += tr("&nbsp;\u2026 %1 more<br>").arg(op.outputs.size() - kMaxRows);
    for (size_t k = 0; k < n.calledLabels.size(); ++k)
        text += tr("Double-click to open %1 (subgraph %2)<br>")
                    .arg(qs(n.calledLabels[k]).toHtmlEscaped())
                    .arg(n.calledSubgraphs[k]);
    if (state_->delegation) {
        const QString line = delegationText(*state_->delegation, graph->subgraph, n.index);
        if (!line.isEmpty()) text += line.toHtmlEscaped() + QStringLiteral("<br>");
    }
    if (!n.foldedConstants.empty())
        text += tr("<i>Click the const marker or press Space to list constants</i>");
    return text;
}

QString GraphView::edgeToolTip(int edge) const {
    const auto& graph = state_->graph;
    const OpGraphEdge& e = graph->edges[edge];
    const Tensor& tensor = state_->subgraph().tensors[e.tensor];
    auto nodeName = [&](int32_t node) {
        const OpGraphNode& n = graph->nodes[node];
        if (n.kind == OpGraphNode::Kind::Operator) return qs(n.title) + QStringLiteral(" #%1").arg(n.index);
        return (n.kind == OpGraphNode::Kind::Input ? tr("input ") : tr("output ")) + qs(n.title);
    };
    QString text = QStringLiteral("<b>%1</b> &nbsp;<i>t:%2</i><br>%3")
                       .arg(tensorName(tensor).toHtmlEscaped())
                       .arg(e.tensor)
                       .arg(qs(e.label));
    if (QString q = quantizationText(tensor); !q.isEmpty()) text += QStringLiteral("<br>") + q;
    text += QStringLiteral("<br>%1 \u2192 %2")
                .arg(nodeName(e.from).toHtmlEscaped(), nodeName(e.to).toHtmlEscaped());
    return text;
}

// --- Painting and export -----------------------------------------------------------------------------------

void GraphView::drawBackground(QPainter* painter, const QRectF& rect) {
    painter->fillRect(rect, state_->style().background);
    if (overview_ && state_->graph) drawOverview(painter, rect);
}

// The far level of detail for the whole graph at once: hairline edges and plain boxes, batched by colour,
// with the selection and search state on top. Items draw the same picture when exported at this scale.
void GraphView::drawOverview(QPainter* painter, const QRectF& exposed) {
    const OpGraph& graph = *state_->graph;
    const GraphStyle& style = state_->style();
    const bool search = state_->searchActive;
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing, false);

    QVector<QLineF> plain, dimmed, strong;
    for (size_t e = 0; e < graph.edges.size(); ++e) {
        const auto& path = graph.edges[e].path;
        if (path.size() < 2) continue;
        double x0 = path[0].x, x1 = x0, y0 = path[0].y, y1 = y0;
        for (const Point& p : path) {
            x0 = std::min(x0, p.x);
            x1 = std::max(x1, p.x);
            y0 = std::min(y0, p.y);
            y1 = std::max(y1, p.y);
        }
        if (!exposed.intersects(QRectF(x0, y0, x1 - x0 + 1e-3, y1 - y0 + 1e-3))) continue;
        const uint8_t flags = state_->edgeFlags[e];
        QVector<QLineF>& bucket = (flags & (kEdgeSelected | kEdgeRelated)) ? strong
                                  : (search && !(flags & kEdgeMatch))      ? dimmed
                                                                           : plain;
        for (size_t i = 1; i < path.size(); ++i)
            bucket.append(QLineF(toQ(path[i - 1]), toQ(path[i])));
    }
    QPen hairline(style.edge, 0);
    hairline.setCosmetic(true);
    painter->setPen(hairline);
    painter->drawLines(plain);
    painter->setOpacity(kDimOpacity);
    painter->drawLines(dimmed);
    painter->setOpacity(1);

    // Boxes by fill colour: the op categories, then inputs and outputs.
    constexpr int kInputBucket = kOpCategoryCount, kOutputBucket = kOpCategoryCount + 1;
    std::vector<QVector<QRectF>> boxes(kOpCategoryCount + 2), dimBoxes(kOpCategoryCount + 2),
        preparedBoxes(kOpCategoryCount + 2);
    QVector<QRectF> rings;
    // Delegation outlines by partition colour (the palette cycles), and the builtin kernels' dashed ones.
    std::unordered_map<QRgb, QVector<QRectF>> partitionOutlines;
    QVector<QRectF> builtinOutlines;
    const double pixel = 1 / std::max(zoom(), 1e-6);
    const double ringGap = (state_->delegation ? 6 : 3) * pixel;
    for (size_t n = 0; n < graph.nodes.size(); ++n) {
        const OpGraphNode& node = graph.nodes[n];
        const QRectF box(node.center.x - node.size.width / 2, node.center.y - node.size.height / 2,
                         node.size.width, node.size.height);
        if (!exposed.intersects(box.adjusted(-ringGap, -ringGap, ringGap, ringGap))) continue;
        const int bucket = node.kind == OpGraphNode::Kind::Operator ? static_cast<int>(node.category)
                           : node.kind == OpGraphNode::Kind::Input  ? kInputBucket
                                                                    : kOutputBucket;
        const uint8_t flags = state_->nodeFlags[n];
        const DelegationMark* mark = state_->delegationMark(static_cast<int>(n));
        const bool prepared = mark && mark->fate == DelegationFate::ComputedAtPrepare;
        (search && !(flags & kMatch) ? dimBoxes : prepared ? preparedBoxes : boxes)[bucket].append(box);
        if (flags & (kSelected | kRelated | kCurrentMatch))
            rings.append(box.adjusted(-ringGap, -ringGap, ringGap, ringGap));
        if (mark) {
            const QRectF outline = box.adjusted(-2 * pixel, -2 * pixel, 2 * pixel, 2 * pixel);
            if (mark->fate == DelegationFate::Delegated) {
                partitionOutlines[partitionColor(mark->partition, style.dark).rgb()].append(outline);
            } else if (mark->fate == DelegationFate::Builtin) {
                builtinOutlines.append(outline);
            }
        }
    }
    auto bucketColor = [&](int bucket) {
        if (bucket == kInputBucket) return style.inputBorder;
        if (bucket == kOutputBucket) return style.outputBorder;
        return opCategoryColor(static_cast<OpCategory>(bucket));
    };
    // A cosmetic outline in the fill colour keeps boxes smaller than a pixel visible.
    auto drawBuckets = [&](const std::vector<QVector<QRectF>>& buckets) {
        for (size_t b = 0; b < buckets.size(); ++b) {
            if (buckets[b].isEmpty()) continue;
            const QColor color = bucketColor(static_cast<int>(b));
            QPen outline(color, 0);
            outline.setCosmetic(true);
            painter->setPen(outline);
            painter->setBrush(color);
            painter->drawRects(buckets[b]);
        }
    };
    painter->setOpacity(kDimOpacity);
    drawBuckets(dimBoxes);
    painter->setOpacity(kPreparedOpacity);
    drawBuckets(preparedBoxes);
    painter->setOpacity(1);
    drawBuckets(boxes);

    painter->setBrush(Qt::NoBrush);
    for (const auto& [rgb, rects] : partitionOutlines) {
        QPen outline(QColor::fromRgb(rgb), 2);
        outline.setCosmetic(true);
        painter->setPen(outline);
        painter->drawRects(rects);
    }
    if (!builtinOutlines.isEmpty()) {
        QPen dashed(style.builtinOutline, 2, Qt::DashLine);
        dashed.setCosmetic(true);
        painter->setPen(dashed);
        painter->drawRects(builtinOutlines);
    }

    QPen highlight(style.highlight, 2);
    highlight.setCosmetic(true);
    painter->setPen(highlight);
    painter->drawLines(strong);
    painter->setBrush(Qt::NoBrush);
    painter->drawRects(rings);
    painter->restore();
}

void GraphView::changeEvent(QEvent* event) {
    QGraphicsView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange) {
        state_->styleReady = false;
        viewport()->update();
    }
}

bool GraphView::exportImage(const QString& path) {
    errorString_.clear();
    if (!state_->graph || state_->graph->nodes.empty()) {
        errorString_ = tr("There is no graph to export.");
        return false;
    }
    const QString suffix = QFileInfo(path).suffix().toLower();
    // Expanded constant lists may reach past the layout's bounds.
    const QRectF source = graphRect() | graphScene_->itemsBoundingRect().adjusted(-10, -10, 10, 10);
    const QColor background = state_->style().background;
    if (suffix == QLatin1String("svg")) {
        QSvgGenerator generator;
        generator.setFileName(path);
        generator.setSize(source.size().toSize());
        generator.setViewBox(QRectF(QPointF(0, 0), source.size()));
        generator.setTitle(QFileInfo(qs(state_->model->path())).fileName());
        generator.setDescription(tr("Op graph of subgraph %1").arg(state_->graph->subgraph));
        QPainter painter;
        if (!painter.begin(&generator)) {
            errorString_ = tr("Cannot open %1 for writing.").arg(path);
            return false;
        }
        painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
        painter.fillRect(QRectF(QPointF(0, 0), source.size()), background);
        graphScene_->render(&painter, QRectF(QPointF(0, 0), source.size()), source);
        painter.end();
        if (QFileInfo(path).size() <= 0) {
            errorString_ = tr("Nothing was written to %1.").arg(path);
            return false;
        }
        return true;
    }
    if (suffix == QLatin1String("png")) {
        // Twice the scene's size for crisp text, within what QPainter and memory allow; huge graphs come
        // out at a smaller scale (and so at a coarser level of detail).
        constexpr double kMaxSide = 32000, kMaxPixels = 120e6;
        double scale = 2;
        scale = std::min(scale, kMaxSide / std::max(source.width(), source.height()));
        scale = std::min(scale, std::sqrt(kMaxPixels / (source.width() * source.height())));
        const QSize size(std::max(1, static_cast<int>(std::ceil(source.width() * scale))),
                         std::max(1, static_cast<int>(std::ceil(source.height() * scale))));
        QImage image(size, QImage::Format_RGB32);
        if (image.isNull()) {
            errorString_ = tr("Not enough memory for a %1 x %2 image.").arg(size.width()).arg(size.height());
            return false;
        }
        image.fill(background);
        QPainter painter(&image);
        painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
        graphScene_->render(&painter, QRectF(image.rect()), source);
        painter.end();
        if (!image.save(path, "PNG")) {
            errorString_ = tr("Cannot write %1.").arg(path);
            return false;
        }
        return true;
    }
    errorString_ = tr("Unsupported image format \"%1\": use .png or .svg.").arg(suffix);
    return false;
}

}  // namespace litescope::ui
