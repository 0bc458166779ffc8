"""QuTiP 4.7 `mesolve` on the peer problem.

H is a dense Qobj, H = Phi^dagger diag(E_k) Phi (Phi the unitary DFT of the grid),
i.e. P^2/2M in the grid's Fourier representation. The dissipator is not of
Lindblad form with a few collapse operators, so it is added as a custom diagonal
superoperator: in QuTiP's column-stacking vec(rho)[i + N j] = rho_ij the entry is
-F(x_i - x_j). L = liouvillian(H) + D is handed to mesolve directly.
Solver: QuTiP's default adams method with its default tolerances
(atol 1e-8, rtol 1e-6) and nsteps raised so long runs do not stop early.

Command line (one JSON line on stdout; compare.py runs it in a subprocess with a
time bound):
    /usr/bin/python3 qutip_mesolve.py --n 64 [--exact] [--atol 1e-8 --rtol 1e-6]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import time

import numpy as np
import scipy.sparse as sp

import problem as prob


def build_liouvillian(p: prob.Problem):
    import qutip

    n = p.n
    phi = np.fft.fft(np.eye(n), axis=0) / np.sqrt(n)           # unitary DFT matrix
    h = phi.conj().T @ np.diag(p.kinetic_energies() / prob.HBAR) @ phi   # H/hbar, 1/s
    h = 0.5 * (h + h.conj().T)
    hq = qutip.Qobj(h, dims=[[n], [n]])
    x = p.grid()
    f = p.localization_rate(np.subtract.outer(x, x))           # f[i, j] = F(x_i - x_j)
    diag = -f.reshape(-1, order="F")                             # column stacking: index i + n j
    dq = qutip.Qobj(sp.diags(diag.astype(complex), format="csr"), dims=[[[n], [n]], [[n], [n]]], type="super")
    return qutip.liouvillian(hq) + dq


def run(n: int, atol: float = 1e-8, rtol: float = 1e-6, exact: np.ndarray | None = None) -> dict:
    # QuTiP prints "Calibrating OpenMP threshold..." on import; keep stdout for the JSON line.
    with contextlib.redirect_stdout(io.StringIO()):
        import qutip
    p = prob.Problem(n=n)
    t0 = time.perf_counter()
    liou = build_liouvillian(p)
    rho0 = qutip.Qobj(p.rho0_grid(), dims=[[n], [n]])
    t1 = time.perf_counter()
    opts = qutip.Options(atol=atol, rtol=rtol, nsteps=10**7, store_final_state=True)
    # mesolve works in units where H is in 1/s (H/hbar above); times in s.
    out = qutip.mesolve(liou, rho0, [0.0, p.final_time], c_ops=[], e_ops=[], options=opts)
    t2 = time.perf_counter()
    rho = out.final_state.full()
    result = {"peer": "qutip", "n": n, "atol": atol, "rtol": rtol, "wall_s": t2 - t0,
              "build_s": t1 - t0, "solve_s": t2 - t1, "qutip": qutip.__version__,
              "liouvillian_nnz": int(liou.data.nnz)}
    if exact is not None:
        result.update(prob.errors(rho, exact))
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=64)
    parser.add_argument("--atol", type=float, default=1e-8)
    parser.add_argument("--rtol", type=float, default=1e-6)
    parser.add_argument("--exact", action="store_true", help="also compute the error against the exact solution")
    args = parser.parse_args(argv)
    exact = prob.Problem(n=args.n).exact_rho_grid() if args.exact else None
    print(json.dumps(run(args.n, args.atol, args.rtol, exact)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
