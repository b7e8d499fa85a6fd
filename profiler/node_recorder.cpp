#include "profiler/node_recorder.h"

namespace litescope {

NodeRecorder::NodeRecorder(size_t capacity) : capacity_(capacity) {
    samples_.reserve(capacity);
    runs_.reserve(1024);
    runStarts_.reserve(1024);
}

void NodeRecorder::reserve(size_t capacity, size_t runs) {
    if (capacity > capacity_) {
        samples_.reserve(capacity);
        capacity_ = capacity;
    }
    if (runs > runs_.capacity()) {
        runs_.reserve(runs);
        runStarts_.reserve(runs);
    }
}

void NodeRecorder::clear() {
    samples_.clear();
    runs_.clear();
    runStarts_.clear();
    dropped_ = 0;
    inRun_ = false;
}

void NodeRecorder::beginRun() {
    inRun_ = true;
    runStart_ = Clock::now();
    if (runs_.empty()) epoch_ = runStart_;
}

void NodeRecorder::endRun() {
    if (!inRun_) return;
    const auto end = Clock::now();
    inRun_ = false;
    // runs_ grows only when more runs are recorded than reserved for, between invokes.
    runs_.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(end - runStart_).count());
    runStarts_.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(runStart_ - epoch_).count());
}

void NodeRecorder::onNodeBegin(const NodeEvent& event) {
    if (!inRun_ || event.depth < 0 || event.depth >= kMaxDepth) return;
    openStart_[event.depth] = Clock::now();
}

void NodeRecorder::onNodeEnd(const NodeEvent& event) {
    const auto end = Clock::now();
    if (!inRun_ || event.depth < 0 || event.depth >= kMaxDepth) return;
    if (samples_.size() >= capacity_) {
        ++dropped_;
        return;
    }
    const auto start = openStart_[event.depth];
    NodeSample s;
    s.run = static_cast<int32_t>(runs_.size());
    s.subgraph = event.subgraph;
    s.node = event.node;
    s.depth = event.depth;
    s.startNs = std::chrono::duration_cast<std::chrono::nanoseconds>(start - runStart_).count();
    s.durationNs = std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count();
    samples_.push_back(s);
}

}  // namespace litescope
