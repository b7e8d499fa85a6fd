// Error reporting for the runtime and the profiler: a Status or a Result<T> that carries a message with
// context (file, subgraph, operator, tensor). Nothing in these layers throws across its API.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace litescope {

enum class ErrorCode {
    Ok = 0,
    NotAModel,     // the bytes are not a TFLite flatbuffer at all (empty, text, another format)
    InvalidModel,  // a TFLite flatbuffer whose content breaks the format's rules
    Io,            // the file cannot be opened, read or mapped
    Unsupported,   // valid, but something this build cannot handle
    InvalidArgument,
    Runtime,
};

class Status {
  public:
    Status() = default;
    Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

    static Status ok() { return {}; }
    bool isOk() const { return code_ == ErrorCode::Ok; }
    explicit operator bool() const { return isOk(); }
    ErrorCode code() const { return code_; }
    const std::string& message() const { return message_; }

  private:
    ErrorCode code_ = ErrorCode::Ok;
    std::string message_;
};

template <typename T>
class Result {
  public:
    Result(T value) : value_(std::move(value)) {}
    Result(Status error) : error_(std::move(error)) { assert(!error_.isOk()); }
    Result(ErrorCode code, std::string message) : error_(code, std::move(message)) {}

    bool isOk() const { return value_.has_value(); }
    explicit operator bool() const { return isOk(); }
    const Status& status() const { return error_; }
    const std::string& message() const { return error_.message(); }
    ErrorCode code() const { return error_.code(); }

    T& value() & { return *value_; }
    const T& value() const& { return *value_; }
    T&& value() && { return std::move(*value_); }
    T* operator->() { return &*value_; }
    const T* operator->() const { return &*value_; }
    T& operator*() & { return *value_; }
    const T& operator*() const& { return *value_; }

  private:
    std::optional<T> value_;
    Status error_;
};

}  // namespace litescope
