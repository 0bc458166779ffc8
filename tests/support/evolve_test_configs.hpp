// Test helper: the small `evolve` configuration several CLI tests share -- a cat of two
// Gaussian branches (width 3 nm, 12 nm apart) on a 48-point translation axis of 1 nm steps,
// a particle of 1e-20 kg, time step 1 us with 5 outputs, and a saturating Gaussian channel
// (2000 1/s, 4 nm). Each test adds its own protocol segments and [output] table.
#pragma once

#include <sstream>
#include <string>

namespace nanodecoh::testing {

/// The shared configuration with `protocol` ([[protocol]] tables) and `output` (the lines
/// of the [output] table, may be empty) filled in.
inline std::string small_cat_config(const std::string& protocol, const std::string& output) {
  return R"(
[particle]
mass = 1e-20
[[axes]]
kind = "translation"
name = "x"
points = 48
step = 1.0e-9
[initial]
kind = "cat"
axis = "x"
width = 3.0e-9
separation = 12.0e-9
[time]
step = 1.0e-6
outputs = 5
)" + protocol +
         R"([[channels]]
kind = "gaussian"
rate = 2000.0
length = 4.0e-9
[output]
)" + output;
}

/// An `ftable` configuration of a 75 nm sphere emitting `rate` (1/s) atoms of `amu` atomic mass
/// units with a Lambertian flux and the thermal spectrum at `temperature` (K), at the
/// `[orientations]` and `[displacements]` tables `points` (TOML), to quadrature `tolerance`
/// (units of the rate).
inline std::string lambertian_sphere_ftable(double amu, double rate, double temperature,
                                            const std::string& points, double tolerance) {
  std::ostringstream text;
  text.precision(17);
  text << "[body]\nkind = \"sphere\"\nradius = 75e-9\n"
       << "[emission]\nkind = \"surface\"\nflux = \"lambertian\"\nemitted_mass_amu = " << amu
       << "\nrate = " << rate << "\n[spectrum]\nkind = \"thermal\"\nsurface_temperature = "
       << temperature << "\n"
       << points << "[numerics]\ntolerance = " << tolerance << "\n";
  return text.str();
}

/// One free-flight segment of `duration` (s), as TOML, propagated by the split operator: the
/// tests built on it exercise time steps, checkpoints and interrupts, which the exact method
/// (the "auto" choice for this problem) does not have.
inline std::string free_segment(const std::string& duration) {
  return "[[protocol]]\nduration = " + duration + "\npotential = \"free\"\nmethod = \"split\"\n";
}

}  // namespace nanodecoh::testing
