#include "tests/support/single_op_model.h"

namespace litescope::test {

SingleOpModel::SingleOpModel(fb::BuiltinOperator op, int version) {
    op_.opcodeIndex = builder_.addOperatorCode(op, version);
}

SingleOpModel::SingleOpModel(const std::string& customCode) {
    op_.opcodeIndex = builder_.addCustomCode(customCode);
}

int SingleOpModel::addInput(fb::TensorType type, std::vector<int32_t> shape, std::optional<QuantSpec> quant) {
    TensorSpec t;
    t.name = "input" + std::to_string(op_.inputs.size());
    t.type = type;
    t.shape = std::move(shape);
    t.quant = std::move(quant);
    int32_t index = builder_.addTensor(std::move(t));
    graphInputs_.push_back(static_cast<int32_t>(builder_.subgraphs[0].inputs.size()));
    builder_.subgraphs[0].inputs.push_back(index);
    op_.inputs.push_back(index);
    return static_cast<int>(op_.inputs.size() - 1);
}

int SingleOpModel::addConstBytes(fb::TensorType type, std::vector<int32_t> shape, std::vector<uint8_t> bytes,
                                 std::optional<QuantSpec> quant) {
    TensorSpec t;
    t.name = "const" + std::to_string(op_.inputs.size());
    t.type = type;
    t.shape = std::move(shape);
    t.buffer = builder_.addBuffer(std::move(bytes));
    t.quant = std::move(quant);
    op_.inputs.push_back(builder_.addTensor(std::move(t)));
    graphInputs_.push_back(-1);
    return static_cast<int>(op_.inputs.size() - 1);
}

void SingleOpModel::addOmittedInput() {
    op_.inputs.push_back(-1);
    graphInputs_.push_back(-1);
}

int SingleOpModel::addVariableInput(fb::TensorType type, std::vector<int32_t> shape) {
    TensorSpec t;
    t.name = "variable" + std::to_string(op_.inputs.size());
    t.type = type;
    t.shape = std::move(shape);
    t.isVariable = true;
    op_.inputs.push_back(builder_.addTensor(std::move(t)));
    graphInputs_.push_back(-1);
    return static_cast<int>(op_.inputs.size() - 1);
}

int SingleOpModel::addOutput(fb::TensorType type, std::vector<int32_t> shape,
                             std::optional<QuantSpec> quant) {
    TensorSpec t;
    t.name = "output" + std::to_string(op_.outputs.size());
    t.type = type;
    t.shape = std::move(shape);
    t.quant = std::move(quant);
    int32_t index = builder_.addTensor(std::move(t));
    builder_.subgraphs[0].outputs.push_back(index);
    op_.outputs.push_back(index);
    return static_cast<int>(op_.outputs.size() - 1);
}

void SingleOpModel::setOptions(fb::BuiltinOptions type,
                               std::function<flatbuffers::Offset<void>(flatbuffers::FlatBufferBuilder&)> f) {
    op_.optionsType = type;
    op_.options = std::move(f);
}

void SingleOpModel::setCustomOptions(std::vector<uint8_t> bytes) {
    op_.customOptions = std::move(bytes);
}

Status SingleOpModel::build(int threads) {
    InterpreterOptions options;
    options.threads = threads;
    return build(options);
}

Status SingleOpModel::build(const InterpreterOptions& options) {
    builder_.subgraphs[0].operators = {op_};
    auto model = Model::fromBytes(builder_.build(), "single-op model");
    if (!model) return model.status();
    model_ = *model;
    auto interpreter = Interpreter::create(model_, options);
    if (!interpreter) return interpreter.status();
    interpreter_ = std::move(interpreter).value();
    return interpreter_->prepare();
}

Status SingleOpModel::resizeInput(int input, std::vector<int32_t> shape) {
    return interpreter_->resizeInput(static_cast<size_t>(graphInputs_[static_cast<size_t>(input)]),
                                     Shape(std::span<const int32_t>(shape.data(), shape.size())));
}

Status SingleOpModel::prepare() {
    return interpreter_->prepare();
}

Status SingleOpModel::invoke() {
    return interpreter_->invoke();
}

RuntimeTensor& SingleOpModel::inputTensor(int input) {
    return interpreter_->main().tensor(op_.inputs[static_cast<size_t>(input)]);
}

RuntimeTensor& SingleOpModel::outputTensor(int output) {
    return interpreter_->main().tensor(op_.outputs[static_cast<size_t>(output)]);
}

std::vector<int32_t> SingleOpModel::outputShape(int output) {
    auto dims = outputTensor(output).shape.dims();
    return std::vector<int32_t>(dims.begin(), dims.end());
}

}  // namespace litescope::test
