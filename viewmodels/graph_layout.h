// Layered (Sugiyama-style) layout of an op graph for the graph view: plain C++ so it runs off the UI thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <utility>
#include <vector>

namespace litescope {

struct NodeSize {
    double width = 0;
    double height = 0;
};

struct Point {
    double x = 0;
    double y = 0;

    friend bool operator==(const Point&, const Point&) = default;
};

// A directed graph: edges are (from, to) node indices. Multiple edges, self-loops and cycles are allowed;
// edges with an endpoint out of range are ignored.
struct LayoutGraph {
    std::vector<NodeSize> nodes;
    std::vector<std::pair<int32_t, int32_t>> edges;
};

struct LayoutOptions {
    double nodeGap = 20;     // horizontal space between neighbours in a layer
    double layerGap = 40;    // vertical space between the tallest nodes of adjacent layers
    int crossingSweeps = 4;  // down+up barycenter sweeps; each costs about one pass over the graph
    int coordinatePasses = 4;
    // Polled between phases and sweeps; when it becomes true the layout stops and returns `cancelled`.
    const std::atomic<bool>* cancel = nullptr;
};

// Scene coordinates with y growing downwards; the drawing's bounding box starts at (0, 0).
struct GraphLayout {
    std::vector<Point> nodeCenters;
    // Per input edge: from the source's border to the target's, through one bend per layer crossed.
    // Empty for an ignored edge; a self-loop is a small loop on the node's right side.
    std::vector<std::vector<Point>> edgePaths;
    std::vector<bool> reversed;  // the edge was turned round to break a cycle, so it points upwards
    double width = 0;
    double height = 0;
    int layerCount = 0;
    int64_t crossings = 0;  // edge crossings left after ordering, a quality figure
    bool cancelled = false;
};

GraphLayout layoutGraph(const LayoutGraph& graph, const LayoutOptions& options = {});

}  // namespace litescope
