// The `rates` job (rates_job.hpp); the JSON layout of `rates --json` is docs/rates.md's.
#include "app/rates_job.hpp"

#include "app/json_units.hpp"

#include "nanodecoh/error.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::app {
namespace {

nlohmann::json parts_json(const RateParts& parts) {
  return {
      {"total", parts.total}, {"scattering", parts.scattering}, {"absorption", parts.absorption}};
}

nlohmann::json channel_json(const PhotonChannelRates& c) {
  return {{"decoherence_rate", c.decoherence_rate},
          {"decoherence_rate_longwave", c.decoherence_rate_longwave},
          {"event_rate", c.event_rate},
          {"localization_parameter", c.localization_parameter},
          {"momentum_diffusion", c.momentum_diffusion},
          {"drag_coefficient", c.drag_coefficient}};
}

nlohmann::json dipole_json(const ThermalPhotonRates& r) {
  return {{"momentum_diffusion", r.total.momentum_diffusion},
          {"momentum_diffusion_scattering", r.scattering.momentum_diffusion},
          {"momentum_diffusion_absorption", r.absorption.momentum_diffusion},
          {"momentum_diffusion_emission", r.emission.momentum_diffusion},
          {"localization_parameter", r.total.localization_parameter},
          {"localization_rate", r.total.decoherence_rate_longwave},
          {"decoherence_rate_longwave", r.total.decoherence_rate_longwave},
          {"decoherence_rate", r.total.decoherence_rate},
          {"decoherence_rate_saturated", r.total.event_rate},
          {"drag_coefficient", r.total.drag_coefficient},
          {"fdt_ratio", r.fdt_ratio},
          {"channels",
           {{"scattering", channel_json(r.scattering)},
            {"absorption", channel_json(r.absorption)},
            {"emission", channel_json(r.emission)}}}};
}

// The magnetic paper's printed structure (M 19-23, 54, 60, 78-82), kept for comparison.
nlohmann::json paper_json(const RatesResult& r, bool with_dielectric) {
  const MomentumDiffusion& d = r.momentum_diffusion;
  nlohmann::json paper = {
      {"magnetic",
       {{"momentum_diffusion", d.total},
        {"momentum_diffusion_scattering", d.scattering},
        {"momentum_diffusion_absorption", d.absorption},
        {"momentum_diffusion_magnetic", d.magnetic},
        {"momentum_diffusion_electric", d.electric},
        {"momentum_diffusion_cross", d.cross},
        {"localization_parameter", r.localization_parameter},
        {"localization_rate", r.localization_rate},
        {"decoherence_rate_longwave", r.decoherence_longwave.total},
        {"decoherence_rate", r.decoherence.total},
        {"decoherence_rate_saturated", r.decoherence_saturated.total},
        {"decoherence_rate_parts", parts_json(r.decoherence)},
        {"decoherence_rate_longwave_parts", parts_json(r.decoherence_longwave)},
        {"decoherence_rate_saturated_parts", parts_json(r.decoherence_saturated)},
        {"drag_coefficient", r.drag.total},
        {"drag_coefficient_parts", parts_json(r.drag)},
        {"fdt_ratio", r.fdt_ratio}}}};
  if (with_dielectric) {
    paper["dielectric"] = {{"decoherence_rate_longwave", r.dielectric_decoherence_longwave},
                           {"decoherence_rate", r.dielectric_decoherence},
                           {"drag_coefficient", r.dielectric_drag}};
    paper["ratio_decoherence_magnetic_to_dielectric"] = r.ratio_decoherence;
    paper["ratio_drag_magnetic_to_dielectric"] = r.ratio_drag;
  }
  return paper;
}

nlohmann::json to_json(const RatesJob& job) {
  const RatesInput& in = job.input;
  const std::optional<Material>& material = job.material;
  const RatesResult& paper = job.paper;
  const DipoleRates& magnetic = job.magnetic;
  const DipoleRates& electric = job.electric;
  nlohmann::json magnetic_block = dipole_json(magnetic.rates);
  magnetic_block["clausius_mossotti_real"] = paper.clausius_mossotti.real();
  magnetic_block["clausius_mossotti_imag"] = paper.clausius_mossotti.imag();
  magnetic_block["polarizability_real"] = paper.polarizability.real();
  magnetic_block["polarizability_imag"] = paper.polarizability.imag();
  nlohmann::json inputs = {{"radius", in.radius},          {"chi_real", in.chi_real},
                           {"chi_imag", in.chi_imag},      {"temperature", in.temperature},
                           {"t_internal", job.t_internal}, {"shape_factor", in.shape_factor},
                           {"dx", in.superposition_size},  {"mass", paper.mass}};
  if (in.density) inputs["density"] = *in.density;
  if (material) {
    inputs["material"] = {{"name", material->name},
                          {"file", material->file},
                          {"permittivity_source", material->permittivity.source},
                          {"permittivity_valid_band",
                           {material->permittivity.valid_min, material->permittivity.valid_max}}};
  } else {
    inputs["permittivity"] = in.permittivity;
  }
  const double ratio_f = magnetic.rates.total.decoherence_rate_longwave /
                         electric.rates.total.decoherence_rate_longwave;
  const double ratio_xi =
      magnetic.rates.total.drag_coefficient / electric.rates.total.drag_coefficient;
  return {{"inputs", inputs},
          {"thermal_wavelength", paper.thermal_wavelength},
          {"magnetic", magnetic_block},
          {"dielectric", dipole_json(electric.rates)},
          {"ratio_decoherence_magnetic_to_dielectric", ratio_f},
          {"ratio_drag_magnetic_to_dielectric", ratio_xi},
          {"paper", paper_json(paper, !material.has_value())}};
}

}  // namespace

