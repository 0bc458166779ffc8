// The [particle] block of `nanodecoh evolve` (src/app/evolve_config.hpp, docs/evolve-config.md):
// mass and moment of inertia derived from a material's density and the radius of a homogeneous
// sphere (oracles: rho 4/3 pi a^3 and 2/5 m a^2 with the preset's cited density), a
// contradiction between a given and a derived value named by key, channels inheriting the
// particle's radius, material and temperature unless they override them, and the desorption
// channels' outgassing rate q converted as the `outgassing` command does (oracle:
// Gamma = q / (k_B T) * 4 pi a^2 in SI units, written here).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "app/evolve_config.hpp"
#include "app/evolve_factory.hpp"
#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/channels.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::app {
namespace {

using constants::pi;

// Fused silica's density as its preset cites it (materials/fused-silica.toml: 2.20 g/cm^3).
constexpr double kSilicaDensity = 2200.0;

const std::string kBase = R"(
[particle]
material = "fused-silica"
radius = 5.0e-8
temperature = 450.0
[[axes]]
name = "x"
points = 32
step = 1.0e-9
[initial]
kind = "cat"
width = 3.0e-9
separation = 8.0e-9
[time]
step = 1.0e-6
[[protocol]]
duration = 1.0e-5
)";

EvolveInput read(const std::string& extra, const std::vector<std::string>& overrides = {}) {
  io::Config c = io::Config::from_string(kBase + extra);
  for (const auto& o : overrides) c.apply_override(o);
  EvolveInput input = read_evolve_input(c);
  c.require_all_used();
  return input;
}

InvalidArgument error_of(const std::string& extra, const std::vector<std::string>& overrides = {},
                         bool build = false) {
  try {
    const EvolveInput input = read(extra, overrides);
    if (build) (void)make_simulation_spec(input);
  } catch (const InvalidArgument& e) {
    return e;
  }
  ADD_FAILURE() << "no InvalidArgument";
  return InvalidArgument("", "", "");
}

TEST(ParticleBlock, DerivesMassAndInertiaOfASphereFromTheMaterial) {
  const EvolveInput in = read("", {"axes[1]={kind=\"rotation\", name=\"phi\", step=0.01}"});
  const double a = 5.0e-8;
  const double mass = kSilicaDensity * 4.0 / 3.0 * pi * a * a * a;
  ASSERT_TRUE(in.spec.particle.mass);
  // The same products in another order: ~6 roundings, 6 u = 6.7e-16 (measured 0): 4e-15.
  EXPECT_NEAR(*in.spec.particle.mass, mass, 4e-15 * mass);
  EXPECT_NEAR(in.spec.axes[0].inertia, mass, 4e-15 * mass);
  EXPECT_NEAR(in.spec.axes[1].inertia, 0.4 * mass * a * a, 4e-15 * 0.4 * mass * a * a);
  // The summary says where the values came from.
  bool mass_line = false;
  for (const std::string& line : in.spec.particle.derivations)
    mass_line |=
        line.rfind("particle.mass = ", 0) == 0 && line.find("fused silica") != std::string::npos;
  EXPECT_TRUE(mass_line);
}

TEST(ParticleBlock, ExplicitDensityOverridesTheMaterials) {
  const EvolveInput in = read("", {"particle.density=3515.0"});
  const double a = 5.0e-8;
  const double mass = 3515.0 * 4.0 / 3.0 * pi * a * a * a;
  EXPECT_NEAR(*in.spec.particle.mass, mass, 4e-15 * mass);  // as above (measured 0)
}

