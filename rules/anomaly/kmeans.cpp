#include "rules/anomaly/kmeans.hpp"

#include <algorithm>
#include <limits>
#include <random>

namespace fg::anomaly {

double squared_distance(const FeatureVector& a, const FeatureVector& b) noexcept {
  double s = 0;
  for (int i = 0; i < kFeatureCount; ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return s;
}

namespace {

KMeansResult run_once(const std::vector<FeatureVector>& pts, std::uint32_t k, std::mt19937& rng,
                      std::uint32_t max_iterations) {
  const std::size_t n = pts.size();
  KMeansResult r;
  // k-means++ seeding: each next centre drawn with probability proportional to D(x)^2.
  std::uniform_int_distribution<std::size_t> pick(0, n - 1);
  r.centroids.push_back(pts[pick(rng)]);
  std::vector<double> d2(n, std::numeric_limits<double>::max());
  while (r.centroids.size() < k) {
    double total = 0;
    for (std::size_t i = 0; i < n; ++i) {
      d2[i] = std::min(d2[i], squared_distance(pts[i], r.centroids.back()));
      total += d2[i];
    }
    if (total <= 0) break;  // fewer distinct points than k
    std::uniform_real_distribution<double> u(0, total);
    double target = u(rng);
    std::size_t chosen = n - 1;
    for (std::size_t i = 0; i < n; ++i) {
      target -= d2[i];
      if (target <= 0) { chosen = i; break; }
    }
    r.centroids.push_back(pts[chosen]);
  }
  const std::size_t kk = r.centroids.size();
  r.labels.assign(n, 0);
  for (std::uint32_t it = 0; it < max_iterations; ++it) {
    bool changed = it == 0;
    for (std::size_t i = 0; i < n; ++i) {
      std::uint32_t best = 0;
      double bd = std::numeric_limits<double>::max();
      for (std::size_t c = 0; c < kk; ++c) {
        const double d = squared_distance(pts[i], r.centroids[c]);
        if (d < bd) { bd = d; best = static_cast<std::uint32_t>(c); }
      }
      if (r.labels[i] != best) { r.labels[i] = best; changed = true; }
    }
    if (!changed) break;
    std::vector<FeatureVector> sum(kk, FeatureVector{});
    std::vector<std::size_t> cnt(kk, 0);
    for (std::size_t i = 0; i < n; ++i) {
      for (int f = 0; f < kFeatureCount; ++f) sum[r.labels[i]][f] += pts[i][f];
      ++cnt[r.labels[i]];
    }
    for (std::size_t c = 0; c < kk; ++c) {
      if (cnt[c] == 0) continue;  // an emptied cluster keeps its centre
      for (int f = 0; f < kFeatureCount; ++f) r.centroids[c][f] = sum[c][f] / static_cast<double>(cnt[c]);
    }
  }
  r.inertia = 0;
  for (std::size_t i = 0; i < n; ++i) r.inertia += squared_distance(pts[i], r.centroids[r.labels[i]]);
  return r;
}

}  // namespace

KMeansResult kmeans(const std::vector<FeatureVector>& points, std::uint32_t k, std::uint32_t seed,
                    std::uint32_t restarts, std::uint32_t max_iterations) {
  KMeansResult best;
  if (points.empty() || k == 0) return best;
  std::mt19937 rng(seed);
  k = std::min<std::uint32_t>(k, static_cast<std::uint32_t>(points.size()));
  best.inertia = std::numeric_limits<double>::max();
  for (std::uint32_t r = 0; r < std::max<std::uint32_t>(restarts, 1); ++r) {
    KMeansResult cur = run_once(points, k, rng, max_iterations);
    if (cur.inertia < best.inertia) best = std::move(cur);
  }
  return best;
}

double silhouette(const std::vector<FeatureVector>& pts, const std::vector<std::uint32_t>& labels, std::uint32_t k) {
  const std::size_t n = pts.size();
  if (k < 2 || n < 3) return 0;
  std::vector<std::size_t> size(k, 0);
  for (auto l : labels) ++size[l];
  double total = 0;
  std::vector<double> sum(k);
  for (std::size_t i = 0; i < n; ++i) {
    std::fill(sum.begin(), sum.end(), 0.0);
    for (std::size_t j = 0; j < n; ++j)
      if (j != i) sum[labels[j]] += std::sqrt(squared_distance(pts[i], pts[j]));
    const std::uint32_t own = labels[i];
    if (size[own] <= 1) continue;  // s(i) = 0 for singletons
    const double a = sum[own] / static_cast<double>(size[own] - 1);
    double b = std::numeric_limits<double>::max();
    for (std::uint32_t c = 0; c < k; ++c)
      if (c != own && size[c] > 0) b = std::min(b, sum[c] / static_cast<double>(size[c]));
    if (b == std::numeric_limits<double>::max()) continue;
    const double m = std::max(a, b);
    total += m > 0 ? (b - a) / m : 0;
  }
  return total / static_cast<double>(n);
}

KChoice choose_k(const std::vector<FeatureVector>& points, std::uint32_t max_k, double min_structure) {
  KChoice out;
  if (points.size() < 3) return out;
  // Silhouette is quadratic: score k on an evenly spaced sample.
  std::vector<FeatureVector> sample;
  const std::size_t step = std::max<std::size_t>(1, points.size() / 1500);
  for (std::size_t i = 0; i < points.size(); i += step) sample.push_back(points[i]);
  double best = min_structure;
  for (std::uint32_t k = 2; k <= max_k && k < sample.size(); ++k) {
    const KMeansResult r = kmeans(sample, k, 7919u + k);
    const double s = silhouette(sample, r.labels, static_cast<std::uint32_t>(r.centroids.size()));
    out.silhouettes.push_back(s);
    if (s > best) { best = s; out.k = k; }
  }
  return out;
}

}  // namespace fg::anomaly
