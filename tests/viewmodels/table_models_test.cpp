// The operator, tensor and overview item models on real models from ../shared: Qt's model tester over each
// model and a sort/filter proxy on top, and the content an engineer would check against `litescope inspect`.
#include <gtest/gtest.h>

#include <QAbstractItemModelTester>
#include <QSortFilterProxyModel>
#include <algorithm>
#include <functional>
#include <limits>
#include <memory>

#include "profiler/model_report.h"
#include "tests/support/shared_data.h"
#include "viewmodels/operator_table_model.h"
#include "viewmodels/overview_model.h"
#include "viewmodels/tensor_inspection.h"
#include "viewmodels/tensor_table_model.h"

// Readable QString values in failure messages.
static void PrintTo(const QString& s, std::ostream* os) {
    *os << '"' << s.toStdString() << '"';
}

namespace litescope {
namespace {

constexpr const char* kVww =
    "mlcommons-tiny/v0.1/training/visual_wake_words/trained_models/vww_96_int8.tflite";
constexpr const char* kFaceFloat =
    "mediapipe/mediapipe/modules/face_detection/face_detection_full_range.tflite";
constexpr const char* kFaceSparse =
    "mediapipe/mediapipe/modules/face_detection/face_detection_full_range_sparse.tflite";
constexpr const char* kWhile = "litert/tflite/testdata/multi_subgraphs_while.bin";
constexpr const char* kLstm = "tflite-micro/tensorflow/lite/micro/examples/mnist_lstm/trained_lstm.tflite";
constexpr const char* kMobilenetMetadata =
    "tflite-support/tensorflow_lite_support/cc/test/testdata/task/vision/mobilenet_v1_0.25_224_quant.tflite";
constexpr const char* kFlex =
    "tflite-support/tensorflow_lite_support/cc/task/vision/2022IDDetectorWithMetadata.tflite";
constexpr const char* kEdgeTpu = "coral-test_data/mobilenet_v1_0.5_160_quant_edgetpu.tflite";

std::shared_ptr<const Model> load(const char* relative) {
    auto model = Model::fromFile(test::modelPath(relative));
    EXPECT_TRUE(model.isOk()) << relative << ": " << model.message();
    return model.isOk() ? model.value() : nullptr;
}

Overview overviewOf(const char* relative, const Model& model) {
    const ModelReport report = buildModelReport(model);
    return buildOverview(QString::fromStdString(test::modelPath(relative)), report.fileSize, model, report);
}

QString cell(const QAbstractItemModel& m, int row, int column, int role = Qt::DisplayRole) {
    return m.index(row, column).data(role).toString();
}

// Runs Qt's model tester over `model` and over a sorting, filtering proxy on top of it, with every column
// sorted both ways and a filter applied and removed.
void checkWithProxy(QAbstractItemModel* model, int sortRole) {
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(model);
    proxy.setSortRole(sortRole);
    proxy.setRecursiveFilteringEnabled(true);
    QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::Fatal);
    for (int c = 0; c < model->columnCount(); ++c) {
        proxy.sort(c, Qt::AscendingOrder);
        proxy.sort(c, Qt::DescendingOrder);
    }
    proxy.setFilterKeyColumn(-1);
    proxy.setFilterFixedString("1");
    proxy.setFilterFixedString({});
    EXPECT_EQ(proxy.rowCount(), model->rowCount());
}

TEST(TableModels, PassModelTesterOnRealModels) {
    for (const char* path :
         {kVww, kFaceFloat, kFaceSparse, kWhile, kLstm, kMobilenetMetadata, kFlex, kEdgeTpu}) {
        SCOPED_TRACE(path);
        auto model = load(path);
        ASSERT_TRUE(model);
        OperatorTableModel ops(model);
        TensorTableModel tensors(model);
        QAbstractItemModelTester opsTester(&ops, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QAbstractItemModelTester tensorsTester(&tensors,
                                               QAbstractItemModelTester::FailureReportingMode::Fatal);
        for (size_t s = 0; s < model->subgraphs().size(); ++s) {
            ops.setSubgraph(static_cast<int>(s));
            tensors.setSubgraph(static_cast<int>(s));
            ASSERT_EQ(ops.rowCount(), static_cast<int>(model->subgraphs()[s].operators.size()));
            ASSERT_EQ(tensors.rowCount(), static_cast<int>(model->subgraphs()[s].tensors.size()));
            checkWithProxy(&ops, OperatorTableModel::SortRole);
            checkWithProxy(&tensors, TensorTableModel::SortRole);
        }
        OverviewModel overview;
        QAbstractItemModelTester overviewTester(&overview,
                                                QAbstractItemModelTester::FailureReportingMode::Fatal);
        overview.setOverview(overviewOf(path, *model));
        checkWithProxy(&overview, Qt::DisplayRole);
        overview.clear();
        EXPECT_EQ(overview.rowCount(), 0);
    }
}

TEST(TableModels, OutOfRangeSubgraphGivesEmptyTables) {
    auto model = load(kVww);
    ASSERT_TRUE(model);
    OperatorTableModel ops(model);
    TensorTableModel tensors(model);
    for (int s : {-1, 1, 99}) {
        ops.setSubgraph(s);
        tensors.setSubgraph(s);
        EXPECT_EQ(ops.rowCount(), 0);
        EXPECT_EQ(tensors.rowCount(), 0);
    }
    // A new model (a reload) keeps the subgraph index; null empties the tables.
    QAbstractItemModelTester opsTester(&ops, QAbstractItemModelTester::FailureReportingMode::Fatal);
    ops.setSubgraph(2);
    ops.setModel(load("litert/tflite/testdata/multi_subgraphs_while.bin"));
    EXPECT_EQ(ops.rowCount(), 3);
    tensors.setSubgraph(0);
    tensors.setModel(nullptr);
    EXPECT_EQ(tensors.rowCount(), 0);
    tensors.setModel(model);
    EXPECT_EQ(tensors.rowCount(), 89);

    OperatorTableModel none(nullptr);
    EXPECT_EQ(none.rowCount(), 0);
    EXPECT_EQ(none.columnCount(), OperatorTableModel::ColumnCount);
}

TEST(OperatorTableModel, Vww96Int8FirstConvolution) {
    auto model = load(kVww);
    ASSERT_TRUE(model);
    OperatorTableModel ops(model);
    ASSERT_EQ(ops.rowCount(), 31);
    // CONV_2D v3 in [0,44,3] out [58]: input 0 is the image, 44 the [8,3,3,3] int8 weights, 3 the int32 bias.
    EXPECT_EQ(cell(ops, 0, OperatorTableModel::IndexColumn), "0");
    EXPECT_EQ(cell(ops, 0, OperatorTableModel::OpColumn), "CONV_2D v3");
    EXPECT_EQ(cell(ops, 0, OperatorTableModel::InputsColumn), "1x96x96x3 INT8");
    EXPECT_EQ(cell(ops, 0, OperatorTableModel::WeightsColumn), "8x3x3x3, 8");
    EXPECT_EQ(cell(ops, 0, OperatorTableModel::OutputsColumn), "1x48x48x8 INT8");
    EXPECT_TRUE(cell(ops, 0, OperatorTableModel::QuantizationColumn).endsWith("per-channel"));
    EXPECT_TRUE(cell(ops, 0, OperatorTableModel::QuantizationColumn).startsWith("scale "));
    EXPECT_EQ(
        ops.index(0, OperatorTableModel::ParamBytesColumn).data(OperatorTableModel::SortRole).toLongLong(),
        216 + 32);
    EXPECT_EQ(
        ops.index(0, OperatorTableModel::ParamBytesColumn).data(OperatorTableModel::SortRole).userType(),
        QMetaType::LongLong);
    EXPECT_EQ(ops.index(5, OperatorTableModel::OpColumn).data(OperatorTableModel::IndexRole).toInt(), 5);
    EXPECT_TRUE(cell(ops, 0, OperatorTableModel::InputsColumn, Qt::ToolTipRole).contains("input_1_int8"));
    const auto alignment =
        ops.index(0, OperatorTableModel::ParamBytesColumn).data(Qt::TextAlignmentRole).value<Qt::Alignment>();
    EXPECT_TRUE(alignment & Qt::AlignRight);
    EXPECT_EQ(ops.headerData(OperatorTableModel::CalledSubgraphsColumn, Qt::Horizontal).toString(),
              "Subgraphs called");

    // The SOFTMAX at the end has no weights at all.
    EXPECT_EQ(cell(ops, 30, OperatorTableModel::OpColumn), "SOFTMAX v2");
    EXPECT_EQ(cell(ops, 30, OperatorTableModel::WeightsColumn), "");
    EXPECT_EQ(
        ops.index(30, OperatorTableModel::ParamBytesColumn).data(OperatorTableModel::SortRole).toLongLong(),
        0);
}

TEST(OperatorTableModel, SortsParamBytesNumerically) {
    auto model = load(kVww);
    ASSERT_TRUE(model);
    OperatorTableModel ops(model);
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&ops);
    proxy.setSortRole(OperatorTableModel::SortRole);
    proxy.sort(OperatorTableModel::ParamBytesColumn, Qt::DescendingOrder);
    qlonglong previous = std::numeric_limits<qlonglong>::max();
    for (int r = 0; r < proxy.rowCount(); ++r) {
        const qlonglong bytes = proxy.index(r, OperatorTableModel::ParamBytesColumn)
                                    .data(OperatorTableModel::SortRole)
                                    .toLongLong();
        EXPECT_LE(bytes, previous) << "row " << r;
        previous = bytes;
    }
    // Index sorted descending is numeric too: 30 comes first, not 9.
    proxy.sort(OperatorTableModel::IndexColumn, Qt::DescendingOrder);
    EXPECT_EQ(proxy.index(0, 0).data().toString(), "30");
}

TEST(OperatorTableModel, ControlFlowShowsCalledSubgraphs) {
    auto model = load(kWhile);
    ASSERT_TRUE(model);
    OperatorTableModel ops(model);
    ASSERT_EQ(ops.rowCount(), 1);
    EXPECT_EQ(cell(ops, 0, OperatorTableModel::OpColumn), "WHILE v1");
    EXPECT_EQ(cell(ops, 0, OperatorTableModel::CalledSubgraphsColumn), "1 (while_cond), 2 (while_body)");
    ops.setSubgraph(2);
    EXPECT_EQ(ops.rowCount(), 3);
    EXPECT_EQ(cell(ops, 0, OperatorTableModel::CalledSubgraphsColumn), "");
}

TEST(OperatorTableModel, OmittedOptionalInputs) {
    auto model = load(kLstm);
    ASSERT_TRUE(model);
    OperatorTableModel ops(model);
    // UNIDIRECTIONAL_SEQUENCE_LSTM with -1 for its peephole, projection and layer-norm inputs.
    EXPECT_EQ(cell(ops, 0, OperatorTableModel::OpColumn), "UNIDIRECTIONAL_SEQUENCE_LSTM v1");
    EXPECT_EQ(cell(ops, 0, OperatorTableModel::InputsColumn).count("FLOAT32"), 3);  // input and two states
    EXPECT_TRUE(cell(ops, 0, OperatorTableModel::InputsColumn, Qt::ToolTipRole).contains("omitted"));
}

TEST(TensorTableModel, Vww96Int8Rows) {
    auto model = load(kVww);
    ASSERT_TRUE(model);
    TensorTableModel tensors(model);
    ASSERT_EQ(tensors.rowCount(), 89);
    EXPECT_EQ(cell(tensors, 0, TensorTableModel::NameColumn), "input_1_int8");
    EXPECT_EQ(cell(tensors, 0, TensorTableModel::KindColumn), "input");
    EXPECT_EQ(cell(tensors, 0, TensorTableModel::TypeColumn), "INT8");
    EXPECT_EQ(cell(tensors, 0, TensorTableModel::ShapeColumn), "1x96x96x3");
    EXPECT_EQ(cell(tensors, 0, TensorTableModel::ShapeSignatureColumn), "-1x96x96x3");
    EXPECT_EQ(cell(tensors, 0, TensorTableModel::QuantizationColumn), "scale 0.0039216 zp -128");
    EXPECT_EQ(tensors.index(0, TensorTableModel::BytesColumn).data(TensorTableModel::SortRole).toLongLong(),
              27648);
    EXPECT_EQ(cell(tensors, 0, TensorTableModel::ProducerColumn), "");
    EXPECT_EQ(
        tensors.index(0, TensorTableModel::ProducerColumn).data(TensorTableModel::SortRole).toLongLong(), -1);
    EXPECT_EQ(cell(tensors, 0, TensorTableModel::ConsumersColumn), "1");

    EXPECT_EQ(cell(tensors, 44, TensorTableModel::KindColumn), "constant");
    EXPECT_EQ(cell(tensors, 44, TensorTableModel::QuantizationColumn), "per-channel: 8 scales, dim 0");
    EXPECT_EQ(cell(tensors, 44, TensorTableModel::ShapeSignatureColumn), "");  // same as the shape
    EXPECT_EQ(cell(tensors, 44, TensorTableModel::BytesColumn), "216 B");
    EXPECT_EQ(cell(tensors, 58, TensorTableModel::KindColumn), "activation");
    EXPECT_EQ(cell(tensors, 58, TensorTableModel::ProducerColumn), "0 CONV_2D");
    EXPECT_EQ(cell(tensors, 88, TensorTableModel::KindColumn), "output");
    EXPECT_EQ(cell(tensors, 88, TensorTableModel::QuantizationColumn), "scale 0.0039062 zp -128");
    EXPECT_EQ(tensors.index(88, TensorTableModel::NameColumn).data(TensorTableModel::IndexRole).toInt(), 88);
}

TEST(TensorTableModel, SortsBytesNumericallyAndFiltersByName) {
    auto model = load(kVww);
    ASSERT_TRUE(model);
    TensorTableModel tensors(model);
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&tensors);
    proxy.setSortRole(TensorTableModel::SortRole);
    proxy.sort(TensorTableModel::BytesColumn, Qt::AscendingOrder);
    qlonglong previous = std::numeric_limits<qlonglong>::min();
    for (int r = 0; r < proxy.rowCount(); ++r) {
        const qlonglong bytes =
            proxy.index(r, TensorTableModel::BytesColumn).data(TensorTableModel::SortRole).toLongLong();
        EXPECT_GE(bytes, previous) << "row " << r;
        previous = bytes;
    }
    // A text sort would put "64.0 KiB" before "8 B"; the numeric one ends with the largest tensor.
    int64_t largest = 0;
    for (const Tensor& t : model->subgraphs()[0].tensors)
        largest = std::max(largest, t.byteSize);
    EXPECT_EQ(previous, largest);
    EXPECT_TRUE(
        proxy.index(proxy.rowCount() - 1, TensorTableModel::BytesColumn).data().toString().endsWith("KiB"));

