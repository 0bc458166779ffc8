// CLI contract for input parsing and messages (issue: nothing silently wrong): integers
// range-checked before narrowing, inline tables in --set, directories as input files, the time
// step against each segment, unknown subcommands, errors naming the key or flag the user wrote,
// and no CPU-fallback notice before an input error. Each case: exit code 2, one line on stderr.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "nanodecoh/io/hdf5_file.hpp"
#include "run_cli.hpp"

namespace {

using nanodecoh::testing::count_lines;
using nanodecoh::testing::make_temp_dir;
using nanodecoh::testing::run_cli;

const char* kEvolveConfig = R"(
[particle]
mass = 1e-20
[[axes]]
name = "x"
points = 32
step = 1.0e-9
[initial]
kind = "cat"
width = 2.0e-9
separation = 8.0e-9
[time]
step = 1.0e-6
outputs = 3
[[protocol]]
duration = 1.0e-4
[[protocol]]
duration = 5.0e-5
potential = "harmonic"
frequency = 1.0e3
[[channels]]
kind = "gaussian"
rate = 2000.0
length = 4.0e-9
[output]
final_state = true
)";

std::string write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

std::string ftable_example() {
  return std::string(NANODECOH_SOURCE_DIR) + "/examples/ftable.toml";
}

/// Exit code 2, nothing on stdout, exactly one line on stderr (no backend notice before it:
/// the notice is not filtered out) containing every fragment.
void expect_input_error(const std::vector<std::string>& args,
                        const std::vector<std::string>& fragments) {
  const auto r = run_cli(args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  for (const auto& fragment : fragments)
    EXPECT_NE(r.err.find(fragment), std::string::npos)
        << "expected '" << fragment << "' in: " << r.err;
}

std::vector<std::complex<double>> final_rho(const std::string& path) {
  return nanodecoh::io::Hdf5File::open_read(path).read_complex("final/rho");
}

TEST(CliInputs, FtableCountBeyondIntIsRefusedNotWrapped) {
  const std::string dir = make_temp_dir("cli_inputs_count");
  expect_input_error({"ftable", ftable_example(), "--out", dir + "/t.h5", "--set",
                      "orientations.count=4294967300"},
                     {"orientations.count", "4294967300", "2147483647"});
  EXPECT_FALSE(std::filesystem::exists(dir + "/t.h5"));
}

// An inline table replaces the element it names: the run equals one with the same keys set one
// by one (bitwise, same arithmetic), and differs from the file's own channel.
TEST(CliInputs, InlineTableInSetReplacesTheElement) {
  const std::string dir = make_temp_dir("cli_inputs_inline");
  const std::string cfg = write(dir + "/run.toml", kEvolveConfig);
  const auto inline_run =
      run_cli({"evolve", cfg, "--out", dir + "/a.h5", "--quiet", "--backend", "cpu", "--set",
               "channels[0]={kind=\"gaussian\", rate=5.0, length=1e-9}"});
  ASSERT_EQ(inline_run.exit_code, 0) << inline_run.err;
  const auto keyed_run =
      run_cli({"evolve", cfg, "--out", dir + "/b.h5", "--quiet", "--backend", "cpu", "--set",
               "channels[0].rate=5.0", "--set", "channels[0].length=1e-9"});
  ASSERT_EQ(keyed_run.exit_code, 0) << keyed_run.err;
  const auto file_run =
      run_cli({"evolve", cfg, "--out", dir + "/c.h5", "--quiet", "--backend", "cpu"});
  ASSERT_EQ(file_run.exit_code, 0) << file_run.err;
  const auto a = final_rho(dir + "/a.h5"), b = final_rho(dir + "/b.h5"),
             c = final_rho(dir + "/c.h5");
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(a[0])));
  EXPECT_NE(0, std::memcmp(a.data(), c.data(), a.size() * sizeof(a[0])));
  // Index = size appends a second channel: the purity drops further than with one channel.
  const auto appended = run_cli({"evolve", cfg, "--out", dir + "/d.h5", "--quiet", "--backend",
                                 "cpu", "--set", "channels[1]={kind=\"diffusive\", lambda=1e20}"});
  ASSERT_EQ(appended.exit_code, 0) << appended.err;
  const auto purity = [](const std::string& path) {
    return nanodecoh::io::Hdf5File::open_read(path).read_doubles("timeseries/purity").back();
  };
  EXPECT_LT(purity(dir + "/d.h5"), purity(dir + "/c.h5"));
  // Anything else for an element, or an index past the end, is refused.
  expect_input_error({"evolve", cfg, "--out", dir + "/x.h5", "--set", "channels[0]=5"},
                     {"--set", "inline table"});
  expect_input_error(
      {"evolve", cfg, "--out", dir + "/x.h5", "--set", "channels[3]={kind=\"gaussian\"}"},
      {"--set", "channels[3]"});
  // Keys of an inline table are checked like the file's own.
  expect_input_error({"evolve", cfg, "--out", dir + "/x.h5", "--set",
                      "channels[0]={kind=\"gaussian\", rate=5.0, lenght=1e-9}"},
                     {"channels[0]."});
}