TEST(ParticleBlock, ConsistentExplicitMassIsAcceptedAContradictionNamesTheKeys) {
  const double a = 5.0e-8;
  const double mass = kSilicaDensity * 4.0 / 3.0 * pi * a * a * a;
  char text[64];
  std::snprintf(text, sizeof text, "particle.mass=%.12e", mass);
  EXPECT_NO_THROW((void)read("", {text}));
  const InvalidArgument e = error_of("", {"particle.mass=1e-18"});
  EXPECT_EQ(e.parameter(), "particle.mass");
  EXPECT_NE(e.allowed().find("particle.radius"), std::string::npos) << e.what();
  EXPECT_NE(e.allowed().find("fused silica"), std::string::npos) << e.what();
  const InvalidArgument i = error_of(
      "", {"axes[1]={kind=\"rotation\", name=\"phi\", step=0.01}", "particle.moment_of_inertia=1"});
  EXPECT_EQ(i.parameter(), "particle.moment_of_inertia");
}

TEST(ParticleBlock, BadValuesNameTheirKeys) {
  EXPECT_EQ(error_of("", {"particle.radius=-1e-8"}).parameter(), "particle.radius");
  EXPECT_EQ(error_of("", {"particle.temperature=0"}).parameter(), "particle.temperature");
  EXPECT_EQ(error_of("", {"particle.density=0"}).parameter(), "particle.density");
  EXPECT_EQ(error_of("", {"particle.material=\"unobtainium\""}).parameter(), "particle.material");
  // Without a radius nothing can be derived: the mass is missing.
  io::Config no_radius =
      io::Config::from_string(std::string(kBase).replace(kBase.find("radius = 5.0e-8"), 15, ""));
  try {
    (void)read_evolve_input(no_radius);
    FAIL() << "no throw";
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(e.parameter(), "particle.mass");
    EXPECT_EQ(e.value(), "missing");
  }
}

TEST(ParticleBlock, ChannelsInheritRadiusMaterialAndTemperatureUnlessTheyOverride) {
  const EvolveInput in = read(R"(
[[channels]]
kind = "dielectric"
[[channels]]
kind = "dielectric"
radius = 2.0e-8
permittivity = 3.8
temperature = 77.0
t_internal = 100.0
[[channels]]
kind = "desorption_sphere"
rate = 10.0
[[channels]]
kind = "desorption"
rate = 10.0
[[channels]]
kind = "magnetic"
chi_real = -1e-5
)");
  const auto& inherited = std::get<DielectricChannelSpec>(in.spec.channels[0]);
  EXPECT_EQ(inherited.radius, 5.0e-8);
  EXPECT_EQ(inherited.temperature, 300.0);  // the field's temperature is not the particle's
  EXPECT_EQ(inherited.t_internal, 450.0);
  EXPECT_FALSE(inherited.permittivity);
  EXPECT_NE(inherited.response_origin.find("fused silica"), std::string::npos);
  const auto& own = std::get<DielectricChannelSpec>(in.spec.channels[1]);
  EXPECT_EQ(own.radius, 2.0e-8);
  EXPECT_EQ(*own.permittivity, 3.8);
  EXPECT_EQ(own.temperature, 77.0);
  EXPECT_EQ(own.t_internal, 100.0);
  EXPECT_EQ(std::get<DesorptionSphereChannelSpec>(in.spec.channels[2]).temperature, 450.0);
  const auto& desorption = std::get<DesorptionChannelSpec>(in.spec.channels[3]);
  EXPECT_EQ(desorption.radius, 5.0e-8);
  EXPECT_EQ(desorption.temperature, 450.0);
  const auto& magnetic = std::get<MagneticChannelSpec>(in.spec.channels[4]);
  EXPECT_EQ(magnetic.radius, 5.0e-8);
  EXPECT_EQ(magnetic.t_internal, 450.0);
  // Inherited values are reported, and errors about them name the particle's key.
  EXPECT_EQ(in.names.channels[0].user_key("radius"), "particle.radius");
  EXPECT_EQ(in.names.channels[1].user_key("radius"), "channels[1].radius");
  bool line = false;
  for (const std::string& l : in.spec.particle.derivations)
    line |= l == "channels[0].radius = " + format_number(5.0e-8) + " m (from particle.radius)";
  EXPECT_TRUE(line);
}

