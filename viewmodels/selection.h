// What the user has selected in one open model (an operator or a tensor of a subgraph), shared by every view
// of that model: the graph, the tables and the inspector all follow and set it.
#pragma once

#include <QObject>
#include <cstdint>

namespace litescope {

struct SelectionTarget {
    enum class Kind { None, Operator, Tensor };
    Kind kind = Kind::None;
    int32_t subgraph = 0;
    int32_t index = -1;  // operator or tensor index in `subgraph`

    static SelectionTarget op(int32_t subgraph, int32_t index) { return {Kind::Operator, subgraph, index}; }
    static SelectionTarget tensor(int32_t subgraph, int32_t index) { return {Kind::Tensor, subgraph, index}; }
    bool isNone() const { return kind == Kind::None; }
    friend bool operator==(const SelectionTarget&, const SelectionTarget&) = default;
};

class SelectionModel : public QObject {
    Q_OBJECT

  public:
    explicit SelectionModel(QObject* parent = nullptr) : QObject(parent) {}

    const SelectionTarget& current() const { return current_; }
    // Emits changed() only when the selection really changes, so views that set it from their own
    // selection signals do not loop.
    void select(const SelectionTarget& target) {
        if (target == current_) return;
        current_ = target;
        emit changed(current_);
    }
    void clear() { select({}); }

  signals:
    void changed(const litescope::SelectionTarget& current);

  private:
    SelectionTarget current_;
};

}  // namespace litescope
