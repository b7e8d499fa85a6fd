// The layered graph layout: geometric invariants on hand-made and random graphs, determinism, bad input.
#include "viewmodels/graph_layout.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

namespace litescope {
namespace {

constexpr double kEps = 1e-6;

LayoutGraph uniformGraph(int32_t count, std::vector<std::pair<int32_t, int32_t>> edges) {
    LayoutGraph graph;
    graph.nodes.assign(count, NodeSize{120, 40});
    graph.edges = std::move(edges);
    return graph;
}

bool validEdge(const LayoutGraph& graph, std::pair<int32_t, int32_t> edge) {
    auto n = static_cast<int32_t>(graph.nodes.size());
    return edge.first >= 0 && edge.second >= 0 && edge.first < n && edge.second < n;
}

bool near(const Point& a, const Point& b) {
    return std::abs(a.x - b.x) < kEps && std::abs(a.y - b.y) < kEps;
}

// Everything a drawing must satisfy whatever the graph; reported with the offending node or edge.
void expectInvariants(const LayoutGraph& graph, const GraphLayout& layout,
                      const LayoutOptions& options = {}) {
    ASSERT_FALSE(layout.cancelled);
    ASSERT_EQ(layout.nodeCenters.size(), graph.nodes.size());
    ASSERT_EQ(layout.edgePaths.size(), graph.edges.size());
    ASSERT_EQ(layout.reversed.size(), graph.edges.size());

    std::map<double, std::vector<int32_t>> byLayer;  // nodes of a layer share their centre's y
    for (size_t v = 0; v < graph.nodes.size(); ++v) {
        const Point& c = layout.nodeCenters[v];
        const NodeSize& s = graph.nodes[v];
        byLayer[c.y].push_back(static_cast<int32_t>(v));
        EXPECT_GE(c.x - s.width / 2, -kEps) << "node " << v;
        EXPECT_GE(c.y - s.height / 2, -kEps) << "node " << v;
        EXPECT_LE(c.x + s.width / 2, layout.width + kEps) << "node " << v;
        EXPECT_LE(c.y + s.height / 2, layout.height + kEps) << "node " << v;
    }
    EXPECT_EQ(static_cast<int>(byLayer.size()), layout.layerCount);
    for (auto& [y, nodes] : byLayer) {
        std::sort(nodes.begin(), nodes.end(),
                  [&](int32_t a, int32_t b) { return layout.nodeCenters[a].x < layout.nodeCenters[b].x; });
        for (size_t i = 1; i < nodes.size(); ++i) {
            int32_t a = nodes[i - 1], b = nodes[i];
            double rightOfA = layout.nodeCenters[a].x + graph.nodes[a].width / 2;
            double leftOfB = layout.nodeCenters[b].x - graph.nodes[b].width / 2;
            EXPECT_GE(leftOfB - rightOfA, options.nodeGap - kEps)
                << "nodes " << a << " and " << b << " at y " << y;
        }
    }

    for (size_t e = 0; e < graph.edges.size(); ++e) {
        auto [from, to] = graph.edges[e];
        const auto& path = layout.edgePaths[e];
        if (!validEdge(graph, graph.edges[e])) {
            EXPECT_TRUE(path.empty()) << "edge " << e;
            EXPECT_FALSE(layout.reversed[e]) << "edge " << e;
            continue;
        }
        ASSERT_GE(path.size(), 2u) << "edge " << e;
        for (const Point& p : path) {
            EXPECT_GE(p.x, -kEps);
            EXPECT_GE(p.y, -kEps);
            EXPECT_LE(p.x, layout.width + kEps);
            EXPECT_LE(p.y, layout.height + kEps);
        }
        if (from == to) continue;
        const Point& s = layout.nodeCenters[from];
        const Point& t = layout.nodeCenters[to];
        double hs = graph.nodes[from].height / 2, ht = graph.nodes[to].height / 2;
        if (layout.reversed[e]) {
            EXPECT_GT(s.y, t.y) << "edge " << e;
            EXPECT_TRUE(near(path.front(), {s.x, s.y - hs})) << "edge " << e;
            EXPECT_TRUE(near(path.back(), {t.x, t.y + ht})) << "edge " << e;
            for (size_t i = 1; i < path.size(); ++i)
                EXPECT_LT(path[i].y, path[i - 1].y) << "edge " << e;
        } else {
            EXPECT_LT(s.y, t.y) << "edge " << e;
            EXPECT_TRUE(near(path.front(), {s.x, s.y + hs})) << "edge " << e;
            EXPECT_TRUE(near(path.back(), {t.x, t.y - ht})) << "edge " << e;
            for (size_t i = 1; i < path.size(); ++i)
                EXPECT_GT(path[i].y, path[i - 1].y) << "edge " << e;
        }
    }
}

double cross(const Point& o, const Point& a, const Point& b) {
    return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

// Proper crossings of the drawn segments, computed from the geometry alone (edges meeting at a node's port
// do not count), so the test does not trust the layout's own count.
int countDrawnCrossings(const GraphLayout& layout) {
    std::vector<std::pair<Point, Point>> segments;
    for (const auto& path : layout.edgePaths)
        for (size_t i = 1; i < path.size(); ++i)
            segments.emplace_back(path[i - 1], path[i]);
    int crossings = 0;
    for (size_t i = 0; i < segments.size(); ++i) {
        for (size_t j = i + 1; j < segments.size(); ++j) {
            auto [a, b] = segments[i];
            auto [c, d] = segments[j];
            double d1 = cross(a, b, c), d2 = cross(a, b, d), d3 = cross(c, d, a), d4 = cross(c, d, b);
            if (((d1 > kEps && d2 < -kEps) || (d1 < -kEps && d2 > kEps)) &&
                ((d3 > kEps && d4 < -kEps) || (d3 < -kEps && d4 > kEps)))
                ++crossings;
        }
    }
    return crossings;
}

LayoutGraph randomGraph(uint32_t seed, int32_t count, int32_t edgeCount, int32_t backEdges) {
    std::mt19937 random(seed);
    LayoutGraph graph;
    for (int32_t v = 0; v < count; ++v)
        graph.nodes.push_back(
            {static_cast<double>(20 + random() % 200), static_cast<double>(10 + random() % 60)});
    for (int32_t e = 0; e < edgeCount; ++e) {
        int32_t a = static_cast<int32_t>(random() % count);
        int32_t span = 1 + static_cast<int32_t>(random() % 12);
        if (a + span < count) graph.edges.emplace_back(a, a + span);
    }
    // With a spine through every node, each back edge closes a cycle.
    if (backEdges > 0)
        for (int32_t v = 0; v + 1 < count; ++v)
            graph.edges.emplace_back(v, v + 1);
    for (int32_t e = 0; e < backEdges; ++e) {
        auto a = static_cast<int32_t>(random() % count), b = static_cast<int32_t>(random() % count);
        graph.edges.emplace_back(std::max(a, b), std::min(a, b));  // includes the odd self-loop
    }
    return graph;
}

// A ResNet-like chain: residual blocks (x -> conv -> conv -> add, x -> add) and, every third block, an
// inception-like fork into branches of different lengths that rejoin in a concat.
LayoutGraph resnetChain(int32_t blocks) {
    LayoutGraph graph;
    auto add = [&](double width) {
        graph.nodes.push_back({width, 40});
        return static_cast<int32_t>(graph.nodes.size() - 1);
    };
    int32_t x = add(120);
    for (int32_t b = 0; b < blocks; ++b) {
        int32_t c1 = add(140), c2 = add(100), sum = add(60);
        graph.edges.insert(graph.edges.end(), {{x, c1}, {c1, c2}, {c2, sum}, {x, sum}});
        x = sum;
        if (b % 3 == 2) {
            int32_t a1 = add(120), b1 = add(120), b2 = add(80), concat = add(160);
            graph.edges.insert(graph.edges.end(),
                               {{x, a1}, {a1, concat}, {x, b1}, {b1, b2}, {b2, concat}, {x, concat}});
            x = concat;
        }
    }
    return graph;
}

TEST(GraphLayoutTest, EmptyGraph) {
    GraphLayout layout = layoutGraph({});
    EXPECT_TRUE(layout.nodeCenters.empty());
    EXPECT_EQ(layout.layerCount, 0);
    EXPECT_EQ(layout.width, 0);
    EXPECT_EQ(layout.height, 0);
}

TEST(GraphLayoutTest, ChainIsOneStraightColumn) {
    LayoutGraph graph = uniformGraph(5, {{0, 1}, {1, 2}, {2, 3}, {3, 4}});
    graph.nodes[2].width = 300;  // widths differ, centres must still line up
    GraphLayout layout = layoutGraph(graph);
    expectInvariants(graph, layout);
    EXPECT_EQ(layout.layerCount, 5);
    for (const Point& c : layout.nodeCenters)
        EXPECT_NEAR(c.x, layout.nodeCenters[0].x, kEps);
    EXPECT_NEAR(layout.width, 300, kEps);
    EXPECT_NEAR(layout.height, 5 * 40 + 4 * 40, kEps);
}

TEST(GraphLayoutTest, DiamondHasNoCrossingsAndIsSymmetric) {
    LayoutGraph graph = uniformGraph(4, {{0, 1}, {0, 2}, {1, 3}, {2, 3}});
    GraphLayout layout = layoutGraph(graph);
    expectInvariants(graph, layout);
    EXPECT_EQ(layout.layerCount, 3);
    EXPECT_EQ(layout.crossings, 0);
    EXPECT_EQ(countDrawnCrossings(layout), 0);
    double middle = (layout.nodeCenters[1].x + layout.nodeCenters[2].x) / 2;
    EXPECT_NEAR(layout.nodeCenters[0].x, middle, 1e-3);
    EXPECT_NEAR(layout.nodeCenters[3].x, middle, 1e-3);
}

TEST(GraphLayoutTest, ResidualChainHasNoCrossings) {
    LayoutGraph graph = resnetChain(30);
    GraphLayout layout = layoutGraph(graph);
    expectInvariants(graph, layout);
    EXPECT_EQ(layout.crossings, 0);
    EXPECT_EQ(countDrawnCrossings(layout), 0);
}

TEST(GraphLayoutTest, LongResidualChainDoesNotDrift) {
    // One-sided pulls (each layer towards the one above only) let the spine wander sideways block after
    // block; the drawing of a deep network must stay about as wide as its widest layer.
    LayoutGraph graph = resnetChain(1000);
    GraphLayout layout = layoutGraph(graph);
    expectInvariants(graph, layout);
    EXPECT_LT(layout.width, 600);
}

TEST(GraphLayoutTest, CrossedInputOrderIsUntangled) {
    // Listed so that the first order drawn would cross: 0 feeds the right node of the next layer.
    LayoutGraph graph = uniformGraph(6, {{0, 3}, {1, 2}, {2, 4}, {3, 5}, {0, 5}, {1, 4}});
    GraphLayout layout = layoutGraph(graph);
    expectInvariants(graph, layout);
    EXPECT_EQ(countDrawnCrossings(layout), 0);
}

TEST(GraphLayoutTest, SourcesSlideDownToTheirConsumer) {
    // Node 4 (a constant, say) feeds only the end of the chain: it belongs just above it, not at the top.
    LayoutGraph graph = uniformGraph(5, {{0, 1}, {1, 2}, {2, 3}, {4, 3}});
    GraphLayout layout = layoutGraph(graph);
    expectInvariants(graph, layout);
    EXPECT_EQ(layout.nodeCenters[4].y, layout.nodeCenters[2].y);
    EXPECT_EQ(layout.edgePaths[3].size(), 2u);
}

TEST(GraphLayoutTest, CycleIsBrokenAndLaidOut) {
    LayoutGraph graph = uniformGraph(4, {{3, 0}, {0, 1}, {1, 2}, {2, 0}});
    GraphLayout layout = layoutGraph(graph);
    expectInvariants(graph, layout);
    EXPECT_EQ(std::count(layout.reversed.begin(), layout.reversed.end(), true), 1);
    EXPECT_TRUE(layout.reversed[3]);  // the DFS from the source 3 meets 2 -> 0 as the back edge
    EXPECT_EQ(layout.layerCount, 4);
}

TEST(GraphLayoutTest, SelfLoopAndParallelEdges) {
    LayoutGraph graph = uniformGraph(3, {{0, 1}, {0, 1}, {1, 1}, {1, 2}, {0, 2}, {0, 2}});
    GraphLayout layout = layoutGraph(graph);
    expectInvariants(graph, layout);
    EXPECT_FALSE(layout.reversed[2]);
    ASSERT_EQ(layout.edgePaths[2].size(), 4u);
    EXPECT_GT(layout.edgePaths[2][1].x, layout.nodeCenters[1].x + 60);  // beside the node, not inside it
    EXPECT_EQ(layout.layerCount, 3);
}

TEST(GraphLayoutTest, BadEdgesAreIgnored) {
    LayoutGraph graph = uniformGraph(3, {{0, 1}, {-1, 2}, {1, 3}, {7, 7}, {INT32_MIN, INT32_MAX}, {1, 2}});
    graph.nodes[0].width = std::nan("");
    graph.nodes[1].height = -5;
    GraphLayout layout = layoutGraph(graph);
    ASSERT_EQ(layout.edgePaths.size(), graph.edges.size());
    for (size_t e : {1u, 2u, 3u, 4u})
        EXPECT_TRUE(layout.edgePaths[e].empty()) << e;
    EXPECT_EQ(layout.layerCount, 3);
    for (const Point& c : layout.nodeCenters) {
        EXPECT_TRUE(std::isfinite(c.x));
        EXPECT_TRUE(std::isfinite(c.y));
    }
    EXPECT_TRUE(std::isfinite(layout.width));
    EXPECT_TRUE(std::isfinite(layout.height));
}

TEST(GraphLayoutTest, RandomGraphsSatisfyInvariants) {
    for (uint32_t seed = 1; seed <= 20; ++seed) {
        SCOPED_TRACE(seed);
        LayoutGraph graph = randomGraph(seed, 300, 500, seed % 4 == 0 ? 10 : 0);
        LayoutOptions options;
        options.nodeGap = 5 + seed;
        options.layerGap = 10 + seed;
        GraphLayout layout = layoutGraph(graph, options);
        expectInvariants(graph, layout, options);
        if (seed % 4 == 0) {
            EXPECT_GT(std::count(layout.reversed.begin(), layout.reversed.end(), true), 0);
        }
    }
}

TEST(GraphLayoutTest, SweepsDoNotIncreaseCrossings) {
    LayoutGraph graph = randomGraph(99, 300, 600, 0);
    LayoutOptions none;
    none.crossingSweeps = 0;
    GraphLayout initial = layoutGraph(graph, none);
    GraphLayout swept = layoutGraph(graph);
    EXPECT_LE(swept.crossings, initial.crossings);
    EXPECT_GT(initial.crossings, 0);
}

TEST(GraphLayoutTest, Deterministic) {
    LayoutGraph graph = randomGraph(7, 400, 700, 15);
    GraphLayout a = layoutGraph(graph);
    GraphLayout b = layoutGraph(graph);
    EXPECT_EQ(a.nodeCenters, b.nodeCenters);
    EXPECT_EQ(a.edgePaths, b.edgePaths);
    EXPECT_EQ(a.reversed, b.reversed);
    EXPECT_EQ(a.width, b.width);
    EXPECT_EQ(a.height, b.height);
    EXPECT_EQ(a.layerCount, b.layerCount);
    EXPECT_EQ(a.crossings, b.crossings);
}

TEST(GraphLayoutTest, LongChainDoesNotOverflowTheStack) {
    constexpr int32_t kCount = 50'000;
    std::vector<std::pair<int32_t, int32_t>> edges;
    for (int32_t v = 0; v + 1 < kCount; ++v)
        edges.emplace_back(v, v + 1);
    edges.emplace_back(kCount - 1, 0);  // a cycle through the whole chain: the DFS goes 50,000 deep
    LayoutGraph graph = uniformGraph(kCount, std::move(edges));
    GraphLayout layout = layoutGraph(graph);
    EXPECT_EQ(layout.layerCount, kCount);
    EXPECT_TRUE(layout.reversed.back());
    EXPECT_EQ(std::count(layout.reversed.begin(), layout.reversed.end(), true), 1);
    expectInvariants(graph, layout);
}

TEST(GraphLayoutTest, CancelStopsEarly) {
    std::atomic<bool> cancel{true};
    LayoutOptions options;
    options.cancel = &cancel;
    GraphLayout layout = layoutGraph(resnetChain(10), options);
    EXPECT_TRUE(layout.cancelled);
    EXPECT_TRUE(layout.nodeCenters.empty());
}

}  // namespace
}  // namespace litescope
