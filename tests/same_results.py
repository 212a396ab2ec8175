"""Results files compared as the kill-resume, concurrency and signal-soak
tests need: every object, attribute and dataset bit for bit, the root's
timing attributes and checksum aside (two runs of one seed differ only
there). The C tests' twin is tests/same_results.h."""
import h5py
import numpy as np

SKIP_ROOT = ("wall_s", "agent_steps_per_s", "created_utc", "stp_checksum")
# an ensemble's measured costs and the allocation drawn from them (ensemble.h)
SKIP_ENSEMBLE = ("population_s", "path_s", "best_paths", "best_populations", "best_halfwidth",
                 "stp_checksum")


def differences(a_path, b_path):
    """Every object, attribute and dataset of a and b compared bit for bit."""
    bad = []
    with h5py.File(a_path, "r") as a, h5py.File(b_path, "r") as b:
        def attrs(x, y, name):
            if sorted(x.attrs) != sorted(y.attrs):
                bad.append(name + " attrs")
                return
            for k in x.attrs:
                if name == "/" and k in SKIP_ROOT:
                    continue
                if name.endswith("ensemble") and k in SKIP_ENSEMBLE:
                    continue
                if np.asarray(x.attrs[k]).tobytes() != np.asarray(y.attrs[k]).tobytes():
                    bad.append(f"{name}@{k}")

        def walk(name, x):
            if name not in b:
                bad.append(name + " missing")
                return
            y = b[name]
            attrs(x, y, name)
            if not isinstance(x, h5py.Dataset):
                return
            xv, yv = np.asarray(x[()]), np.asarray(y[()])
            if x.dtype.kind == "O":
                same = list(xv.ravel()) == list(yv.ravel())
            else:
                same = xv.shape == yv.shape and xv.tobytes() == yv.tobytes()
            if not same:
                bad.append(name)

        attrs(a, b, "/")
        a.visititems(walk)
        b.visititems(lambda n, _: bad.append(n + " extra") if n not in a else None)
    return bad
