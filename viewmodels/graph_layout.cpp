// Layered layout in five near-linear phases: cycle breaking, layering, long-edge splitting, barycenter
// ordering and isotonic-regression placement. Every container is indexed, so the output is deterministic.
#include "viewmodels/graph_layout.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace litescope {
namespace {

// Compressed adjacency: the neighbours of v are targets[offsets[v] .. offsets[v + 1]), in insertion order.
struct Adjacency {
    std::vector<int32_t> offsets;
    std::vector<int32_t> targets;
    std::vector<int32_t> payload;  // e.g. the edge index of each entry

    int32_t begin(int32_t v) const { return offsets[v]; }
    int32_t end(int32_t v) const { return offsets[v + 1]; }
    int32_t degree(int32_t v) const { return offsets[v + 1] - offsets[v]; }
};

Adjacency buildAdjacency(int32_t nodeCount, const std::vector<std::pair<int32_t, int32_t>>& arcs,
                         const std::vector<int32_t>& payload) {
    Adjacency adj;
    adj.offsets.assign(static_cast<size_t>(nodeCount) + 1, 0);
    for (const auto& [from, to] : arcs)
        ++adj.offsets[from + 1];
    std::partial_sum(adj.offsets.begin(), adj.offsets.end(), adj.offsets.begin());
    adj.targets.resize(arcs.size());
    adj.payload.resize(arcs.size());
    std::vector<int32_t> cursor(adj.offsets.begin(), adj.offsets.end() - 1);
    for (size_t i = 0; i < arcs.size(); ++i) {
        int32_t slot = cursor[arcs[i].first]++;
        adj.targets[slot] = arcs[i].second;
        adj.payload[slot] = payload[i];
    }
    return adj;
}

double sanitize(double value, double fallback) {
    return std::isfinite(value) && value >= 0 ? value : fallback;
}

class Layouter {
  public:
    Layouter(const LayoutGraph& graph, const LayoutOptions& options) : graph_(graph), options_(options) {
        nodeGap_ = sanitize(options.nodeGap, 20);
        layerGap_ = sanitize(options.layerGap, 40);
    }

    GraphLayout run() {
        collectEdges();
        if (cancelled()) return cancelledResult();
        breakCycles();
        if (cancelled()) return cancelledResult();
        assignLayers();
        splitLongEdges();
        if (cancelled()) return cancelledResult();
        orderLayers();
        if (cancelled()) return cancelledResult();
        placeHorizontally();
        if (cancelled()) return cancelledResult();
        return buildResult();
    }

  private:
    bool cancelled() const { return options_.cancel && options_.cancel->load(std::memory_order_relaxed); }

    static GraphLayout cancelledResult() {
        GraphLayout result;
        result.cancelled = true;
        return result;
    }

    // Self-loops and out-of-range edges take no part in layering; they are drawn (or not) at the end.
    void collectEdges() {
        nodeCount_ = static_cast<int32_t>(
            std::min<size_t>(graph_.nodes.size(), std::numeric_limits<int32_t>::max() / 4));
        edgeReversed_.assign(graph_.edges.size(), false);
        for (size_t e = 0; e < graph_.edges.size(); ++e) {
            auto [from, to] = graph_.edges[e];
            if (from < 0 || to < 0 || from >= nodeCount_ || to >= nodeCount_ || from == to) continue;
            layeredEdges_.push_back(static_cast<int32_t>(e));
        }
    }

    // Iterative DFS (long chains would overflow a recursive one), roots taken sources first so that the
    // edges it reverses are true back edges of the intended flow rather than of an arbitrary start node.
    void breakCycles() {
        std::vector<std::pair<int32_t, int32_t>> arcs;
        arcs.reserve(layeredEdges_.size());
        std::vector<int32_t> inDegree(nodeCount_, 0);
        for (int32_t e : layeredEdges_) {
            arcs.push_back(graph_.edges[e]);
            ++inDegree[graph_.edges[e].second];
        }
        Adjacency out = buildAdjacency(nodeCount_, arcs, layeredEdges_);

        std::vector<int32_t> roots;
        roots.reserve(nodeCount_);
        for (int32_t v = 0; v < nodeCount_; ++v)
            if (inDegree[v] == 0) roots.push_back(v);
        for (int32_t v = 0; v < nodeCount_; ++v)
            if (inDegree[v] != 0) roots.push_back(v);

        enum : uint8_t { Unseen, OnStack, Done };
        std::vector<uint8_t> state(nodeCount_, Unseen);
        std::vector<std::pair<int32_t, int32_t>> stack;  // (node, next adjacency slot)
        for (int32_t root : roots) {
            if (state[root] != Unseen) continue;
            state[root] = OnStack;
            stack.emplace_back(root, out.begin(root));
            while (!stack.empty()) {
                auto& [v, slot] = stack.back();
                if (slot == out.end(v)) {
                    state[v] = Done;
                    stack.pop_back();
                    continue;
                }
                int32_t w = out.targets[slot];
                int32_t edge = out.payload[slot];
                ++slot;
                if (state[w] == OnStack) {
                    edgeReversed_[edge] = true;
                } else if (state[w] == Unseen) {
                    state[w] = OnStack;
                    stack.emplace_back(w, out.begin(w));  // invalidates v and slot: not used after this
                }
            }
        }
    }