    int expected = 0;
    for (const Tensor& t : model->subgraphs()[0].tensors)
        if (QString::fromUtf8(t.name.data(), static_cast<qsizetype>(t.name.size()))
                .contains("depthwise_conv2d_5", Qt::CaseInsensitive))
            ++expected;
    ASSERT_GT(expected, 0);
    proxy.setFilterKeyColumn(TensorTableModel::NameColumn);
    proxy.setFilterCaseSensitivity(Qt::CaseInsensitive);
    proxy.setFilterFixedString("DEPTHWISE_CONV2D_5");
    EXPECT_EQ(proxy.rowCount(), expected);
    for (int r = 0; r < proxy.rowCount(); ++r)
        EXPECT_TRUE(
            proxy.index(r, TensorTableModel::NameColumn).data().toString().contains("depthwise_conv2d_5"));
    proxy.setFilterFixedString("no tensor is called this");
    EXPECT_EQ(proxy.rowCount(), 0);
}

TEST(TensorTableModel, KindsOfControlFlowAndSparseModels) {
    auto whileModel = load(kWhile);
    ASSERT_TRUE(whileModel);
    TensorTableModel tensors(whileModel);
    // The WHILE reads tensor 1 twice: one consumer.
    EXPECT_EQ(cell(tensors, 1, TensorTableModel::ConsumersColumn), "1");
    EXPECT_EQ(cell(tensors, 0, TensorTableModel::ShapeColumn), "scalar");

    auto sparse = load(kFaceSparse);
    ASSERT_TRUE(sparse);
    TensorTableModel sparseTensors(sparse);
    const Tensor& t = sparse->subgraphs()[0].tensors[14];  // the DENSIFY input
    ASSERT_TRUE(t.sparsity);
    EXPECT_EQ(
        sparseTensors.index(14, TensorTableModel::BytesColumn).data(TensorTableModel::SortRole).toLongLong(),
        static_cast<qlonglong>(t.data.size()));
    EXPECT_TRUE(cell(sparseTensors, 14, TensorTableModel::BytesColumn, Qt::ToolTipRole).contains("sparse"));
}

