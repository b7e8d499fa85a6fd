#include "runtime/thread_pool.h"

#include <algorithm>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define LS_PAUSE() _mm_pause()
#else
#define LS_PAUSE() ((void)0)
#endif

namespace litescope {

namespace {
// How long a thread spins on a change before it sleeps: long enough to span the gap between two
// consecutive layers of a model, short enough not to burn a core when the pool is idle.
constexpr int kSpinIterations = 20000;

std::pair<int64_t, int64_t> chunkRange(int64_t n, int chunks, int index) {
    const int64_t base = n / chunks, extra = n % chunks;
    const int64_t begin = index * base + std::min<int64_t>(index, extra);
    return {begin, begin + base + (index < extra ? 1 : 0)};
}
}  // namespace

ThreadPool::ThreadPool(int threads) {
    for (int i = 1; i < std::max(threads, 1); ++i)
        workers_.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
        generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    for (auto& t : workers_)
        t.join();
}

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
        pending_.store(chunks - 1, std::memory_order_relaxed);
        generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    auto [begin, end] = chunkRange(n, chunks, 0);
    fn(begin, end);
    for (int spin = 0; spin < kSpinIterations && pending_.load(std::memory_order_acquire) != 0; ++spin)
        LS_PAUSE();
    if (pending_.load(std::memory_order_acquire) != 0) {
        std::unique_lock<std::mutex> lock(mutex_);
        done_.wait(lock, [this] { return pending_.load(std::memory_order_acquire) == 0; });
    }
    job_ = nullptr;
}

void ThreadPool::workerLoop(int index) {
    uint64_t seen = 0;
    for (;;) {
        // Spin first: the next layer's work usually arrives within microseconds.
        for (int spin = 0; spin < kSpinIterations && generation_.load(std::memory_order_acquire) == seen;
             ++spin)
            LS_PAUSE();
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || generation_.load(std::memory_order_acquire) != seen; });
        if (stopping_) return;
        seen = generation_.load(std::memory_order_acquire);
        if (index >= chunks_) continue;
        const auto* job = job_;
        auto [begin, end] = chunkRange(n_, chunks_, index);
        lock.unlock();
        (*job)(begin, end);
        if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            std::lock_guard<std::mutex> done(mutex_);
            done_.notify_one();
        }
    }
}

}  // namespace litescope