    std::pair<int32_t, int32_t> dagEdge(int32_t e) const {
        auto [from, to] = graph_.edges[e];
        return edgeReversed_[e] ? std::pair{to, from} : std::pair{from, to};
    }

    // Longest path from the sources, then nodes with more outgoing than incoming edges slide down next to
    // their successors: that shortens the drawing's total edge length (constants and side inputs no longer
    // hang from the top of the graph), and processing in reverse topological order makes it one pass.
    void assignLayers() {
        std::vector<std::pair<int32_t, int32_t>> arcs;
        arcs.reserve(layeredEdges_.size());
        for (int32_t e : layeredEdges_)
            arcs.push_back(dagEdge(e));
        Adjacency out = buildAdjacency(nodeCount_, arcs, layeredEdges_);
        std::vector<int32_t> inDegree(nodeCount_, 0);
        for (const auto& arc : arcs)
            ++inDegree[arc.second];

        std::vector<int32_t> topo;
        topo.reserve(nodeCount_);
        std::vector<int32_t> remaining = inDegree;
        for (int32_t v = 0; v < nodeCount_; ++v)
            if (remaining[v] == 0) topo.push_back(v);
        for (size_t head = 0; head < topo.size(); ++head) {
            int32_t v = topo[head];
            for (int32_t s = out.begin(v); s < out.end(v); ++s)
                if (--remaining[out.targets[s]] == 0) topo.push_back(out.targets[s]);
        }

        layer_.assign(nodeCount_, 0);
        for (int32_t v : topo)
            for (int32_t s = out.begin(v); s < out.end(v); ++s)
                layer_[out.targets[s]] = std::max(layer_[out.targets[s]], layer_[v] + 1);

        for (auto it = topo.rbegin(); it != topo.rend(); ++it) {
            int32_t v = *it;
            if (out.degree(v) <= inDegree[v]) continue;
            int32_t lowest = std::numeric_limits<int32_t>::max();
            for (int32_t s = out.begin(v); s < out.end(v); ++s)
                lowest = std::min(lowest, layer_[out.targets[s]]);
            layer_[v] = lowest - 1;
        }

        // Sliding can empty layers; renumbering keeps every edge's direction and shortens the drawing.
        int32_t maxLayer = 0;
        for (int32_t l : layer_)
            maxLayer = std::max(maxLayer, l);
        std::vector<int32_t> used(static_cast<size_t>(maxLayer) + 1, 0);
        for (int32_t l : layer_)
            used[l] = 1;
        std::vector<int32_t> remap(used.size(), 0);
        int32_t next = 0;
        for (size_t l = 0; l < used.size(); ++l)
            if (used[l]) remap[l] = next++;
        for (int32_t& l : layer_)
            l = remap[l];
        layerCount_ = nodeCount_ == 0 ? 0 : next;
    }