RatesJob compute_rates_job(const RatesRequest& request, const InputNames& names) {
  RatesJob job;
  RatesInput input = request.input;
  if (request.permittivity && request.material)
    throw names.rename(InvalidArgument("permittivity/material", "both given",
                                       "one of them (constant eps, or a material's eps(omega))"));
  if (request.density && request.mass)
    throw names.rename(InvalidArgument("density/mass", "both given", "at most one of them"));
  if (request.material) job.material = load_material(*request.material);
  if (!job.material && !request.permittivity)
    throw names.rename(InvalidArgument("permittivity/material", "neither given",
                                       "exactly one of permittivity (constant eps) or material "
                                       "(preset name or .toml file)"));
  if (request.permittivity) input.permittivity = *request.permittivity;
  if (request.density) input.density = *request.density;
  if (request.mass) input.mass = *request.mass;
  if (job.material && !input.density && !input.mass) input.density = job.material->density;
  if (job.material) {
    // The paper's dielectric comparison needs one real constant eps; with a material it is
    // left out of the output, and this placeholder (eps = 1 would be refused) keeps
    // compute_rates from evaluating the dielectric formulas at a pole.
    input.permittivity = 2.0;
  }
  if (request.t_internal)
    names.translate([&] { require_nonnegative("t_internal", *request.t_internal); });
  // compute_rates validates first, naming RatesInput's fields.
  job.paper = names.translate([&] { return compute_rates(input); });
  job.t_internal = request.t_internal ? *request.t_internal : input.temperature;
  const PhotonTemperatures temperatures{input.temperature, job.t_internal};
  const double dx = input.superposition_size;
  job.magnetic = {
      {DipoleKind::magnetic, input.radius, MaterialResponse::constant(input.susceptibility())}, {}};
  job.magnetic.rates = thermal_photon_rates(job.magnetic.sphere, temperatures, job.paper.mass, dx);
  job.electric = {{DipoleKind::electric, input.radius,
                   job.material ? job.material->permittivity.response
                                : MaterialResponse::constant({input.permittivity, 0.0})},
                  {}};
  job.electric.rates = thermal_photon_rates(job.electric.sphere, temperatures, job.paper.mass, dx);
  job.input = input;
  return job;
}

nlohmann::json rates_json(const RatesJob& job) {
  nlohmann::json out = to_json(job);
  add_units(out);
  return out;
}

}  // namespace nanodecoh::app
