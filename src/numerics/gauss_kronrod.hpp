// One Gauss-Kronrod 7-15 panel, on the host and the device (NANODECOH_HD): the 15-point
// Kronrod estimate of an integral over [a, b] and its embedded 7-point Gauss estimate, whose
// difference is the usual error estimate of adaptive quadrature. Nodes and weights on [-1, 1]
// are QUADPACK's qk15 (Piessens et al., 1983). Used by the exact method's F path integrals
// (the host's recursive rule in exact_propagator.cpp and the kernels' explicit-stack rule in
// chord_kernel.hpp).
#pragma once

#include "core/host_device.hpp"

namespace nanodecoh::numerics {

template <typename T>
struct Gk15Estimates {
  T kronrod;  ///< 15-point Kronrod estimate
  T gauss;    ///< embedded 7-point Gauss estimate
};

/// Both estimates of the integral of `f` over [a, b]; `f` returns a T (double or a complex type
/// with + and scaling by double).
template <typename T, typename F>
NANODECOH_HD inline Gk15Estimates<T> gk15_panel(const F& f, double a, double b) {
  // Kronrod nodes xgk[0..7] (xgk[7] = 0); the odd ones are the Gauss nodes.
  const double xgk[8] = {0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
                         0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
                         0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
                         0.207784955007898467600689403773245, 0.0};
  const double wgk[8] = {0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
                         0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
                         0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
                         0.204432940075298892414161999234649, 0.209482141084727828012999174891714};
  const double wg[4] = {0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
                        0.381830050505118944950369775488975, 0.417959183673469387755102040816327};
  const double centre = 0.5 * (a + b), half = 0.5 * (b - a);
  const T fc = f(centre);
  T kronrod = fc * wgk[7], gauss = fc * wg[3];
  for (int j = 0; j < 7; ++j) {
    const T sum = f(centre - half * xgk[j]) + f(centre + half * xgk[j]);
    kronrod += sum * wgk[j];
    if (j % 2 == 1) gauss += sum * wg[j / 2];
  }
  return {kronrod * half, gauss * half};
}

}  // namespace nanodecoh::numerics
