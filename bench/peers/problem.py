"""The peer-comparison problem and its exact solution (docs/physics.md section 4).

One translation axis x on a periodic grid, H = P^2/2M, and the position-diagonal
dissipator -F(x - x') rho with the saturating Gaussian localization rate

    F(r) = Gamma (1 - exp(-r^2 / (4 a^2))).

The initial state is a cat: psi(x) ~ g(x - d/2) + g(x + d/2), each g a Gaussian
whose probability density has standard deviation `width` (sigma), times the
plane wave exp(i p0 x / hbar). Free flight for a time T.

Exact free-flight solution (docs/physics.md section 4): with R = (x + x')/2,
r = x - x' and rho~(k, r) = int dR exp(-ikR) rho(R + r/2, R - r/2),

    rho~_t(k, r) = rho~_0(k, r - v t) exp(-int_0^t F(r - v (t - tau)) dtau),   v = hbar k / M,

and for the Gaussian F the exponent has the closed form
Gamma t - Gamma a sqrt(pi)/v [erf(r/2a) - erf((r - v t)/2a)].
For the cat state rho~_0 is a sum of four Gaussians (derived in `rho_tilde_0`).

Grid convention (also what nanodecoh's `[[axes]] kind="translation"` is given):
x_j = (j - N/2) dx, j = 0..N-1, dx = L/N. The discrete density matrix is
normalised to unit trace: rho_ij = dx * rho(x_i, x_j).

Parameters (SI): a silica-like sphere of about 10 nm radius, M = 1e-20 kg;
sigma = 10 nm; d = 80 nm; a = 30 nm; Gamma = 50 1/s; T = 20 ms; box L = 400 nm.
The free-spreading time 2 M sigma^2 / hbar is 19.0 ms, so each component widens
by a factor 1.45 by T; Gamma T = 1 and F(d) = 0.83 Gamma, so the coherence between
the components drops to about exp(-0.83) = 0.44 of its free value (non-diffusive
regime: the quadratic approximation would give 1.78 Gamma). The state's tails at
the box edge (x = +-200 nm) and at the N = 64 momentum cutoff (pi/dx = 0.50/nm)
are far below 1e-9 of its peak, so the grid is adequate for N = 64, 128, 256
(checked in `self_check`: the three sizes agree with the continuum solution).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy.special import erf

HBAR = 1.054571817e-34  # J s (CODATA 2018, exact)


@dataclasses.dataclass(frozen=True)
class Problem:
    """All inputs of the comparison problem, SI units."""

    n: int = 64                   # grid points
    box: float = 400e-9           # m, periodic box length L
    mass: float = 1e-20           # kg
    width: float = 10e-9          # m, std of each component's probability density
    separation: float = 80e-9     # m, distance between the two components
    center: float = 0.0           # m, midpoint of the two components
    momentum: float = 0.0         # kg m/s, mean momentum p0
    rate: float = 50.0            # 1/s, Gamma (saturation value of F)
    length: float = 30e-9         # m, a (correlation length of F)
    final_time: float = 20e-3     # s, T

    @property
    def dx(self) -> float:
        return self.box / self.n

    def grid(self) -> np.ndarray:
        """x_j = (j - N/2) dx."""
        return (np.arange(self.n) - self.n // 2) * self.dx

    def wavenumbers(self) -> np.ndarray:
        """Angular wavenumbers of the grid's DFT, in numpy.fft order (1/m)."""
        return 2.0 * np.pi * np.fft.fftfreq(self.n, d=self.dx)

    def kinetic_energies(self) -> np.ndarray:
        """E_k = hbar^2 k^2 / 2M in the grid's Fourier representation (J), fft order."""
        k = self.wavenumbers()
        return HBAR**2 * k**2 / (2.0 * self.mass)

    def localization_rate(self, r):
        """F(r) = Gamma (1 - exp(-r^2/(4 a^2))), 1/s."""
        r = np.asarray(r, dtype=float)
        return self.rate * (1.0 - np.exp(-r**2 / (4.0 * self.length**2)))

    # ---- initial state -------------------------------------------------------
    def component_centers(self):
        return (self.center + self.separation / 2.0, self.center - self.separation / 2.0)

    def psi0(self, x) -> np.ndarray:
        """Continuum wave function, normalised so that int |psi|^2 dx = 1."""
        x = np.asarray(x, dtype=float)
        s = self.width
        mu_a, mu_b = self.component_centers()
        g = np.exp(-(x - mu_a) ** 2 / (4 * s**2)) + np.exp(-(x - mu_b) ** 2 / (4 * s**2))
        norm2 = 2.0 * math.sqrt(2.0 * math.pi) * s * (1.0 + math.exp(-self.separation**2 / (8 * s**2)))
        return g * np.exp(1j * self.momentum * x / HBAR) / math.sqrt(norm2)

    def rho0_grid(self) -> np.ndarray:
        """Initial discrete density matrix (unit trace) on the grid."""
        psi = self.psi0(self.grid())
        psi = psi / np.linalg.norm(psi)
        return np.outer(psi, psi.conj())

    def rho_tilde_0(self, k, r) -> np.ndarray:
        """rho~_0(k, r) of the cat state (k, r broadcast together).

        Term (s, s') of psi(x) psi*(x') at x = R + r/2, x' = R - r/2 is
        exp(-(R - m)^2/(2 sigma^2)) exp(-(r - D)^2/(8 sigma^2)) exp(i p0 r/hbar)
        with m = (mu_s + mu_s')/2, D = mu_s - mu_s'; its R-transform gives
        sqrt(2 pi) sigma exp(-i k m - k^2 sigma^2/2).
        """
        k = np.asarray(k, dtype=float)
        r = np.asarray(r, dtype=float)
        s = self.width
        mus = self.component_centers()
        norm2 = 2.0 * math.sqrt(2.0 * math.pi) * s * (1.0 + math.exp(-self.separation**2 / (8 * s**2)))
        total = np.zeros(np.broadcast(k, r).shape, dtype=complex)
        for mu_s in mus:
            for mu_t in mus:
                m = 0.5 * (mu_s + mu_t)
                d = mu_s - mu_t
                total += np.exp(-1j * k * m - (r - d) ** 2 / (8 * s**2))
        pref = math.sqrt(2 * math.pi) * s / norm2
        return pref * np.exp(-(k**2) * s**2 / 2.0 + 1j * self.momentum * r / HBAR) * total

    # ---- exact evolution ------------------------------------------------------
    def decay_exponent(self, k, r, t) -> np.ndarray:
        """int_0^t F(r - v (t - tau)) dtau with v = hbar k/M (closed form, stable for small v)."""
        k = np.asarray(k, dtype=float)
        r = np.asarray(r, dtype=float)
        k, r = np.broadcast_arrays(k, r)
        a = self.length
        vt = HBAR * k * t / self.mass          # distance travelled in t (m)
        out = np.empty(k.shape)
        small = np.abs(vt) < 0.05 * a
        # Large |v t|: closed form. int_0^t exp(-(r - v s)^2/4a^2) ds = a sqrt(pi)/v [erf(r/2a) - erf((r - vt)/2a)]
        big = ~small
        if np.any(big):
            rb, vtb = r[big], vt[big]
            integral = a * math.sqrt(math.pi) * t / vtb * (erf(rb / (2 * a)) - erf((rb - vtb) / (2 * a)))
            out[big] = self.rate * (t - integral)
        # Small |v t|: 8-point Gauss-Legendre in s (integrand varies on the scale a >> |v t|).
        if np.any(small):
            nodes, weights = np.polynomial.legendre.leggauss(8)
            rs, vts = r[small], vt[small]
            acc = np.zeros(rs.shape)
            for u, w in zip(nodes, weights):
                frac = 0.5 * (u + 1.0)      # s/t in [0, 1]; position r - v t + v s
                acc += 0.5 * w * self.localization_rate(rs - vts + vts * frac)
            out[small] = acc * t
        return out

    def rho_tilde(self, k, r, t) -> np.ndarray:
        """rho~_t(k, r), the exact solution in the characteristic representation."""
        k = np.asarray(k, dtype=float)
        vt = HBAR * k * t / self.mass
        return self.rho_tilde_0(k, np.asarray(r) - vt) * np.exp(-self.decay_exponent(k, r, t))

    def _k_quadrature(self):
        """Uniform k nodes for the inverse R-transform: period 2 pi/dk = 4 L >> R-support,
        cutoff 40/sigma (rho~ ~ exp(-k^2 sigma^2/2) times the bounded decay factor)."""
        kcut = 40.0 / self.width
        dk = 2.0 * np.pi / (4.0 * self.box)
        m = int(math.ceil(kcut / dk))
        return np.arange(-m, m + 1) * dk, dk

    def exact_rho_grid(self, t: float | None = None, x0: float | None = None) -> np.ndarray:
        """Exact discrete density matrix rho_ij = dx rho_t(x_i, x_j) on the grid
        x_i = x0 + i dx (x0 defaults to -N/2 dx). Inverse R-transform by the
        trapezoidal rule in k, spectrally accurate for this smooth, decaying integrand."""
        t = self.final_time if t is None else t
        n, dx = self.n, self.dx
        x0 = -(n // 2) * dx if x0 is None else x0
        k, dk = self._k_quadrature()
        m = np.arange(-(n - 1), n)               # r = m dx
        s = np.arange(0, 2 * n - 1)              # R = x0 + s dx/2
        r_vals = m * dx
        R_vals = x0 + s * dx / 2.0
        rt = self.rho_tilde(k[None, :], r_vals[:, None], t)          # (2n-1, K)
        phase = np.exp(1j * np.outer(k, R_vals))                     # (K, 2n-1)
        rho_rR = (rt @ phase) * (dk / (2.0 * np.pi))                 # rho(R + r/2, R - r/2)
        i = np.arange(n)[:, None]
        j = np.arange(n)[None, :]
        rho = rho_rR[(i - j) + (n - 1), i + j] * dx
        return rho

    def exact_purity(self, t: float | None = None) -> float:
        """Tr rho^2 = (1/2 pi) int dk int dr |rho~_t(k, r)|^2 (trapezoidal rule in both)."""
        t = self.final_time if t is None else t
        k, dk = self._k_quadrature()
        dr = self.width / 8.0
        rmax = self.box
        r = np.arange(-int(rmax / dr), int(rmax / dr) + 1) * dr
        total = 0.0
        for chunk in np.array_split(k, max(1, len(k) // 512)):
            rt = self.rho_tilde(chunk[:, None], r[None, :], t)
            total += float(np.sum(np.abs(rt) ** 2))
        return total * dk * dr / (2.0 * np.pi)

    def describe(self) -> dict:
        d = dataclasses.asdict(self)
        d["dx"] = self.dx
        d["spreading_time"] = 2 * self.mass * self.width**2 / HBAR
        d["F_of_separation_over_rate"] = float(self.localization_rate(self.separation) / self.rate)
        return d


def purity(rho: np.ndarray) -> float:
    """Tr rho^2 of a unit-trace discrete density matrix."""
    return float(np.real(np.vdot(rho, rho)))


def errors(rho: np.ndarray, exact: np.ndarray) -> dict:
    """Error measures of a computed discrete density matrix against the exact one."""
    return {
        "max_abs_error": float(np.max(np.abs(rho - exact))),
        "max_abs_exact": float(np.max(np.abs(exact))),
        "purity": purity(rho),
        "purity_error": abs(purity(rho) - purity(exact)),
        "trace_error": abs(complex(np.trace(rho)) - 1.0),
    }
