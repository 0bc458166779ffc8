// Reading the `nanodecoh ftable` TOML configuration (docs/ftable-config.md) into
// plain specs (the emission model's inputs, the orientations, the
// displacements, the numerics) and building the orientation matrices and
// displacement vectors from them. Errors name the TOML keys.
#pragma once

#include <Eigen/Core>
#include <string>
#include <vector>

#include "app/model_inputs.hpp"
#include "io/toml_config.hpp"
#include "nanodecoh/localization/localization_rate.hpp"

namespace nanodecoh::app {

/// [orientations]: a periodic or libration set of angles about an axis, or explicit matrices.
struct OrientationSpec {
  std::string kind;  ///< periodic | libration | list
  Eigen::Vector3d axis = Eigen::Vector3d::UnitZ();
  int count = 0;
  double step = 0.0;                      ///< rad (libration)
  double centre = 0.0;                    ///< rad (libration)
  std::vector<Eigen::Matrix3d> matrices;  ///< list
};

/// [displacements]: points on a line, or an explicit list.
struct DisplacementSpec {
  std::string kind;  ///< line | list
  Eigen::Vector3d axis = Eigen::Vector3d::UnitX();
  int count = 0;
  double step = 0.0;                    ///< m
  double centre = 0.0;                  ///< m
  std::vector<Eigen::Vector3d> points;  ///< list
};

struct FtableSpec {
  ModelInputs model;
  OrientationSpec orientations;
  DisplacementSpec displacements;
  localization::RateOptions numerics;  ///< tolerance, use_symmetry, sphere_fast_path
};

/// Reads the whole configuration (and marks its keys used).
FtableSpec read_ftable_spec(const io::Config& config);

/// The orientations of a spec: matrices, and the angles about the axis (empty for a list).
struct Orientations {
  std::string kind;  ///< periodic | libration | list
  std::vector<Eigen::Matrix3d> matrices;
  std::vector<double> angles;
  Eigen::Vector3d axis = Eigen::Vector3d::UnitZ();  ///< unit rotation axis (with angles)
};
Orientations make_orientations(const OrientationSpec& spec);

/// The displacement vectors, and the coordinate along the axis for a line (empty for a list).
struct Displacements {
  std::string kind;  ///< line | list
  std::vector<Eigen::Vector3d> points;
  std::vector<double> coordinate;
  Eigen::Vector3d axis = Eigen::Vector3d::UnitX();  ///< unit line direction (with coordinate)
};
Displacements make_displacements(const DisplacementSpec& spec);

}  // namespace nanodecoh::app
