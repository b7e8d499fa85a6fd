#include "runtime/thread_pool.h"

#include <algorithm>

namespace litescope {

ThreadPool::ThreadPool(int threads) {
    for (int i = 1; i < std::max(threads, 1); ++i) workers_.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
}

namespace {
std::pair<int64_t, int64_t> chunkRange(int64_t n, int chunks, int index) {
    const int64_t base = n / chunks, extra = n % chunks;
    const int64_t begin = index * base + std::min<int64_t>(index, extra);
    return {begin, begin + base + (index < extra ? 1 : 0)};
}
}  // namespace

void ThreadPool::parallelFor(int64_t n, FunctionRef<void(int64_t, int64_t)> fn, int64_t minChunk) {
    if (n <= 0) return;
    const int chunks = static_cast<int>(std::clamp<int64_t>(n / std::max<int64_t>(minChunk, 1), 1, size()));
    if (chunks == 1) {
        fn(0, n);
        return;
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        job_ = &fn;
        n_ = n;
        chunks_ = chunks;
        pending_ = chunks - 1;
        ++generation_;
    }
    wake_.notify_all();
    auto [begin, end] = chunkRange(n, chunks, 0);
    fn(begin, end);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
    job_ = nullptr;
}

void ThreadPool::workerLoop(int index) {
    uint64_t seen = 0;
    for (;;) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
        if (stopping_) return;
        seen = generation_;
        if (index >= chunks_) continue;
        const auto* job = job_;
        auto [begin, end] = chunkRange(n_, chunks_, index);
        lock.unlock();
        (*job)(begin, end);
        lock.lock();
        if (--pending_ == 0) done_.notify_one();
    }
}

}  // namespace litescope