const OverviewRow* childNamed(const OverviewRow& row, const QString& property) {
    for (const OverviewRow& child : row.children)
        if (child.property == property) return &child;
    return nullptr;
}

TEST(OverviewModel, Vww96Int8InputsAsGetInputDetails) {
    auto model = load(kVww);
    ASSERT_TRUE(model);
    const Overview overview = overviewOf(kVww, *model);
    ASSERT_EQ(overview.sections.size(), 10u);

    const OverviewRow* inputs = overview.section(OverviewSection::Inputs);
    ASSERT_TRUE(inputs);
    ASSERT_EQ(inputs->children.size(), 1u);
    EXPECT_EQ(inputs->children[0].property, "input_1_int8");
    EXPECT_EQ(inputs->children[0].value, "[1,96,96,3] INT8 scale 0.0039216 zp -128");
    const OverviewRow* signature = childNamed(inputs->children[0], "Shape signature");
    ASSERT_TRUE(signature);
    EXPECT_EQ(signature->value, "[-1,96,96,3]");
    const OverviewRow* range = childNamed(inputs->children[0], "Real range");
    ASSERT_TRUE(range);
    EXPECT_EQ(range->value, "0 .. 1");

    const OverviewRow* outputs = overview.section(OverviewSection::Outputs);
    ASSERT_TRUE(outputs);
    ASSERT_EQ(outputs->children.size(), 1u);
    EXPECT_EQ(outputs->children[0].value, "[1,2] INT8 scale 0.0039062 zp -128");

    const OverviewRow* histogram = overview.section(OverviewSection::OpHistogram);
    ASSERT_TRUE(histogram);
    ASSERT_FALSE(histogram->children.empty());
    EXPECT_EQ(histogram->children[0].property, "CONV_2D");
    EXPECT_EQ(histogram->children[0].value, "14");

    const OverviewRow* weights = overview.section(OverviewSection::WeightsByType);
    ASSERT_TRUE(weights);
    ASSERT_EQ(weights->children.size(), 2u);
    EXPECT_EQ(weights->children[0].property, "INT8");
    EXPECT_TRUE(weights->children[0].value.startsWith("203.2 KiB (95.0%), 28 tensors"))
        << weights->children[0].value.toStdString();

    const OverviewRow* file = overview.section(OverviewSection::File);
    ASSERT_TRUE(file);
    EXPECT_EQ(file->value, "vww_96_int8.tflite");
    const OverviewRow* modelSection = overview.section(OverviewSection::Model);
    ASSERT_TRUE(modelSection);
    ASSERT_TRUE(childNamed(*modelSection, "Min runtime"));
    EXPECT_EQ(childNamed(*modelSection, "Min runtime")->value, "TFLite 1.5.0");
    EXPECT_EQ(overview.section(OverviewSection::Warnings)->value, "none");

    OverviewModel m;
    m.setOverview(overview);
    ASSERT_EQ(m.rowCount(), 10);
    EXPECT_EQ(m.index(0, 0).data().toString(), "File");
    EXPECT_TRUE(m.index(0, 0).data(OverviewModel::SectionRole).toBool());
    const QModelIndex inputsIndex = m.index(static_cast<int>(OverviewSection::Inputs), 0);
    EXPECT_EQ(inputsIndex.data().toString(), "Inputs");
    const QModelIndex input = m.index(0, OverviewModel::ValueColumn, inputsIndex);
    EXPECT_EQ(input.data().toString(), "[1,96,96,3] INT8 scale 0.0039216 zp -128");
    EXPECT_FALSE(input.data(OverviewModel::SectionRole).toBool());
    EXPECT_EQ(input.data(OverviewModel::SectionIdRole).toInt(), static_cast<int>(OverviewSection::Inputs));
    EXPECT_EQ(m.parent(input), inputsIndex);
    EXPECT_GT(m.rowCount(m.index(0, 0, inputsIndex)), 0);  // grandchildren: index, signature, range
}

