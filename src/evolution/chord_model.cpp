// The plain-number model of the chi kernel (chord_model.hpp, chord_kernel.hpp, chord_axes.hpp)
// from a run's grid, protocol, closed-form channels and initial state, with the propagator's
// table of the other channels' F and its grid state's lattice.
#include "evolution/chord_model.hpp"

#include <cmath>
#include <limits>

#include "evolution/exact_grid.hpp"
#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::evolution {

using namespace detail;

namespace {

/// Channel c of a kernel model (kind, rate and length in the model's arrays) from a closed-form
/// channel: on a rotation axis (a libration window) its angular form (on a translation axis a
/// channel's angular part never acts, evaluate() receiving no angles; on a rotation axis its
/// translational part never acts, receiving no displacement). InvalidArgument for any other
/// channel (`kernel` names the kernel in the message).
void describe_channel(const DissipationChannel& channel, std::size_t c, bool rotation,
                      chord::ChannelKind* kind, double* rate, double* length, const char* kernel) {
  if (const auto* ga = dynamic_cast<const GaussianChannel*>(&channel); ga && rotation) {
    // F = Gamma (1 - exp(-chord^2/(4 b^2))); b = 0: no angular decoherence (rate 0, so that
    // the kernel never divides by b).
    kind[c] = chord::ChannelKind::gaussian_angular;
    rate[c] = ga->angular_length() > 0.0 ? ga->rate() : 0.0;
    length[c] = ga->angular_length() > 0.0 ? ga->angular_length() : 1.0;
  } else if (const auto* da = dynamic_cast<const DiffusiveChannel*>(&channel); da && rotation) {
    kind[c] = chord::ChannelKind::diffusive_angular;  // Lambda_phi chord^2
    rate[c] = da->angular_lambda();
  } else if (const auto* g = dynamic_cast<const GaussianChannel*>(&channel)) {
    kind[c] = chord::ChannelKind::gaussian;
    rate[c] = g->rate();
    length[c] = g->length();
  } else if (const auto* d = dynamic_cast<const DiffusiveChannel*>(&channel)) {
    kind[c] = chord::ChannelKind::diffusive;
    rate[c] = d->lambda();
  } else if (const auto* sphere = dynamic_cast<const DesorptionSphereChannel*>(&channel)) {
    kind[c] = chord::ChannelKind::desorption_sphere;
    rate[c] = sphere->rate();
    length[c] = sphere->thermal_wavenumber();
  } else {
    throw InvalidArgument(
        "channels[" + std::to_string(c) + "]", channel.name(),
        std::string("gaussian, diffusive or desorption_sphere for the ") + kernel);
  }
}

/// The closed-form channels of a run, at most chord::max_channels (InvalidArgument).
ChannelList closed_form_channels(const ChannelList& all_channels) {
  ChannelList channels;
  for (const auto& c : all_channels)
    if (closed_form(*c)) channels.push_back(c);
  if (channels.size() > static_cast<std::size_t>(chord::max_channels))
    throw InvalidArgument("channels", std::to_string(channels.size()) + " channels",
                          "at most " + std::to_string(chord::max_channels) + " for the chi kernel");
  return channels;
}

/// The propagator's tabulated F for the kernel (pointing into the propagator's coefficients);
/// intervals = 0 without tabulated channels.
chord::TabulatedRate tabulated_rate(const ExactPropagator& exact) {
  chord::TabulatedRate table;
  const std::vector<double>& c = exact.table_coefficients();
  if (c.empty()) return table;
  if (c.size() / 8 > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw InvalidArgument("channels", std::to_string(c.size() / 8) + " table intervals",
                          "at most 2^31 - 1 for the chi kernel");
  const std::size_t rows = static_cast<std::size_t>(std::max(exact.table_angle_nodes(), 1));
  table.intervals = static_cast<int>(c.size() / 8 / rows);
  table.angle_nodes = exact.table_angle_nodes();
  table.angle_origin = exact.table_angle_origin();
  table.angle_step = exact.table_angle_step();
  table.origin = exact.table_origin();
  table.step = exact.table_step();
  table.coefficients = c.data();
  table.error_rate = exact.table_error_rate();
  return table;
}

/// On a circle: the periodisation of m's closed-form state (chord::Model::period). Its terms
/// reach |r| <= R, where the line's log bound at k = 0 (its largest over k) has fallen 3 below
/// ln 1e-30: R = 24.2 s (+ d for a cat) or sqrt(72.1/thermal_r2); around r reduced to
/// [-pi, pi], |j| <= R/(2 pi) + 1/2. The norm is the periodisation's trace, sum_j chi(0, 2 pi j)
/// (real and positive: the trace of a positive operator; any imaginary part is rounding).
/// InvalidArgument when more than kMaxCircleTerms terms per side would be needed (a state
/// coherent over that many turns).
void periodise(chord::Model& m) {
  constexpr int kMaxCircleTerms = 512;
  m.period = 2.0 * constants::pi;
  const double level = 69.0775527898213705 + 3.0;  // -ln 1e-30 + 3
  double reach = 0.0;
  if (m.state == chord::StateKind::thermal)
    reach = std::sqrt(level / m.thermal_r2);
  else
    reach = std::sqrt(8.0 * (level + 0.693147180559945309)) * m.width +
            (m.state == chord::StateKind::cat ? m.separation : 0.0);
  const double terms = std::ceil(reach / m.period + 0.5);
  if (!(terms <= kMaxCircleTerms))
    throw InvalidArgument(
        "initial",
        "a state whose chord function reaches |phi - phi'| = " + format_number(reach) + " rad",
        "a state coherent over at most " + std::to_string(kMaxCircleTerms) +
            " turns of the circle for the exact method (use method = "
            "\"split\")");
  m.period_terms = static_cast<int>(terms);
  double norm = 0.0;
  for (int j = -m.period_terms; j <= m.period_terms; ++j)
    norm += chord::line_initial_chord(m, 0.0, static_cast<double>(j) * m.period).re;
  m.period_norm = norm;
  m.period_log_scale = std::log(2.0 * terms + 1.0) - std::log(norm);
}

/// The model without the tabulated F (closed-form channels only); the caller has checked the
/// run (ExactPropagator's constructor).
chord::Model closed_form_model(const Grid& grid, const std::vector<Segment>& protocol,
                               const ChannelList& all_channels, const InitialStateSpec& initial,
                               double tolerance) {
  const ChannelList channels = closed_form_channels(all_channels);
  chord::Model m;
  m.mass = grid.axes()[0].inertia;  // M, or I on a rotation axis
  const bool rotation = on_rotation_axis(grid);
  m.tolerance = tolerance;
  if (protocol.size() > static_cast<std::size_t>(chord::max_segments))
    throw InvalidArgument("protocol", std::to_string(protocol.size()) + " segments",
                          "at most " + std::to_string(chord::max_segments) + " for the chi kernel");
  m.segments = static_cast<int>(protocol.size());
  for (std::size_t s = 0; s < protocol.size(); ++s) {
    const Potential& p = protocol[s].potential;
    m.segment_kind[s] = p.kind == PotentialKind::harmonic ? chord::SegmentKind::harmonic
                        : p.kind == PotentialKind::linear ? chord::SegmentKind::linear
                                                          : chord::SegmentKind::free;
    m.duration[s] = protocol[s].duration;
    m.frequency[s] = p.frequency;
    m.force[s] = p.force;
  }
  m.channels = static_cast<int>(channels.size());
  for (std::size_t c = 0; c < channels.size(); ++c)
    describe_channel(channels[c]->definition(), c, rotation, m.channel_kind, m.rate, m.length,
                     "chi kernel");
  m.width = initial.width;
  m.separation = initial.separation;
  m.center = initial.center;
  m.momentum = initial.momentum;
  switch (initial.kind) {
    case InitialKind::gaussian:
      m.state = chord::StateKind::gaussian;
      break;
    case InitialKind::cat:
      m.state = chord::StateKind::cat;
      m.cat_overlap = std::exp(-initial.separation * initial.separation /
                               (8.0 * initial.width * initial.width));
      break;
    case InitialKind::thermal: {
      m.state = chord::StateKind::thermal;
      const double b =
          constants::hbar * initial.frequency / (constants::k_boltzmann * initial.temperature);
      const double l2 = constants::hbar / (m.mass * initial.frequency);
      const double t = std::tanh(0.5 * b);
      m.thermal_k2 = 0.25 * l2 / t;
      m.thermal_r2 = 1.0 / (4.0 * l2 * t);
      break;
    }
    case InitialKind::file:
      m.state = chord::StateKind::grid;  // its lattice: make_chord_model(const ExactPropagator&)
      m.momentum = 0.0;
      m.center = 0.0;
      break;
  }
  if (on_circle(grid) && m.state != chord::StateKind::grid) periodise(m);
  return m;
}

}  // namespace

chord::Model make_chord_model(const Grid& grid, const std::vector<Segment>& protocol,
                              const ChannelList& channels, const InitialStateSpec& initial,
                              double tolerance) {
  for (std::size_t c = 0; c < channels.size(); ++c)
    if (channels[c] && !closed_form(*channels[c]))
      throw InvalidArgument("channels[" + std::to_string(c) + "]", channels[c]->name(),
                            "gaussian, diffusive or desorption_sphere here (a channel without a "
                            "closed form needs its table: make_chord_model(ExactPropagator))");
  if (initial.kind == InitialKind::file)
    throw InvalidArgument("initial.kind", "\"file\"",
                          "a closed-form state here (a grid state's lattice lives in its "
                          "propagator: make_chord_model(ExactPropagator))");
  if (grid.axis_count() > 1)
    throw InvalidArgument("grid", std::to_string(grid.axis_count()) + " axes",
                          "one axis for the one-axis chi kernel (several: make_axes_model)");
  // The same checks as the propagator (segments, channels, state, tolerance).
  const ExactPropagator check(grid, protocol, channels, initial, tolerance);
  return closed_form_model(grid, protocol, channels, initial, tolerance);
}

chord::AxesModel make_axes_model(const ExactPropagator& exact) {
  const Grid& grid = exact.grid();
  const std::size_t axes = grid.axis_count();
  if (axes < 2 || axes > static_cast<std::size_t>(chord::max_axes))
    throw InvalidArgument("grid", std::to_string(axes) + " axes",
                          "2 to " + std::to_string(chord::max_axes) +
                              " for the several-axes chi kernel (one axis: make_chord_model)");
  chord::AxesModel m;
  m.axes = static_cast<int>(axes);
  m.tolerance = exact.tolerance();
  const InitialStateSpec& in = exact.initial();
  for (std::size_t a = 0; a < axes; ++a) {
    // The axis as a grid of its own, the segments as it sees them, its factor of the state.
    m.axis[a] = closed_form_model(Grid({grid.axes()[a]}), protocol_on_axis(exact.protocol(), a),
                                  ChannelList{}, state_on_axis(grid, in, a), exact.tolerance());
    if (grid.axes()[a].kind == AxisKind::rotation) m.rotation_axis = static_cast<int>(a);
  }
  // The other channels: their summed F, tabulated by the propagator (build_table) on a signed
  // line, read at the one translation chord or at the translation chords' |r|.
  m.table = tabulated_rate(exact);
  if (const auto translation = translation_axes(grid); translation.size() == 1)
    m.table_axis = static_cast<int>(translation.front());
  for (const auto& channel : closed_form_channels(exact.channels())) {
    const DissipationChannel& definition = channel->definition();
    if (const auto* d = dynamic_cast<const DiffusiveChannel*>(&definition)) {
      // Separable, (TL1): Lambda |r|^2 + Lambda_phi c^2 = sum over the axes of Lambda r_a^2 and
      // Lambda_phi c^2 (docs/physics.md, "Translation and libration axes together"), each term in
      // its axis' model (the one-axis closed forms).
      for (std::size_t a = 0; a < axes; ++a) {
        chord::Model& axis = m.axis[a];
        const bool rotation = static_cast<int>(a) == m.rotation_axis;
        const double rate = rotation ? d->angular_lambda() : d->lambda();
        if (rate == 0.0) continue;
        axis.channel_kind[axis.channels] =
            rotation ? chord::ChannelKind::diffusive_angular : chord::ChannelKind::diffusive;
        axis.rate[axis.channels] = rate;
        ++axis.channels;
      }
      continue;
    }
    // Coupled: F of the translation chords' |r| (and the angle chord: a gaussian's angular
    // length, which acts only with a libration axis; evaluate() gets no angle without one).
    const int c = m.channels++;
    describe_channel(definition, static_cast<std::size_t>(c), false, m.channel_kind, m.rate,
                     m.length, "several-axes chi kernel");
    const auto* gaussian = dynamic_cast<const GaussianChannel*>(&definition);
    if (gaussian && m.rotation_axis >= 0) m.angular_length[c] = gaussian->angular_length();
  }
  return m;
}

chord::Model make_chord_model(const ExactPropagator& exact) {
  if (exact.grid().axis_count() > 1)
    throw InvalidArgument("grid", std::to_string(exact.grid().axis_count()) + " axes",
                          "one axis for the one-axis chi kernel (several: make_axes_model)");
  chord::Model m = closed_form_model(exact.grid(), exact.protocol(), exact.channels(),
                                     exact.initial(), exact.tolerance());
  m.table = tabulated_rate(exact);
  if (const auto& g = exact.grid_state()) {
    m.state = chord::StateKind::grid;
    m.grid_state = grid_chord_view(*g);
  }
  return m;
}

}  // namespace nanodecoh::evolution