    // Long edges become chains of zero-width dummy nodes, one per layer crossed, so that ordering and
    // placement only ever look at adjacent layers.
    void splitLongEdges() {
        width_.resize(nodeCount_);
        height_.resize(nodeCount_);
        for (int32_t v = 0; v < nodeCount_; ++v) {
            width_[v] = sanitize(graph_.nodes[v].width, 0);
            height_[v] = sanitize(graph_.nodes[v].height, 0);
        }
        std::vector<std::pair<int32_t, int32_t>> segments;
        std::vector<int32_t> segmentWeight;
        chainOffsets_.assign(1, 0);
        for (int32_t e : layeredEdges_) {
            auto [u, v] = dagEdge(e);
            int32_t previous = u;
            chainNodes_.push_back(u);
            for (int32_t l = layer_[u] + 1; l < layer_[v]; ++l) {
                int32_t dummy = static_cast<int32_t>(layer_.size());
                layer_.push_back(l);
                width_.push_back(0);
                height_.push_back(0);
                segments.emplace_back(previous, dummy);
                chainNodes_.push_back(dummy);
                previous = dummy;
            }
            segments.emplace_back(previous, v);
            chainNodes_.push_back(v);
            chainOffsets_.push_back(static_cast<int32_t>(chainNodes_.size()));
        }
        totalCount_ = static_cast<int32_t>(layer_.size());
        // Straight long edges matter most to the eye: dummy-to-dummy segments pull hardest (as in dot).
        for (const auto& [a, b] : segments)
            segmentWeight.push_back(isDummy(a) && isDummy(b) ? 8 : isDummy(a) || isDummy(b) ? 2 : 1);
        down_ = buildAdjacency(totalCount_, segments, segmentWeight);
        std::vector<std::pair<int32_t, int32_t>> reversedSegments;
        reversedSegments.reserve(segments.size());
        for (const auto& [a, b] : segments)
            reversedSegments.emplace_back(b, a);
        up_ = buildAdjacency(totalCount_, reversedSegments, segmentWeight);
    }

    bool isDummy(int32_t v) const { return v >= nodeCount_; }

    // Initial order from a DFS over the proper graph, so that each branch starts out contiguous; then
    // barycenter sweeps, keeping the best order seen (a sweep can make things worse).
    void orderLayers() {
        layers_.assign(layerCount_, {});
        position_.assign(totalCount_, 0);
        std::vector<uint8_t> seen(totalCount_, 0);
        std::vector<std::pair<int32_t, int32_t>> stack;
        auto visit = [&](int32_t v) {
            seen[v] = 1;
            position_[v] = static_cast<int32_t>(layers_[layer_[v]].size());
            layers_[layer_[v]].push_back(v);
            stack.emplace_back(v, down_.begin(v));
        };
        for (int32_t root = 0; root < totalCount_; ++root) {
            if (seen[root] || up_.degree(root) != 0) continue;
            visit(root);
            while (!stack.empty()) {
                auto& [v, slot] = stack.back();
                if (slot == down_.end(v)) {
                    stack.pop_back();
                    continue;
                }
                int32_t w = down_.targets[slot++];
                if (!seen[w]) visit(w);
            }
        }

        int64_t best = countCrossings();
        std::vector<std::vector<int32_t>> bestLayers = layers_;
        std::vector<double> key;
        for (int sweep = 0; sweep < options_.crossingSweeps && best > 0; ++sweep) {
            if (cancelled()) return;
            for (int32_t l = 1; l < layerCount_; ++l)
                sortByBarycenter(l, up_, key);
            for (int32_t l = layerCount_ - 2; l >= 0; --l)
                sortByBarycenter(l, down_, key);
            int64_t crossings = countCrossings();
            if (crossings < best) {
                best = crossings;
                bestLayers = layers_;
            }
        }
        layers_ = std::move(bestLayers);
        for (const auto& nodes : layers_)
            for (size_t i = 0; i < nodes.size(); ++i)
                position_[nodes[i]] = static_cast<int32_t>(i);
        crossings_ = best;
    }

    // A node with no neighbour in the fixed layer keeps its current position as its key, so it stays put.
    void sortByBarycenter(int32_t l, const Adjacency& fixed, std::vector<double>& key) {
        auto& nodes = layers_[l];
        key.resize(totalCount_);
        for (int32_t v : nodes) {
            if (fixed.degree(v) == 0) {
                key[v] = position_[v];
                continue;
            }
            double sum = 0;
            for (int32_t s = fixed.begin(v); s < fixed.end(v); ++s)
                sum += position_[fixed.targets[s]];
            key[v] = sum / fixed.degree(v);
        }
        std::stable_sort(nodes.begin(), nodes.end(), [&](int32_t a, int32_t b) { return key[a] < key[b]; });
        for (size_t i = 0; i < nodes.size(); ++i)
            position_[nodes[i]] = static_cast<int32_t>(i);
    }

