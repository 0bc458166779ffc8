// Fuzzes the CSV readers: the first byte picks the energy spectrum
// (Spectrum::from_csv) or the polar coverage (polar_coverage_from_csv, then
// evaluated at the poles and the equator); the rest is the file.
#include "fuzz_support.hpp"
#include "nanodecoh/localization/localization_rate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const bool spectrum = data[0] % 2 == 0;
  const auto path = nanodecoh::fuzz::write_scratch(spectrum ? "spectrum.csv" : "coverage.csv",
                                                   data + 1, size - 1);
  nanodecoh::fuzz::expect_only_nanodecoh_errors([&] {
    using namespace nanodecoh::localization;
    if (spectrum) {
      (void)Spectrum::from_csv(path);
    } else {
      const auto coverage = polar_coverage_from_csv(path);
      for (const Eigen::Vector3d p :
           {Eigen::Vector3d(0, 0, 1), Eigen::Vector3d(1, 0, 0), Eigen::Vector3d(0, 0, -1)})
        (void)coverage(p);
    }
  });
  return 0;
}
