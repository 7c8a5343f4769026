// The learned behaviour model: feature normalisation, k-means centroids with k chosen by
// silhouette, and a distance threshold per cluster. Scores a window by its distance to the
// nearest centroid and names the features that deviate most.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rules/anomaly/behaviour_features.hpp"

namespace fg::anomaly {

struct BehaviourScore {
  double distance = 0;    // to the nearest centroid, in normalised units
  double threshold = 0;   // of that centroid
  std::uint32_t cluster = 0;
  // Features by how far the window sits from the centroid (signed, normalised units), largest first.
  std::array<int, 3> top{};
  std::array<double, 3> deviation{};
  [[nodiscard]] bool outlier() const noexcept { return distance > threshold; }
};

class BehaviourModel {
 public:
  // Trains from the windows of learn mode. False (and no model) with fewer than
  // `min_windows`.
  bool train(const std::vector<FeatureVector>& windows, std::uint32_t max_k, double margin, std::uint32_t min_windows);
  [[nodiscard]] bool trained() const noexcept { return !centroids_.empty(); }
  [[nodiscard]] BehaviourScore score(const FeatureVector& raw) const noexcept;
  [[nodiscard]] FeatureVector normalise(const FeatureVector& raw) const noexcept;

  // State (for persistence and `baseline show`).
  FeatureVector mean{}, scale{};
  std::vector<FeatureVector> centroids_;
  std::vector<double> thresholds_;
  std::vector<std::uint32_t> sizes_;       // training windows per cluster
  std::vector<double> silhouettes_;        // by k = 2..max_k, as chosen
  std::uint32_t training_windows = 0;
  void clear();
};

}  // namespace fg::anomaly