    // Bilayer crossings as inversions of the lower endpoints in upper-endpoint order (Barth, Juenger and
    // Mutzel), counted with a Fenwick tree: O(E log V) per layer pair.
    int64_t countCrossings() {
        int64_t total = 0;
        std::vector<int32_t> lower;
        std::vector<int32_t> tree;
        for (int32_t l = 0; l + 1 < layerCount_; ++l) {
            lower.clear();
            for (int32_t v : layers_[l]) {
                size_t first = lower.size();
                for (int32_t s = down_.begin(v); s < down_.end(v); ++s)
                    lower.push_back(position_[down_.targets[s]]);
                std::sort(lower.begin() + static_cast<std::ptrdiff_t>(first), lower.end());
            }
            size_t size = layers_[l + 1].size();
            tree.assign(size + 1, 0);
            int64_t inserted = 0;
            for (int32_t p : lower) {
                int64_t atMost = 0;
                for (size_t i = static_cast<size_t>(p) + 1; i > 0; i -= i & (~i + 1))
                    atMost += tree[i];
                total += inserted - atMost;
                for (size_t i = static_cast<size_t>(p) + 1; i <= size; i += i & (~i + 1))
                    ++tree[i];
                ++inserted;
            }
        }
        return total;
    }

    double separation(int32_t a, int32_t b) const { return (width_[a] + width_[b]) / 2 + nodeGap_; }

    // Each pass moves every layer, top down then bottom up, as close as it can to where its neighbours in
    // both adjacent layers pull it, without reordering or overlap. Pulling from one side only (dot's
    // alternating sweeps) lets the spine of a deep network drift sideways block after block.
    void placeHorizontally() {
        x_.assign(totalCount_, 0);
        for (const auto& nodes : layers_) {
            double cursor = 0;
            for (size_t i = 0; i < nodes.size(); ++i) {
                if (i > 0) cursor += separation(nodes[i - 1], nodes[i]);
                x_[nodes[i]] = cursor;
            }
            for (int32_t v : nodes)
                x_[v] -= cursor / 2;  // centred, so that chains start out aligned
        }
        for (int pass = 0; pass < options_.coordinatePasses; ++pass) {
            if (cancelled()) return;
            for (int32_t l = 0; l < layerCount_; ++l)
                placeLayer(l, &up_, &down_);
            for (int32_t l = layerCount_ - 1; l >= 0; --l)
                placeLayer(l, &up_, &down_);
        }
    }

    // Minimising sum w_i (x_i - d_i)^2 subject to x_{i+1} - x_i >= gap_i is, after subtracting the cumulative
    // gaps, an isotonic regression: pool-adjacent-violators solves it exactly in linear time.
    void placeLayer(int32_t l, const Adjacency* first, const Adjacency* second) {
        const auto& nodes = layers_[l];
        size_t count = nodes.size();
        offset_.resize(count);
        blocks_.clear();
        double cumulative = 0;
        for (size_t i = 0; i < count; ++i) {
            int32_t v = nodes[i];
            if (i > 0) cumulative += separation(nodes[i - 1], v);
            offset_[i] = cumulative;
            double weightSum = 0, pull = 0;
            for (const Adjacency* adj : {first, second}) {
                if (!adj) continue;
                for (int32_t s = adj->begin(v); s < adj->end(v); ++s) {
                    weightSum += adj->payload[s];
                    pull += adj->payload[s] * x_[adj->targets[s]];
                }
            }
            // Unconnected nodes hold their place only weakly so that connected ones can push them aside.
            double target = weightSum > 0 ? pull / weightSum : x_[v];
            double weight = weightSum > 0 ? weightSum : 0.01;
            Block block{weight, weight * (target - cumulative), 1};
            while (!blocks_.empty() && blocks_.back().mean() >= block.mean()) {
                block.weight += blocks_.back().weight;
                block.weighted += blocks_.back().weighted;
                block.count += blocks_.back().count;
                blocks_.pop_back();
            }
            blocks_.push_back(block);
        }
        size_t i = 0;
        for (const Block& block : blocks_) {
            double mean = block.mean();
            for (size_t k = 0; k < block.count; ++k, ++i)
                x_[nodes[i]] = mean + offset_[i];
        }
    }

