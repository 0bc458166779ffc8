// A channel that remembers its tables and batches of points (remembering_channel.hpp).
#include "nanodecoh/evolution/remembering_channel.hpp"

#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>

#include "nanodecoh/error.hpp"

namespace nanodecoh::evolution {
namespace {

using cplx = std::complex<double>;

/// Identity of a grid's difference table (and the backend it is computed on): every field
/// that Grid::table_entry depends on, doubles in hexadecimal (exact).
std::string table_key(const Grid& grid, Backend backend) {
  std::ostringstream key;
  key << std::hexfloat << to_string(backend);
  for (const Axis& a : grid.axes())
    key << '|' << static_cast<int>(a.kind) << ',' << a.points << ',' << a.step << ',' << a.center
        << ',' << static_cast<int>(a.mode);
  return key.str();
}

/// Identity of a batch of points of evaluate_points (and the backend): every coordinate, in
/// hexadecimal (exact).
std::string points_key(const std::vector<std::vector<double>>& displacement,
                       const std::vector<std::vector<double>>& angle_ket,
                       const std::vector<std::vector<double>>& angle_bra, Backend backend) {
  std::ostringstream key;
  key << std::hexfloat << to_string(backend);
  for (std::size_t p = 0; p < displacement.size(); ++p) {
    key << '|';
    for (const auto* part : {&displacement[p], &angle_ket.at(p), &angle_bra.at(p)}) {
      for (double v : *part) key << v << ',';
      key << ';';
    }
  }
  return key.str();
}

class RememberingChannel final : public DissipationChannel {
 public:
  RememberingChannel(std::shared_ptr<const DissipationChannel> inner, RememberOptions options,
                     std::shared_ptr<std::atomic<std::size_t>> computed)
      : inner_member_(std::move(inner)),
        options_member_(options),
        computed_member_(std::move(computed)) {}
  /// True when this channel keeps at least what `options` asks for.
  bool covers(const RememberOptions& options) const {
    return (options_member_.tables || !options.tables) &&
           options_member_.max_batch_points >= options.max_batch_points;
  }
  std::string name() const override { return inner_member_->name(); }
  std::complex<double> evaluate(const std::vector<double>& displacement,
                                const std::vector<double>& angle_ket,
                                const std::vector<double>& angle_bra) const override {
    return inner_member_->evaluate(displacement, angle_ket, angle_bra);
  }
  std::unique_ptr<DissipationChannel> diffusive_approximation() const override {
    return inner_member_->diffusive_approximation();
  }
  double recoil_momentum() const override { return inner_member_->recoil_momentum(); }
  double rate_scale() const override { return inner_member_->rate_scale(); }
  double relative_accuracy() const override { return inner_member_->relative_accuracy(); }
  bool defined_off_grid() const override { return inner_member_->defined_off_grid(); }
  const DissipationChannel& definition() const override { return inner_member_->definition(); }

  std::vector<cplx> tabulate(const Grid& grid, const ChannelTableContext& context) const override {
    if (!options_member_.tables) return count(inner_member_->tabulate(grid, context));
    return remembered(tables_member_, table_key(grid, context.backend),
                      [&] { return inner_member_->tabulate(grid, context); });
  }

  std::vector<cplx> evaluate_points(const std::vector<std::vector<double>>& displacement,
                                    const std::vector<std::vector<double>>& angle_ket,
                                    const std::vector<std::vector<double>>& angle_bra,
                                    const ChannelTableContext& context) const override {
    const auto compute = [&] {
      return inner_member_->evaluate_points(displacement, angle_ket, angle_bra, context);
    };
    if (displacement.size() > options_member_.max_batch_points) return count(compute());
    return remembered(points_member_,
                      points_key(displacement, angle_ket, angle_bra, context.backend), compute);
  }

 private:
  std::vector<cplx> count(std::vector<cplx> values) const {
    if (computed_member_) ++*computed_member_;
    return values;
  }

  /// The values kept under `key`, or compute()'s (kept when it returns: one that throws is not).
  template <class Compute>
  std::vector<cplx> remembered(std::map<std::string, std::vector<cplx>>& kept,
                               const std::string& key, const Compute& compute) const {
    {
      const std::lock_guard<std::mutex> lock(mutex_member_);
      const auto found = kept.find(key);
      if (found != kept.end()) return found->second;
    }
    std::vector<cplx> values = count(compute());
    const std::lock_guard<std::mutex> lock(mutex_member_);
    kept.emplace(key, values);
    return values;
  }

  std::shared_ptr<const DissipationChannel> inner_member_;
  RememberOptions options_member_;
  std::shared_ptr<std::atomic<std::size_t>> computed_member_;
  mutable std::mutex mutex_member_;
  mutable std::map<std::string, std::vector<cplx>> tables_member_, points_member_;
};

}  // namespace

std::shared_ptr<const DissipationChannel> remembering_channel(
    std::shared_ptr<const DissipationChannel> inner, RememberOptions options,
    std::shared_ptr<std::atomic<std::size_t>> computed) {
  if (!inner) throw InvalidArgument("channel", "null", "a channel to remember the values of");
  // A second layer would keep the same values twice (a sweep's channel, then run_simulation's
  // wrapper): a channel that already remembers as much is returned as it is.
  if (const auto* kept = dynamic_cast<const RememberingChannel*>(inner.get());
      kept && !computed && kept->covers(options))
    return inner;
  return std::make_shared<RememberingChannel>(std::move(inner), options, std::move(computed));
}

}  // namespace nanodecoh::evolution
