// Builds a one-operator model, runs it in the runtime and reads its outputs: the harness for kernel tests,
// which compare a kernel with a plain loop written in the test.
#pragma once

#include <cstring>
#include <memory>
#include <vector>

#include "runtime/interpreter.h"
#include "tests/support/model_builder.h"

namespace litescope::test {

class SingleOpModel {
  public:
    explicit SingleOpModel(fb::BuiltinOperator op, int version = 1);
    // A custom op instead of a builtin.
    explicit SingleOpModel(const std::string& customCode);

    // Inputs are graph inputs unless given constant data. Returns the operator's input position.
    int addInput(fb::TensorType type, std::vector<int32_t> shape,
                 std::optional<QuantSpec> quant = std::nullopt);
    template <typename T>
    int addConstInput(fb::TensorType type, std::vector<int32_t> shape, const std::vector<T>& values,
                      std::optional<QuantSpec> quant = std::nullopt) {
        return addConstBytes(type, std::move(shape), toBytes(values), std::move(quant));
    }
    int addConstBytes(fb::TensorType type, std::vector<int32_t> shape, std::vector<uint8_t> bytes,
                      std::optional<QuantSpec> quant = std::nullopt);
    void addOmittedInput();  // an optional input given as -1
    // A variable tensor (state kept across invokes, zero at start), not a graph input.
    int addVariableInput(fb::TensorType type, std::vector<int32_t> shape);
    int addOutput(fb::TensorType type, std::vector<int32_t> shape = {},
                  std::optional<QuantSpec> quant = std::nullopt);

    // The operator's builtin options, written with the generated Create...Options functions.
    void setOptions(fb::BuiltinOptions type,
                    std::function<flatbuffers::Offset<void>(flatbuffers::FlatBufferBuilder&)> f);
    void setCustomOptions(std::vector<uint8_t> bytes);
    ModelBuilder& builder() { return builder_; }

    // Serialises, loads, creates the interpreter and prepares it. Errors come back as Status.
    Status build(int threads = 1);
    Status build(const InterpreterOptions& options);  // with a delegate, for instance
    Status resizeInput(int input, std::vector<int32_t> shape);
    Status prepare();
    Status invoke();

    template <typename T>
    void setInput(int input, const std::vector<T>& values) {
        RuntimeTensor& t = inputTensor(input);
        std::memcpy(t.data, values.data(), std::min(values.size() * sizeof(T), t.bytes));
    }
    template <typename T>
    std::vector<T> output(int output) {
        RuntimeTensor& t = outputTensor(output);
        std::vector<T> v(t.bytes / sizeof(T));
        if (!v.empty()) std::memcpy(v.data(), t.data, v.size() * sizeof(T));
        return v;
    }
    std::vector<int32_t> outputShape(int output);
    RuntimeTensor& inputTensor(int input);
    RuntimeTensor& outputTensor(int output);
    Interpreter& interpreter() { return *interpreter_; }

  private:
    ModelBuilder builder_;
    OperatorSpec op_;
    std::vector<int32_t> graphInputs_;  // op input position -> graph input index, or -1 for constants
    std::shared_ptr<const Model> model_;
    std::unique_ptr<Interpreter> interpreter_;
};

}  // namespace litescope::test