TEST(OverviewModel, MetadataAndNormalization) {
    auto model = load(kMobilenetMetadata);
    ASSERT_TRUE(model);
    const Overview overview = overviewOf(kMobilenetMetadata, *model);
    const OverviewRow* metadata = overview.section(OverviewSection::Metadata);
    ASSERT_TRUE(metadata);
    EXPECT_EQ(metadata->value, "MobileNetV1 image classifier (quantized)");
    ASSERT_TRUE(childNamed(*metadata, "Author"));
    EXPECT_EQ(childNamed(*metadata, "Author")->value, "TensorFlow");
    ASSERT_TRUE(childNamed(*metadata, "TFLITE_METADATA"));

    const OverviewRow* inputs = overview.section(OverviewSection::Inputs);
    ASSERT_EQ(inputs->children.size(), 1u);
    EXPECT_EQ(inputs->children[0].value, "[1,224,224,3] UINT8 scale 0.0078125 zp 128");
    const OverviewRow* normalization = childNamed(inputs->children[0], "Normalization");
    ASSERT_TRUE(normalization);
    EXPECT_EQ(normalization->value, "mean [127.5] std [127.5]");
    const OverviewRow* file = overview.section(OverviewSection::File);
    ASSERT_TRUE(childNamed(*file, "Packed file"));
    EXPECT_TRUE(childNamed(*file, "Packed file")->value.startsWith("labels.txt"));
}