TEST(CliInputs, DirectoryAsAnyInputFileIsExit2WithThePath) {
  const std::string dir = make_temp_dir("cli_inputs_dir");
  const std::string sub = dir + "/adir";
  std::filesystem::create_directory(sub);
  const std::string cfg = write(dir + "/run.toml", kEvolveConfig);
  const std::vector<std::string> sphere = {
      "localization",       "--body",    "sphere", "--radius", "75e-9",
      "--emitted-mass-amu", "18",        "--rate", "1",        "--dx",
      "1e-11,0,0",          "--backend", "cpu"};
  auto with = [](std::vector<std::string> args, const std::vector<std::string>& extra) {
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  expect_input_error({"ftable", sub}, {"adir"});
  expect_input_error({"evolve", sub}, {"adir"});
  expect_input_error({"ftable", ftable_example(), "--out", dir + "/t.h5", "--set",
                      "body.kind=\"mesh\"", "--set", "body.mesh=\"" + sub + "\""},
                     {"body.mesh", "adir", "directory"});
  expect_input_error({"localization", "--body", "mesh", "--mesh", sub, "--emitted-mass-amu", "18",
                      "--rate", "1", "--dx", "0,0,0"},
                     {"--mesh", "adir", "directory"});
  expect_input_error(with(sphere, {"--coverage-file", sub}), {"--coverage-file", "adir"});
  expect_input_error(with(sphere, {"--spectrum", "table", "--spectrum-file", sub}),
                     {"--spectrum-file", "adir"});
  expect_input_error({"evolve", cfg, "--out", dir + "/x.h5", "--set", "initial.kind=file", "--set",
                      "initial.path=\"" + sub + "\""},
                     {"initial.path", "adir", "directory"});
  expect_input_error({"evolve", cfg, "--out", dir + "/x.h5", "--set",
                      "channels[0]={kind=\"table\", file=\"" + sub + "\"}"},
                     {"channels[0].file", "adir"});
}

TEST(CliInputs, TimeStepLongerThanASegmentNamesBoth) {
  const std::string dir = make_temp_dir("cli_inputs_step");
  const std::string cfg = write(dir + "/run.toml", kEvolveConfig);
  expect_input_error({"evolve", cfg, "--out", dir + "/x.h5", "--set", "time.step=6e-5"},
                     {"time.step", "6e-05", "protocol[1].duration"});
}

TEST(CliInputs, UnknownSubcommandNamesItself) {
  expect_input_error({"bogus"}, {"bogus", "evolve"});
}

TEST(CliInputs, ErrorsNameTheKeyOrFlagTheUserWrote) {
  const std::string dir = make_temp_dir("cli_inputs_names");
  const std::string cfg = write(dir + "/run.toml", kEvolveConfig);
  const std::string out = dir + "/x.h5";
  expect_input_error({"ftable", ftable_example(), "--out", out, "--set", "numerics.tolerance=2"},
                     {"numerics.tolerance = 2"});
  expect_input_error({"evolve", cfg, "--out", out, "--set", "channels[0].rate=-5"},
                     {"channels[0].rate = -5"});
  expect_input_error({"evolve", cfg, "--out", out, "--set", "initial.separation=40e-9"},
                     {"initial.separation = 4e-08"});
  expect_input_error({"evolve", cfg, "--out", out, "--set", "observables.coherence_a=[1e-6]",
                      "--set", "observables.coherence_b=[0.0]"},
                     {"observables.coherence_a/coherence_b = 1e-06"});
  // A missing value is called missing, not "= 0".
  const std::string no_mass =
      std::string(kEvolveConfig).replace(std::string(kEvolveConfig).find("mass = 1e-20"), 12, "");
  expect_input_error({"evolve", write(dir + "/nomass.toml", no_mass), "--out", out},
                     {"particle.mass = missing"});
  expect_input_error({"evolve", cfg, "--out", out, "--set",
                      "channels[0]={kind=\"magnetic\", radius=1e-7, chi_real=-3}"},
                     {"channels[0].chi_real = -3"});
  expect_input_error({"localization", "--body", "sphere", "--radius", "75e-9", "--emitted-mass-amu",
                      "18", "--rate", "1", "--dx", "1e-11,0,0", "--tolerance", "2"},
                     {"--tolerance = 2"});
  expect_input_error({"localization", "--body", "spheroid", "--semi-axes", "1e-7,-1e-7",
                      "--emitted-mass-amu", "18", "--rate", "1", "--dx", "0,0,0"},
                     {"--semi-axes (C)"});
  expect_input_error({"ftable", ftable_example(), "--out", out, "--set", "body.kind=\"janus\"",
                      "--set", "body.cap_angle=4"},
                     {"body.cap_angle = 4"});
}

}  // namespace
