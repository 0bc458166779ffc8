// InputNames (src/app/input_names.hpp): the library names spec fields, the application
// reports the flag or TOML key the user typed. Each mapping rule is checked on its own.
#include <gtest/gtest.h>

#include "app/input_names.hpp"
#include "app/model_inputs.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/magnetic_rates.hpp"

namespace nanodecoh::app {
namespace {

TEST(InputNames, UnmappedNamesPassThrough) {
  const InputNames names;
  EXPECT_EQ(names.user_key("initial.width"), "initial.width");
  EXPECT_EQ(names.user_key("radius"), "radius");
}

TEST(InputNames, FlagFallbackTurnsUnderscoresIntoDashes) {
  const InputNames names = InputNames::flags().add("superposition_size", "--dx");
  EXPECT_EQ(names.user_key("chi_real"), "--chi-real");
  EXPECT_EQ(names.user_key("radius"), "--radius");
  EXPECT_EQ(names.user_key("superposition_size"), "--dx");
}

TEST(InputNames, TomlTablePrefixAndStrippedLibraryPrefix) {
  const InputNames names = InputNames::toml_table("channels[1].").strip("channels.");
  EXPECT_EQ(names.user_key("rate"), "channels[1].rate");
  EXPECT_EQ(names.user_key("channels.rate"), "channels[1].rate");  // GaussianChannel's name
}

TEST(InputNames, LongestFieldWinsAndTheRestIsKept) {
  InputNames names;
  names.add("spectrum", "spectrum.kind").add("spectrum_file", "spectrum.file");
  EXPECT_EQ(names.user_key("spectrum_file weight"), "spectrum.file weight");
  EXPECT_EQ(names.user_key("spectrum"), "spectrum.kind");
  EXPECT_EQ(names.user_key("spectrum[2]"), "spectrum.kind[2]");
  // A field is matched only as a whole word: "spectrumx" is not "spectrum".
  EXPECT_EQ(names.user_key("spectrumx"), "spectrumx");
}

TEST(InputNames, TranslateKeepsValueAndAllowedAndPassesResults) {
  const InputNames names = InputNames::flags();
  EXPECT_EQ(names.translate([] { return 42; }), 42);
  try {
    names.translate([]() -> int { throw InvalidArgument("shape_factor", "-1", "a value > 0"); });
    FAIL() << "no throw";
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(e.parameter(), "--shape-factor");
    EXPECT_EQ(e.value(), "-1");
    EXPECT_EQ(e.allowed(), "a value > 0");
    EXPECT_STREQ(e.what(), "--shape-factor = -1: expected a value > 0");
  }
}

// The rates library names RatesInput's fields; the CLI's map gives each of its flags.
TEST(InputNames, RatesFieldsBecomeTheirFlags) {
  const InputNames flags =
      InputNames::flags().add("superposition_size", "--dx").add("density/mass", "--density/--mass");
  RatesInput in;
  in.radius = 1e-7;
  in.chi_real = -2e-5;
  in.temperature = 300;
  in.permittivity = 5.7;
  in.density = 3510;
  in.superposition_size = -1e-6;
  try {
    flags.translate([&] { in.validate(); });
    FAIL() << "no throw";
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(e.parameter(), "--dx");
  }
}

// The model inputs report the flag for `localization` and the key for `ftable`.
TEST(InputNames, ModelInputsNameFlagsAndKeys) {
  ModelInputs in;
  in.body = "spheroid";
  in.semi_axis_a = 1e-7;
  in.semi_axis_c = -1e-7;
  in.emitted_mass_amu = 18;
  in.rate = 1;
  for (const auto& [names, expected] :
       {std::pair{model_input_flags(), std::string("--semi-axes (C)")},
        std::pair{model_input_toml_keys(), std::string("body.semi_axes[1]")}}) {
    try {
      names.translate([&] { return build_model(in); });
      FAIL() << "no throw";
    } catch (const InvalidArgument& e) {
      EXPECT_EQ(e.parameter(), expected);
    }
  }
  in.semi_axis_c = 1e-7;
  in.emitted_mass_amu.reset();
  try {
    model_input_toml_keys().translate([&] { return build_model(in); });
    FAIL() << "no throw";
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(e.parameter(), "emission.emitted_mass_amu");
  }
}

// The library itself names fields and arguments, never a flag: the renaming above is the only
// place where "--" or a file key appears.
TEST(InputNames, LibraryErrorsNameFieldsNotFlags) {
  auto parameter_of = [](auto&& call) {
    try {
      call();
    } catch (const InvalidArgument& e) {
      return e.parameter();
    }
    return std::string("no throw");
  };
  EXPECT_EQ(parameter_of([] { localization::make_sphere(-1.0); }), "radius");
  EXPECT_EQ(parameter_of([] { localization::make_janus_sphere(1e-7, 4.0); }), "cap_angle");
  EXPECT_EQ(parameter_of([] { localization::make_spheroid(1e-7, -1.0); }), "semi_axis_c");
  EXPECT_EQ(parameter_of([] { localization::make_cylinder(1e-7, 0.0); }), "length");
  EXPECT_EQ(parameter_of([] { localization::Spectrum::mono(-1.0); }), "energy");
  localization::RateOptions options;
  options.tolerance = 2.0;
  EXPECT_EQ(parameter_of([&] { localization::validate_options(options); }), "tolerance");
  RatesInput in;
  in.radius = -1.0;
  EXPECT_EQ(parameter_of([&] { in.validate(); }), "radius");
}

}  // namespace
}  // namespace nanodecoh::app