    GraphLayout buildResult() {
        GraphLayout result;
        result.layerCount = layerCount_;
        result.crossings = crossings_;

        std::vector<double> layerHeight(layerCount_, 0);
        for (int32_t v = 0; v < nodeCount_; ++v)
            layerHeight[layer_[v]] = std::max(layerHeight[layer_[v]], height_[v]);
        std::vector<double> centerY(layerCount_, 0);
        for (int32_t l = 1; l < layerCount_; ++l) {
            double pitch = (layerHeight[l - 1] + layerHeight[l]) / 2 + layerGap_;
            centerY[l] = centerY[l - 1] + std::max(pitch, 1.0);  // strictly downwards even with no gaps
        }

        result.nodeCenters.resize(nodeCount_);
        for (int32_t v = 0; v < nodeCount_; ++v)
            result.nodeCenters[v] = {x_[v], centerY[layer_[v]]};
        auto center = [&](int32_t v) { return Point{x_[v], centerY[layer_[v]]}; };
        auto bottom = [&](int32_t v) { return Point{x_[v], centerY[layer_[v]] + height_[v] / 2}; };
        auto top = [&](int32_t v) { return Point{x_[v], centerY[layer_[v]] - height_[v] / 2}; };

        result.edgePaths.resize(graph_.edges.size());
        result.reversed = edgeReversed_;
        for (size_t k = 0; k < layeredEdges_.size(); ++k) {
            auto& path = result.edgePaths[layeredEdges_[k]];
            int32_t begin = chainOffsets_[k], end = chainOffsets_[k + 1];
            path.push_back(bottom(chainNodes_[begin]));
            for (int32_t i = begin + 1; i + 1 < end; ++i)
                path.push_back(center(chainNodes_[i]));
            path.push_back(top(chainNodes_[end - 1]));
            if (edgeReversed_[layeredEdges_[k]]) {
                std::reverse(path.begin(), path.end());
                path.front() = top(chainNodes_[end - 1]);
                path.back() = bottom(chainNodes_[begin]);
            }
        }
        for (size_t e = 0; e < graph_.edges.size(); ++e) {
            auto [from, to] = graph_.edges[e];
            if (from != to || from < 0 || from >= nodeCount_) continue;
            // Within half a gap of the node, so it never reaches a neighbour.
            Point c = center(from);
            double right = c.x + width_[from] / 2, loop = nodeGap_ / 2, rise = height_[from] / 4;
            result.edgePaths[e] = {{right, c.y - rise},
                                   {right + loop, c.y - rise},
                                   {right + loop, c.y + rise},
                                   {right, c.y + rise}};
        }

        double minX = std::numeric_limits<double>::infinity(), minY = minX;
        double maxX = -minX, maxY = -minX;
        auto extend = [&](double x0, double y0, double x1, double y1) {
            minX = std::min(minX, x0);
            minY = std::min(minY, y0);
            maxX = std::max(maxX, x1);
            maxY = std::max(maxY, y1);
        };
        for (int32_t v = 0; v < nodeCount_; ++v) {
            const Point& c = result.nodeCenters[v];
            extend(c.x - width_[v] / 2, c.y - height_[v] / 2, c.x + width_[v] / 2, c.y + height_[v] / 2);
        }
        for (const auto& path : result.edgePaths)
            for (const Point& p : path)
                extend(p.x, p.y, p.x, p.y);
        if (nodeCount_ == 0) return result;
        for (Point& c : result.nodeCenters)
            c = {c.x - minX, c.y - minY};
        for (auto& path : result.edgePaths)
            for (Point& p : path)
                p = {p.x - minX, p.y - minY};
        result.width = maxX - minX;
        result.height = maxY - minY;
        return result;
    }

    struct Block {
        double weight;
        double weighted;
        size_t count;
        double mean() const { return weighted / weight; }
    };

    const LayoutGraph& graph_;
    const LayoutOptions& options_;
    double nodeGap_ = 0;
    double layerGap_ = 0;
    int32_t nodeCount_ = 0;   // real nodes: 0 .. nodeCount_ - 1
    int32_t totalCount_ = 0;  // real and dummy nodes
    int32_t layerCount_ = 0;
    int64_t crossings_ = 0;
    std::vector<int32_t> layeredEdges_;  // input edges that take part in layering (no self-loops)
    std::vector<bool> edgeReversed_;
    std::vector<int32_t> layer_;
    std::vector<double> width_;
    std::vector<double> height_;
    std::vector<int32_t> chainNodes_;  // per layered edge: its source, dummies and target (DAG direction)
    std::vector<int32_t> chainOffsets_;
    Adjacency down_;  // proper graph, payload = segment weight
    Adjacency up_;
    std::vector<std::vector<int32_t>> layers_;
    std::vector<int32_t> position_;
    std::vector<double> x_;
    std::vector<double> offset_;
    std::vector<Block> blocks_;
};

}  // namespace

GraphLayout layoutGraph(const LayoutGraph& graph, const LayoutOptions& options) {
    return Layouter(graph, options).run();
}

}  // namespace litescope
