// The [particle] block of `nanodecoh evolve` (src/app/evolve_config.hpp, docs/evolve-config.md):
// mass and moment of inertia derived from a material's density and the radius of a homogeneous
// sphere (oracles: rho 4/3 pi a^3 and 2/5 m a^2 with the preset's cited density), a
// contradiction between a given and a derived value named by key, channels inheriting the
// particle's radius, material and temperature unless they override them, and the desorption
// channels' outgassing rate q converted as the `outgassing` command does (oracle:
// Gamma = q / (k_B T) * 4 pi a^2 in SI units, written here). A body (particle.body) instead
// of a radius: a box mesh's mass rho a b c and its moments rho V (b^2 + c^2)/12 about the
// rotation axis' body axis (closed forms written here), a Janus body's 2/5 M a^2, the desorption
// channel inheriting the body, and the contradictions and bad meshes named by key.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "app/evolve_config.hpp"
#include "app/evolve_factory.hpp"
#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/channels.hpp"
#include "nanodecoh/localization/body.hpp"
#include "nanodecoh/validate.hpp"
#include "run_cli.hpp"

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

/// A particle given by a body (no radius) with a rotation axis about body axis `axis`.
std::string body_config(const std::string& body, const std::string& axis = "[0, 0, 1]") {
  return R"(
[particle]
material = "fused-silica"
temperature = 450.0
body = )" +
         body + R"(
[[axes]]
name = "x"
points = 8
step = 1.0e-9
[[axes]]
kind = "rotation"
name = "phi"
points = 8
step = 1.0e-3
rotation_axis = )" +
         axis + R"(
[initial]
axis = "phi"
[time]
step = 1.0e-6
[[protocol]]
duration = 1.0e-5
)";
}

EvolveInput read_text(const std::string& text) {
  io::Config c = io::Config::from_string(text);
  EvolveInput input = read_evolve_input(c);
  c.require_all_used();
  return input;
}

InvalidArgument text_error(const std::string& text, bool build = false) {
  try {
    const EvolveInput input = read_text(text);
    if (build) (void)make_simulation_spec(input);
  } catch (const InvalidArgument& e) {
    return e;
  }
  ADD_FAILURE() << "no InvalidArgument";
  return InvalidArgument("", "", "");
}

/// The box [0, a] x [0, b] x [0, c] (nm), written as an OBJ file; `inside_out` reverses every
/// triangle and `open` drops one.
std::string write_box(const std::string& dir, const std::string& name, bool inside_out = false,
                      bool open = false) {
  localization::TriangleMesh m = localization::make_box(100.0, 60.0, 40.0);
  if (inside_out)
    for (auto& t : m.triangles) std::swap(t[1], t[2]);
  if (open) m.triangles.pop_back();
  const std::string path = dir + "/" + name;
  localization::write_obj(path, m);
  return path;
}

TEST(ParticleBody, MeshGivesMassAndTheMomentAboutEachRotationAxis) {
  const std::string dir = nanodecoh::testing::make_temp_dir("particle_body");
  const std::string box = write_box(dir, "box.obj");
  const double a = 100e-9, b = 60e-9, c = 40e-9, v = a * b * c;
  const double mass = kSilicaDensity * v;
  // Relative rounding of the polyhedral sums (a few dozen terms, ~1e-16 each) and of the
  // nm -> m scaling; 1e-13 is 10x above it.
  constexpr double tol = 1e-13;
  const std::string mesh = "{kind = \"mesh\", mesh = \"" + box + "\", mesh_unit = \"nm\"}";
  for (const auto& [axis, moment] :
       {std::pair<std::string, double>{"[0, 0, 1]", mass * (a * a + b * b) / 12.0},
        {"[1, 0, 0]", mass * (b * b + c * c) / 12.0},
        {"[0, -2, 0]", mass * (a * a + c * c) / 12.0}}) {
    const EvolveInput in = read_text(body_config(mesh, axis));
    ASSERT_TRUE(in.spec.particle.mass);
    EXPECT_NEAR(*in.spec.particle.mass, mass, tol * mass);
    EXPECT_NEAR(in.spec.axes[0].inertia, mass, tol * mass);
    EXPECT_NEAR(in.spec.axes[1].inertia, moment, tol * moment) << axis;
  }
  const EvolveInput in = read_text(body_config(mesh));
  bool mass_line = false, tensor_line = false, axis_line = false;
  for (const std::string& line : in.spec.particle.derivations) {
    mass_line |=
        line.rfind("particle.mass = ", 0) == 0 && line.find("box.obj") != std::string::npos;
    tensor_line |= line.rfind("particle.inertia_tensor = ", 0) == 0;
    axis_line |= line.rfind("axes[1].inertia = ", 0) == 0;
  }
  EXPECT_TRUE(mass_line && tensor_line && axis_line);
}