bool anyWarning(const Overview& overview, const QString& text) {
    for (const OverviewRow& w : overview.section(OverviewSection::Warnings)->children)
        if (w.property.contains(text) || w.value.contains(text)) return true;
    return false;
}

TEST(OverviewModel, WarningsForFlexInt64AndAcceleratorOps) {
    auto flex = load(kFlex);
    ASSERT_TRUE(flex);
    const Overview flexOverview = overviewOf(kFlex, *flex);
    EXPECT_TRUE(anyWarning(flexOverview, "FlexAddV2 x2"));
    EXPECT_TRUE(anyWarning(flexOverview, "INT64 tensors"));
    EXPECT_TRUE(anyWarning(flexOverview, "not supported yet"));  // no Flex kernels in Litescope
    EXPECT_EQ(flexOverview.section(OverviewSection::Subgraphs)->children.size(), flex->subgraphs().size());

    auto edgeTpu = load(kEdgeTpu);
    ASSERT_TRUE(edgeTpu);
    const Overview tpuOverview = overviewOf(kEdgeTpu, *edgeTpu);
    EXPECT_TRUE(anyWarning(tpuOverview, "edgetpu-custom-op x1"));
    EXPECT_TRUE(anyWarning(tpuOverview, "accelerator: compiled for the Coral Edge TPU"));

    auto whileModel = load(kWhile);
    ASSERT_TRUE(whileModel);
    const Overview whileOverview = overviewOf(kWhile, *whileModel);
    const OverviewRow* signatures = whileOverview.section(OverviewSection::Signatures);
    ASSERT_EQ(signatures->children.size(), 1u);
    EXPECT_EQ(signatures->children[0].property, "serving_default");
    EXPECT_FALSE(anyWarning(whileOverview, "not supported yet"));  // WHILE, LESS, ADD have kernels
}

