#include "rules/anomaly/behaviour_model.hpp"

#include <algorithm>
#include <cmath>

#include "rules/anomaly/kmeans.hpp"

namespace fg::anomaly {

namespace {

// Smallest spread a feature is measured against: a feature that never varied while learning
// (say, no errors at all) must not turn a tiny change into an enormous z-score.
constexpr FeatureVector kMinScale = {0.25, 0.05, 0.05, 0.05, 0.05, 0.05, 0.5, 0.25, 0.25, 0.25, 0.1, 0.05};

}  // namespace

void BehaviourModel::clear() {
  mean = {};
  scale = {};
  centroids_.clear();
  thresholds_.clear();
  sizes_.clear();
  silhouettes_.clear();
  training_windows = 0;
}

FeatureVector BehaviourModel::normalise(const FeatureVector& raw) const noexcept {
  FeatureVector z{};
  for (int i = 0; i < kFeatureCount; ++i) z[i] = (raw[i] - mean[i]) / scale[i];
  return z;
}

bool BehaviourModel::train(const std::vector<FeatureVector>& windows, std::uint32_t max_k, double margin,
                           std::uint32_t min_windows) {
  clear();
  if (windows.size() < std::max<std::uint32_t>(min_windows, 3)) return false;
  const double n = static_cast<double>(windows.size());
  for (const auto& w : windows)
    for (int i = 0; i < kFeatureCount; ++i) mean[i] += w[i] / n;
  FeatureVector var{};
  for (const auto& w : windows)
    for (int i = 0; i < kFeatureCount; ++i) var[i] += (w[i] - mean[i]) * (w[i] - mean[i]) / n;
  for (int i = 0; i < kFeatureCount; ++i) scale[i] = std::max(std::sqrt(var[i]), kMinScale[i]);

  std::vector<FeatureVector> z;
  z.reserve(windows.size());
  for (const auto& w : windows) z.push_back(normalise(w));
  const KChoice choice = choose_k(z, std::max<std::uint32_t>(max_k, 1));
  silhouettes_ = choice.silhouettes;
  // Training runs on the control thread, which must get back to draining the workers' rings:
  // the centroids come from an evenly spaced sample of at most kFitWindows windows; every
  // window is then assigned to them for the thresholds.
  constexpr std::size_t kFitWindows = 10000;
  std::vector<FeatureVector> fit;
  const std::size_t step = std::max<std::size_t>(1, z.size() / kFitWindows);
  for (std::size_t i = 0; i < z.size(); i += step) fit.push_back(z[i]);
  centroids_ = kmeans(fit, choice.k, 1u).centroids;
  const std::size_t k = centroids_.size();
  KMeansResult km;
  km.labels.resize(z.size());
  for (std::size_t i = 0; i < z.size(); ++i) {
    double best = 1e300;
    for (std::size_t c = 0; c < k; ++c) {
      const double d = squared_distance(z[i], centroids_[c]);
      if (d < best) {
        best = d;
        km.labels[i] = static_cast<std::uint32_t>(c);
      }
    }
  }
  // Threshold per cluster: `margin` × the farthest training window of the cluster, but at
  // least `margin` × the 95th percentile of all training distances, so a small tight cluster
  // does not flag its own neighbourhood.
  std::vector<double> dist(z.size());
  std::vector<double> far(k, 0);
  sizes_.assign(k, 0);
  for (std::size_t i = 0; i < z.size(); ++i) {
    dist[i] = std::sqrt(squared_distance(z[i], centroids_[km.labels[i]]));
    far[km.labels[i]] = std::max(far[km.labels[i]], dist[i]);
    ++sizes_[km.labels[i]];
  }
  std::vector<double> sorted = dist;
  std::sort(sorted.begin(), sorted.end());
  const double p95 = sorted[static_cast<std::size_t>(0.95 * static_cast<double>(sorted.size() - 1))];
  thresholds_.assign(k, 0);
  for (std::size_t c = 0; c < k; ++c) thresholds_[c] = margin * std::max({far[c], p95, 0.5});
  training_windows = static_cast<std::uint32_t>(windows.size());
  return true;
}

BehaviourScore BehaviourModel::score(const FeatureVector& raw) const noexcept {
  BehaviourScore s;
  if (centroids_.empty()) return s;
  const FeatureVector z = normalise(raw);
  // The nearest centroid relative to its threshold: a window belongs to the cluster it is
  // least abnormal for.
  double best = 1e300;
  for (std::size_t c = 0; c < centroids_.size(); ++c) {
    const double d = std::sqrt(squared_distance(z, centroids_[c]));
    if (d / thresholds_[c] < best) {
      best = d / thresholds_[c];
      s.cluster = static_cast<std::uint32_t>(c);
      s.distance = d;
      s.threshold = thresholds_[c];
    }
  }
  std::array<int, kFeatureCount> idx{};
  for (int i = 0; i < kFeatureCount; ++i) idx[i] = i;
  const FeatureVector& c = centroids_[s.cluster];
  std::partial_sort(idx.begin(), idx.begin() + 3, idx.end(),
                    [&](int a, int b) { return std::abs(z[a] - c[a]) > std::abs(z[b] - c[b]); });
  for (int i = 0; i < 3; ++i) {
    s.top[i] = idx[i];
    s.deviation[i] = z[idx[i]] - c[idx[i]];
  }
  return s;
}

}  // namespace fg::anomaly