TEST(ParticleBody, JanusBodyIsAHomogeneousSphereAndDesorptionInheritsIt) {
  const double a = 5.0e-8, mass = kSilicaDensity * 4.0 / 3.0 * pi * a * a * a;
  const std::string text =
      body_config("{kind = \"janus\", radius = 5.0e-8, cap_angle = 1.0}") +
      "[[channels]]\nkind = \"desorption\"\nrate = 100.0\n[[channels]]\nkind = \"magnetic\"\n"
      "chi_real = 1e-5\n";
  const EvolveInput in = read_text(text);
  EXPECT_NEAR(*in.spec.particle.mass, mass, 1e-14 * mass);
  EXPECT_NEAR(in.spec.axes[1].inertia, 0.4 * mass * a * a, 1e-14 * mass * a * a);
  const auto& d = std::get<DesorptionChannelSpec>(in.spec.channels[0]);
  ASSERT_TRUE(d.particle_body);
  EXPECT_EQ(d.particle_body->kind(), "janus");
  EXPECT_EQ(d.body, "janus");
  // the engine's emitting area is the cap's: 2 pi a^2 (1 - cos 1)
  EXPECT_NEAR(d.particle_body->emitting_area(), 2.0 * pi * a * a * (1.0 - std::cos(1.0)),
              1e-14 * a * a);
  EXPECT_EQ(std::get<MagneticChannelSpec>(in.spec.channels[1]).radius, a);
  // The same body said again in the channel is no contradiction; another one is.
  EXPECT_NO_THROW((void)read_text(
      body_config("{kind = \"janus\", radius = 5.0e-8, cap_angle = 1.0}") +
      "[[channels]]\nkind = \"desorption\"\nrate = 100.0\nbody = \"janus\"\nradius = 5.0e-8\n"));
  const InvalidArgument other =
      text_error(body_config("{kind = \"janus\", radius = 5.0e-8, cap_angle = 1.0}") +
                 "[[channels]]\nkind = \"desorption\"\nrate = 100.0\nbody = \"sphere\"\n");
  EXPECT_EQ(other.parameter(), "channels[0].body");
  EXPECT_NE(other.allowed().find("particle.body"), std::string::npos) << other.what();
  EXPECT_EQ(text_error(body_config("{kind = \"janus\", radius = 5.0e-8, cap_angle = 1.0}") +
                       "[[channels]]\nkind = \"desorption\"\nrate = 100.0\ncap_angle = 0.5\n")
                .parameter(),
            "channels[0].cap_angle");
}

TEST(ParticleBody, DesorptionInheritsAMeshBody) {
  const std::string dir = nanodecoh::testing::make_temp_dir("particle_body_channel");
  const std::string box = write_box(dir, "box.obj");
  const EvolveInput in =
      read_text(body_config("{kind = \"mesh\", mesh = \"" + box + "\", mesh_unit = \"nm\"}") +
                "[[channels]]\nkind = \"desorption\"\nrate = 100.0\n");
  const auto& d = std::get<DesorptionChannelSpec>(in.spec.channels[0]);
  ASSERT_TRUE(d.particle_body);
  EXPECT_EQ(d.particle_body->kind(), "mesh");
  const auto spec = make_simulation_spec(in);
  ASSERT_EQ(spec.channels.size(), 1u);
  EXPECT_NE(spec.channels[0]->name().find("desorption(mesh"), std::string::npos)
      << spec.channels[0]->name();
  // the box's surface 2 (ab + bc + ca) emits with the given rate
  EXPECT_DOUBLE_EQ(spec.channels[0]->rate_scale(), 100.0);
  // A sphere channel body on a mesh particle is a contradiction.
  EXPECT_EQ(
      text_error(body_config("{kind = \"mesh\", mesh = \"" + box + "\", mesh_unit = \"nm\"}") +
                 "[[channels]]\nkind = \"desorption\"\nrate = 100.0\nbody = \"sphere\"\n"
                 "radius = 5e-8\n")
          .parameter(),
      "channels[0].body");
  // The closed-form sphere channel cannot emit from a box.
  EXPECT_EQ(
      text_error(body_config("{kind = \"mesh\", mesh = \"" + box + "\", mesh_unit = \"nm\"}") +
                 "[[channels]]\nkind = \"desorption_sphere\"\nrate = 100.0\n")
          .parameter(),
      "channels[0].kind");
  // A channel rotation axis other than the grid's body axis turns another body.
  EXPECT_EQ(
      text_error(body_config("{kind = \"mesh\", mesh = \"" + box + "\", mesh_unit = \"nm\"}") +
                 "[[channels]]\nkind = \"desorption\"\nrate = 100.0\n"
                 "rotation_axis = [1, 0, 0]\n")
          .parameter(),
      "channels[0].rotation_axis");
}

TEST(ParticleBody, RadiusWithABodyAndBadMeshesAreRefusedNamingTheKey) {
  const std::string dir = nanodecoh::testing::make_temp_dir("particle_body_bad");
  const std::string sphere = "{kind = \"sphere\", radius = 5.0e-8}";
  std::string with_radius = body_config(sphere);
  with_radius.replace(with_radius.find("temperature = 450.0"), 19,
                      "temperature = 450.0\nradius = 5.0e-8");
  const InvalidArgument both = text_error(with_radius);
  EXPECT_EQ(both.parameter(), "particle.radius");
  EXPECT_NE(both.allowed().find("particle.body"), std::string::npos) << both.what();
  auto mesh_error = [&](const std::string& path) {
    return text_error(body_config("{kind = \"mesh\", mesh = \"" + path + "\"}"));
  };
  const InvalidArgument inside_out = mesh_error(write_box(dir, "inside_out.obj", true));
  EXPECT_EQ(inside_out.parameter().rfind("particle.body.mesh", 0), 0u) << inside_out.what();
  EXPECT_NE(std::string(inside_out.what()).find("inside out"), std::string::npos)
      << inside_out.what();
  const InvalidArgument open = mesh_error(write_box(dir, "open.obj", false, true));
  EXPECT_EQ(open.parameter().rfind("particle.body.mesh", 0), 0u) << open.what();
  EXPECT_NE(open.allowed().find("closed"), std::string::npos) << open.what();
  EXPECT_EQ(mesh_error(dir + "/missing.obj").parameter(), "particle.body.mesh");
  EXPECT_EQ(text_error(body_config("{kind = \"sphere\"}")).parameter(), "particle.body.radius");
  EXPECT_EQ(text_error(body_config("{kind = \"cube\"}")).parameter(), "particle.body.kind");
}

}  // namespace
}  // namespace nanodecoh::app
