// Behaviour clustering: features of a window, k-means, k by silhouette, scoring and the
// features an outlier is named by.
#include <catch2/catch.hpp>

#include <random>

#include "rules/anomaly/behaviour_model.hpp"
#include "rules/anomaly/kmeans.hpp"
#include "tests/unit/rules/anomaly/anomaly_test_support.hpp"

using namespace fg;
using namespace fg::anomaly;
using namespace fg::anomaly::test;

namespace {

constexpr std::uint64_t kSec = 1'000'000'000ull;

// Points around `centres`, Gaussian noise of `sd` in every feature.
std::vector<FeatureVector> blobs(const std::vector<double>& centres, int per, double sd, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0, sd);
  std::vector<FeatureVector> pts;
  for (double c : centres)
    for (int i = 0; i < per; ++i) {
      FeatureVector v{};
      for (int f = 0; f < kFeatureCount; ++f) v[f] = (f % 3 == 0 ? c : -c) + noise(rng);
      pts.push_back(v);
    }
  return pts;
}

}  // namespace

TEST_CASE("k-means finds well separated clusters and the silhouette picks their number") {
  const auto pts = blobs({0, 10, 20}, 100, 0.5, 1);
  const KChoice c = choose_k(pts, 8);
  CHECK(c.k == 3);
  REQUIRE(c.silhouettes.size() == 7);
  CHECK(c.silhouettes[1] > 0.8);  // k = 3
  const KMeansResult r = kmeans(pts, 3, 1);
  CHECK(r.centroids.size() == 3);
  for (int b = 0; b < 3; ++b)
    for (int i = 1; i < 100; ++i) CHECK(r.labels[b * 100 + i] == r.labels[b * 100]);
}

TEST_CASE("one cloud without structure is one cluster") {
  const auto pts = blobs({0}, 300, 1.0, 2);
  CHECK(choose_k(pts, 8).k == 1);
}

TEST_CASE("the model accepts its training windows and names the features of a far window") {
  const auto pts = blobs({0, 10}, 200, 0.5, 3);
  BehaviourModel m;
  REQUIRE(m.train(pts, 8, 1.5, 30));
  CHECK(m.centroids_.size() == 2);
  for (const auto& p : pts) CHECK_FALSE(m.score(p).outlier());
  FeatureVector odd = pts[0];
  odd[7] += 40;  // address entropy far off
  odd[1] -= 25;
  const BehaviourScore s = m.score(odd);
  CHECK(s.outlier());
  CHECK(s.top[0] == 7);
  CHECK(s.deviation[0] > 0);
  CHECK(s.top[1] == 1);
  CHECK(s.deviation[1] < 0);
}

TEST_CASE("too few windows train no model") {
  BehaviourModel m;
  CHECK_FALSE(m.train(blobs({0}, 10, 1, 4), 8, 1.5, 30));
  CHECK_FALSE(m.trained());
  CHECK_FALSE(m.score(FeatureVector{}).outlier());
}

TEST_CASE("a window's features: rate, write mix, address span and entropy, inter-arrival") {
  WindowAccumulator w;
  w.reset(0);
  Observation o;
  for (int i = 0; i < 10; ++i) {
    REQUIRE(observe(modbus_request(10, 101, i * kSec / 2, 1, i < 8 ? 3 : 6, static_cast<std::uint16_t>(i * 100), 1,
                                   i < 8 ? std::vector<std::uint16_t>{} : std::vector<std::uint16_t>{5}), o));
    w.add(o);
  }
  const FeatureVector f = w.features(10 * kSec);
  CHECK(f[0] == Approx(std::log1p(1.0)));       // 10 requests in 10 s
  CHECK(f[1] == Approx(0.2));                    // 2 writes of 10 reads and writes
  CHECK(f[2] == Approx(0.8));
  CHECK(f[3] == Approx(0.2));
  CHECK(f[6] == Approx(std::log1p(900.0)));      // addresses 0..900
  CHECK(f[7] > 2.5);                             // ten distinct addresses: high entropy
  CHECK(f[8] == Approx(std::log1p(500.0)));      // 500 ms apart
  CHECK(f[9] == Approx(0.0).margin(1e-6));       // exactly periodic
}