TEST(ParticleBlock, MaterialSusceptibilityOnlyInsideItsValidBand) {
  // Diamond's static chi is valid through the thermal band (its file says so): inherited.
  const EvolveInput in =
      read("[[channels]]\nkind = \"magnetic\"\n", {"particle.material=\"diamond\""});
  EXPECT_NE(std::get<MagneticChannelSpec>(in.spec.channels[0]).response_origin.find("diamond"),
            std::string::npos);
  // Gold's static chi is valid only up to 1e9 rad/s: refused, naming chi_real.
  const InvalidArgument e =
      error_of("[[channels]]\nkind = \"magnetic\"\n", {"particle.material=\"gold\""});
  EXPECT_EQ(e.parameter(), "channels[0].chi_real");
  // chi_imag alone does not mix with the material's chi: chi_real is then required.
  const InvalidArgument mixed = error_of("[[channels]]\nkind = \"magnetic\"\nchi_imag = 1e-6\n",
                                         {"particle.material=\"diamond\""});
  EXPECT_EQ(mixed.parameter(), "channels[0].chi_real");
  EXPECT_EQ(mixed.value(), "missing");
}

TEST(ParticleBlock, DesorptionTakesAnOutgassingRate) {
  const double q = 1e-9;  // Pa m^3 / (s m^2)
  const double a = 5.0e-8, t = 450.0;
  const double expected = q / (constants::k_boltzmann * t) * 4.0 * pi * a * a;
  const EvolveInput in = read(
      "[[channels]]\nkind = \"desorption_sphere\"\noutgassing = 1e-9\noutgassing_unit = "
      "\"pa-m3-per-s-m2\"\n");
  const auto& s = std::get<DesorptionSphereChannelSpec>(in.spec.channels[0]);
  // A few products and quotients in another order: ~6 u (measured <= 1.1e-16): 4e-15.
  EXPECT_NEAR(emission_rate(s.emission, 4.0 * pi * a * a), expected, 4e-15 * expected);
  const auto channels = make_simulation_spec(in).channels;
  ASSERT_EQ(channels.size(), 1u);
  EXPECT_NEAR(channels[0]->rate_scale(), expected, 4e-15 * expected);
  // The `desorption` engine channel converts with its body's emitting area (a sphere's here).
  const EvolveInput engine = read(
      "[[channels]]\nkind = \"desorption\"\noutgassing = 1e-9\noutgassing_unit = "
      "\"pa-m3-per-s-m2\"\ngas_temperature = 300.0\n");
  const auto& d = std::get<DesorptionChannelSpec>(engine.spec.channels[0]);
  const double at_300 = q / (constants::k_boltzmann * 300.0) * 4.0 * pi * a * a;
  EXPECT_NEAR(emission_rate(d.emission, 4.0 * pi * a * a), at_300, 4e-15 * at_300);
  EXPECT_NEAR(make_simulation_spec(engine).channels[0]->rate_scale(), at_300, 4e-15 * at_300);
  // Both, neither, a bad unit, a bad q: errors naming the keys.
  EXPECT_EQ(error_of("[[channels]]\nkind = \"desorption_sphere\"\nrate = 1.0\noutgassing = 1e-9\n"
                     "outgassing_unit = \"pa-m3-per-s-m2\"\n")
                .parameter(),
            "channels[0].rate");
  EXPECT_EQ(error_of("[[channels]]\nkind = \"desorption_sphere\"\n").parameter(),
            "channels[0].rate");
  EXPECT_EQ(error_of("[[channels]]\nkind = \"desorption_sphere\"\noutgassing = 1e-9\n"
                     "outgassing_unit = \"furlongs\"\n",
                     {}, true)
                .parameter(),
            "channels[0].outgassing_unit");
  EXPECT_EQ(error_of("[[channels]]\nkind = \"desorption_sphere\"\noutgassing = -1e-9\n"
                     "outgassing_unit = \"pa-m3-per-s-m2\"\n",
                     {}, true)
                .parameter(),
            "channels[0].outgassing");
}

}  // namespace
}  // namespace nanodecoh::app
