// What the inspector shows for one tensor or operator, as plain data computed without widgets, and the
// wording of shapes, types and quantization that the tables and the overview share with it.
#pragma once

#include <QAbstractItemModel>
#include <QModelIndexList>
#include <QString>
#include <QStringList>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "profiler/weight_stats.h"
#include "runtime/model.h"

namespace litescope {

enum class TensorKind { Input, Output, Constant, Variable, Activation };

// A subgraph input or output is named so even when it is also constant or variable: that is what a caller
// of the model sees.
TensorKind tensorKind(const Subgraph& subgraph, const Tensor& tensor);
QString tensorKindName(TensorKind kind);  // "input", "output", "constant", "variable", "activation"

QString tensorTypeString(TensorType type);          // as TFLite spells it: FLOAT32, INT8, ...
QString shapeText(std::span<const int32_t> shape);  // "1x112x112x32"; "scalar" for rank 0
QString shapeList(std::span<const int32_t> shape);  // "[1,112,112,32]", as get_input_details() prints it
QString tensorShapeText(const Tensor& tensor);      // shapeText, or "unranked"
QString numberText(double value);                   // 5 significant digits, 4 for tiny or huge values
// "scale 0.0039216 zp -128", "per-channel: 32 scales, dim 0", "blockwise (block 32)", "calibrated
// [-1, 1]" or "none".
QString quantizationSummary(const Tensor& tensor);

// The integers a quantized type can hold, which with scale and zero point bound the representable reals.
struct QuantizedRange {
    int64_t min = 0;
    int64_t max = 0;
};
std::optional<QuantizedRange> quantizedRange(TensorType type);

struct PropertyRow {
    QString name;
    QString value;
    QString toolTip;
};

struct ChannelQuantization {
    int64_t channel = 0;
    double scale = 0;
    int64_t zeroPoint = 0;
    double realMin = 0;  // scale * (qmin - zeroPoint): what this channel can represent
    double realMax = 0;
    // The real values the channel's weights actually take (constants only; NaN otherwise). A channel that
    // uses a small part of its range wastes precision.
    double usedMin = 0;
    double usedMax = 0;
};

// Counts of values in consecutive bins of equal width; bin k spans [binStart(k), binStart(k) + binWidth).
struct Histogram {
    double lowerBound = 0;
    double binWidth = 1;
    std::vector<int64_t> counts;
    // One bin per stored integer value (centred on it) rather than equal-width bins between min and max.
    bool integerBins = false;
    double firstValue = 0;  // the value bin 0 stands for when integerBins

    double binStart(size_t k) const { return lowerBound + binWidth * static_cast<double>(k); }
    double upperBound() const { return binStart(counts.size()); }
    int64_t total() const;
    int64_t maxCount() const;
};

inline constexpr int kHistogramBins = 64;
// Integer tensors whose used range spans at most this many values get one bin per value.
inline constexpr int64_t kMaxIntegerBins = 256;

struct TensorInspection {
    bool valid = false;
    int32_t subgraph = 0;
    int32_t index = -1;
    QString name;
    QString typeName;
    TensorType type = TensorType::Float32;
    std::vector<int32_t> shape;
    std::vector<int32_t> shapeSignature;  // empty when the file stores none
    bool hasRank = true;
    bool dynamic = false;
    TensorKind kind = TensorKind::Activation;
    uint32_t buffer = 0;
    int64_t elementCount = 0;
    int64_t byteSize = 0;     // dense size; -1 for types without a fixed element size
    int64_t storedBytes = 0;  // bytes of constant data in the file (fewer than byteSize when sparse)
    std::optional<uint64_t> fileOffset;
    bool sparse = false;
    QString storageNote;  // "sparse (stored values only)" for block-sparse constants

    // Quantization.
    QString quantizationText;  // quantizationSummary()
    bool quantized = false;    // has affine scale(s)
    bool perChannel = false;
    double scale = 0;  // per tensor
    int64_t zeroPoint = 0;
    int32_t quantizedDimension = 0;
    std::optional<QuantizedRange> range;        // of the type, when it is an integer type
    double realMin = 0, realMax = 0;            // per tensor, when `range` is set
    std::vector<ChannelQuantization> channels;  // per channel, in channel order

    // Constant values.
    std::optional<WeightStats> stats;
    std::optional<Histogram> storedHistogram;
    std::optional<Histogram> realHistogram;  // dequantized values; absent for float and sparse tensors
    double zeroFraction = 0;
    std::optional<int64_t> distinctValues;  // exact when known; absent when over kMaxDistinctCounted
    int64_t nonFinite = 0;

    int32_t producer = -1;  // operator index, -1 when no operator writes it
    QString producerName;
    std::vector<int32_t> consumers;  // operators reading it, each once

    std::vector<PropertyRow> properties;  // everything above, worded for the properties table
};

TensorInspection inspectTensor(const Model& model, int subgraph, int tensor);

struct OperatorTensorRow {
    QString role;         // "input 0", "output 1", "intermediate 0"
    int32_t tensor = -1;  // -1 for an omitted optional input
    QString name;
    QString shape;
    QString type;
    QString quantization;
    bool constant = false;
};

struct OperatorInspection {
    bool valid = false;
    int32_t subgraph = 0;
    int32_t index = -1;
    QString op;  // builtin name or custom code
    int32_t version = 1;
    int32_t builtinCode = 0;
    bool custom = false;
    QString optionsType;  // the BuiltinOptions union member ("Conv2DOptions"), empty when none
    std::vector<OperatorTensorRow> tensors;
    std::vector<int32_t> calledSubgraphs;
    std::vector<PropertyRow> properties;
};

OperatorInspection inspectOperator(const Model& model, int subgraph, int op);

// What Copy actions put on the clipboard: a header row, then every row, cells separated by tabs. Children of
// tree rows follow their parent, indented with two spaces per level in the first column.
QString tableToTsv(const QAbstractItemModel& model);
// The same for the rows that `indexes` touch (any cell of a row selects the row), in the model's order.
QString rowsToTsv(const QAbstractItemModel& model, const QModelIndexList& indexes);

}  // namespace litescope
