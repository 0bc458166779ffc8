// Resume through the CLI (docs/run-files.md): `nanodecoh evolve CONFIG --out B.h5` and then
// `nanodecoh evolve --resume B.h5.ckpt.h5` writes B.h5 (not the configuration's output.file),
// bit-identical to the uninterrupted run; a checkpoint whose stored record or configuration
// was edited is refused as corrupt (exit code 2, one line); the stored configuration text is a
// fixed point of parse + write, so an unedited checkpoint always fits its own configuration.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "evolve_test_configs.hpp"
#include "io/toml_config.hpp"
#include "nanodecoh/io/hdf5_file.hpp"
#include "run_cli.hpp"

using nanodecoh::testing::count_lines;
using nanodecoh::testing::make_temp_dir;
using nanodecoh::testing::run_cli;
using nanodecoh::testing::without_backend_notice;

namespace {

std::string config_text(const std::string& output_file) {
  return nanodecoh::testing::small_cat_config(
      nanodecoh::testing::free_segment("3.0e-4"),
      "file = \"" + output_file + "\"\nfinal_state = true\ncheckpoint_every = 100\n");
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

void expect_refused(const std::vector<std::string>& args, const std::string& fragment) {
  const auto r = run_cli(args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  const std::string err = without_backend_notice(r.err);
  EXPECT_EQ(count_lines(err), 1) << err;
  EXPECT_NE(err.find(fragment), std::string::npos) << err;
}

}  // namespace

TEST(ResumeCli, ResumeWritesWhereTheInterruptedRunWasToldToWrite) {
  const std::string dir = make_temp_dir("resume_cli_out");
  const std::string cfg = dir + "/run.toml", from_config = dir + "/from_config.h5";
  std::ofstream(cfg) << config_text(from_config);
  const std::string b = dir + "/B.h5";
  // The interrupted run is told `--out B.h5` relative to its working directory.
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(dir);
  const auto first = run_cli({"evolve", cfg, "--out", "B.h5", "--quiet"});
  std::filesystem::current_path(previous);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_TRUE(std::filesystem::exists(b + ".ckpt.h5"));  // the last checkpoint, at step 225
  const auto reference = nanodecoh::io::Hdf5File::open_read(b).read_complex("final/rho");
  std::filesystem::rename(b, dir + "/B-first.h5");
  // Resume from another working directory, without --out.
  const std::string elsewhere = make_temp_dir("resume_cli_cwd");
  std::filesystem::current_path(elsewhere);
  const auto resumed = run_cli({"evolve", "--resume", b + ".ckpt.h5", "--quiet"});
  std::filesystem::current_path(previous);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  ASSERT_TRUE(std::filesystem::exists(b)) << "the resumed run did not write " << b;
  EXPECT_FALSE(std::filesystem::exists(from_config)) << "the resumed run wrote output.file";
  const auto again = nanodecoh::io::Hdf5File::open_read(b).read_complex("final/rho");
  ASSERT_EQ(again.size(), reference.size());
  EXPECT_EQ(0, std::memcmp(again.data(), reference.data(), again.size() * sizeof(again[0])));
}

TEST(ResumeCli, EditedRecordOrConfigurationInACheckpointIsRefused) {
  const std::string dir = make_temp_dir("resume_cli_edit");
  const std::string cfg = dir + "/run.toml";
  std::ofstream(cfg) << config_text(dir + "/out.h5");
  ASSERT_EQ(run_cli({"evolve", cfg, "--quiet"}).exit_code, 0);
  const std::string ckpt = dir + "/out.h5.ckpt.h5";
  const std::string good = read_bytes(ckpt);
  // A value of the stored time series: the purity at the last recorded output.
  const auto purity =
      nanodecoh::io::Hdf5File::open_read(ckpt).read_doubles("/record/timeseries/purity");
  ASSERT_FALSE(purity.empty());
  const double stored = purity.back(), edited = std::nextafter(stored, 0.0);
  std::string bytes = good;
  const auto at = bytes.find(std::string(reinterpret_cast<const char*>(&stored), 8));
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 8, std::string(reinterpret_cast<const char*>(&edited), 8));
  write_bytes(dir + "/record.ckpt.h5", bytes);
  expect_refused({"evolve", "--resume", dir + "/record.ckpt.h5", "--out", dir + "/r.h5"},
                 "corrupt");
  // The stored configuration: a rate of 2000 edited to 3000 (same length).
  bytes = good;
  const auto rate = bytes.find("rate = 2000");
  ASSERT_NE(rate, std::string::npos);
  bytes.replace(rate, 11, "rate = 3000");
  write_bytes(dir + "/config.ckpt.h5", bytes);
  expect_refused({"evolve", "--resume", dir + "/config.ckpt.h5", "--out", dir + "/c.h5"},
                 "corrupt");
  EXPECT_FALSE(std::filesystem::exists(dir + "/c.h5"));
}

TEST(ResumeCli, StoredConfigurationReadsBackToItself) {
  // A resumed run compares its configuration, re-read from the checkpoint, with the stored
  // text; that holds only if writing the TOML of a parsed configuration is a fixed point.
  for (const char* example : {"evolve_cat_free_flight.toml", "evolve_trap_release.toml"}) {
    const auto stored =
        nanodecoh::io::Config::from_file(std::string(NANODECOH_SOURCE_DIR) + "/examples/" + example)
            .to_toml();
    EXPECT_EQ(nanodecoh::io::Config::from_string(stored, "checkpoint").to_toml(), stored)
        << example;
  }
}
