// A fixed pool of worker threads for the heavy kernels: parallelFor splits a range into one contiguous chunk
// per thread, the caller taking one. No allocation per call.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace litescope {

// A non-owning reference to a callable, cheap to pass and never allocating.
template <typename Signature>
class FunctionRef;

template <typename R, typename... Args>
class FunctionRef<R(Args...)> {
  public:
    template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FunctionRef>>>
    FunctionRef(F&& f)  // NOLINT: implicit by design, like std::function_ref
        : object_(const_cast<void*>(static_cast<const void*>(&f))), call_([](void* o, Args... args) -> R {
              return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<Args>(args)...);
          }) {}
    R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

  private:
    void* object_;
    R (*call_)(void*, Args...);
};

class ThreadPool {
  public:
    explicit ThreadPool(int threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return static_cast<int>(workers_.size()) + 1; }
    // Calls fn(begin, end) on disjoint chunks covering [0, n); chunks hold at least `minChunk` items.
    void parallelFor(int64_t n, FunctionRef<void(int64_t, int64_t)> fn, int64_t minChunk = 1);

  private:
    void workerLoop(int index);

    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable done_;
    std::atomic<uint64_t> generation_{0};
    bool stopping_ = false;
    std::atomic<int> pending_{0};
    int chunks_ = 0;
    int64_t n_ = 0;
    const FunctionRef<void(int64_t, int64_t)>* job_ = nullptr;
};

}  // namespace litescope
