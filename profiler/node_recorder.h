// Records when each node of an invoke starts and how long it runs, for `litescope profile`: an
// InvokeObserver writing into storage reserved up front, so that recording allocates nothing while the
// model runs and costs two clock reads per node.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "runtime/observer.h"

namespace litescope {

struct NodeSample {
    int32_t run = 0;  // which recorded run (0-based)
    int32_t subgraph = 0;
    int32_t node = 0;
    int32_t depth = 0;    // 0 for the invoked subgraph, +1 inside each control-flow body
    int64_t startNs = 0;  // since the start of its run
    int64_t durationNs = 0;
};

class NodeRecorder : public InvokeObserver {
  public:
    using Clock = std::chrono::steady_clock;

    // Room for `capacity` node samples in all; events past it are counted in dropped(), never allocated.
    explicit NodeRecorder(size_t capacity);

    // Brackets one invoke; node events outside a run are ignored.
    void beginRun();
    void endRun();

    void onNodeBegin(const NodeEvent& event) override;
    void onNodeEnd(const NodeEvent& event) override;

    const std::vector<NodeSample>& samples() const { return samples_; }
    const std::vector<int64_t>& runDurationsNs() const { return runs_; }
    // When each run began, in nanoseconds since the first run recorded after construction or clear().
    const std::vector<int64_t>& runStartsNs() const { return runStarts_; }
    // Room for at least `capacity` samples and `runs` runs in all. Call it between runs only: it may
    // allocate, which is what recording itself never does.
    void reserve(size_t capacity, size_t runs = 0);
    size_t capacity() const { return capacity_; }
    int64_t dropped() const { return dropped_; }
    void clear();

  private:
    static constexpr int kMaxDepth = 64;  // deeper nesting than any control flow a converter writes

    std::vector<NodeSample> samples_;
    std::vector<int64_t> runs_;
    std::vector<int64_t> runStarts_;
    size_t capacity_ = 0;
    Clock::time_point epoch_;
    Clock::time_point runStart_;
    bool inRun_ = false;
    // The open node at each nesting depth: a control-flow node's body runs inside it.
    Clock::time_point openStart_[kMaxDepth];
    int64_t dropped_ = 0;
};

}  // namespace litescope