TEST(TableToTsv, HeaderThenRowsAndTreeChildren) {
    auto model = load(kWhile);
    ASSERT_TRUE(model);
    TensorTableModel tensors(model);
    const QString tsv = tableToTsv(tensors);
    const QStringList lines = tsv.split('\n', Qt::SkipEmptyParts);
    ASSERT_EQ(lines.size(), 1 + tensors.rowCount());
    EXPECT_TRUE(lines[0].startsWith("Index\tName\tKind\tType\tShape"));
    EXPECT_EQ(lines[1].split('\t').size(), TensorTableModel::ColumnCount);
    EXPECT_TRUE(lines[1].startsWith("0\tserving_default_inp:0\tinput\tFLOAT32\tscalar"));

    const QString two = rowsToTsv(tensors, {tensors.index(3, 1), tensors.index(1, 0), tensors.index(3, 4)});
    const QStringList twoLines = two.split('\n', Qt::SkipEmptyParts);
    ASSERT_EQ(twoLines.size(), 3);
    EXPECT_TRUE(twoLines[1].startsWith("1\t"));
    EXPECT_TRUE(twoLines[2].startsWith("3\t"));

    OverviewModel overview;
    overview.setOverview(overviewOf(kWhile, *model));
    int rows = 0;
    std::function<void(const QModelIndex&)> count = [&](const QModelIndex& parent) {
        for (int r = 0; r < overview.rowCount(parent); ++r) {
            ++rows;
            count(overview.index(r, 0, parent));
        }
    };
    count({});
    const QStringList treeLines = tableToTsv(overview).split('\n', Qt::SkipEmptyParts);
    EXPECT_EQ(treeLines.size(), 1 + rows);
    EXPECT_EQ(treeLines[0], "Property\tValue");
    EXPECT_TRUE(treeLines[2].startsWith("  Path\t"));
}

}  // namespace
}  // namespace litescope
