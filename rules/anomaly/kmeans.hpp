// k-means (k-means++ seeding, Lloyd iterations) and the silhouette score that picks k.
#pragma once

#include <cstdint>
#include <vector>

#include "rules/anomaly/behaviour_features.hpp"

namespace fg::anomaly {

struct KMeansResult {
  std::vector<FeatureVector> centroids;
  std::vector<std::uint32_t> labels;
  double inertia = 0;  // sum of squared distances to the assigned centroid
};

double squared_distance(const FeatureVector& a, const FeatureVector& b) noexcept;

// Deterministic for a given seed: the best of `restarts` runs by inertia.
KMeansResult kmeans(const std::vector<FeatureVector>& points, std::uint32_t k, std::uint32_t seed,
                    std::uint32_t restarts = 4, std::uint32_t max_iterations = 60);

// Mean silhouette (Rousseeuw 1987) of a labelling, in [-1, 1]; 0 for fewer than 2 clusters.
double silhouette(const std::vector<FeatureVector>& points, const std::vector<std::uint32_t>& labels, std::uint32_t k);

struct KChoice {
  std::uint32_t k = 1;
  std::vector<double> silhouettes;  // index k-2 holds k's score (k = 2..max_k)
};

// k = 2..max_k by the highest mean silhouette on (a sample of at most 1500 of) the points;
// k = 1 when no k reaches `min_structure`: the windows form one cloud, not clusters.
KChoice choose_k(const std::vector<FeatureVector>& points, std::uint32_t max_k, double min_structure = 0.25);

}  // namespace fg::anomaly
