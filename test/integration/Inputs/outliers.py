"""Two layers with the activation outliers of large language models.

  y: x * gamma + beta -> matmul W. gamma makes 4 of 64 channels 50-100x
     larger in every row, and their weight rows are as much smaller (so that
     every channel contributes alike to the output, as in a trained model).
  z: v * delta -> matmul U. 8 channels are only 3x larger, and their weight
     rows 10x larger: weight outliers more than activation ones.
The best alpha of y is about 0.9, that of z about 0.6: a global alpha suits
one layer or the other, a per-layer one both.

  outliers.py write DIR     DIR/model.mlir, DIR/calib.npz and DIR/x.npz (the
                            same distributions), DIR/float.npz (NumPy's
                            float outputs for x)
  outliers.py error DIR OUT.npz
                            the relative error of each output of OUT against
                            the float one, and their mean
  outliers.py compare DIR NAIVE.npz SMOOTH.npz MIN_RATIO
                            both errors of y; exits 1 unless SMOOTH's is at
                            least MIN_RATIO times lower
  outliers.py best DIR SEARCH.npz FIXED.npz...
                            the mean errors; exits 1 unless SEARCH's is at
                            most the lowest of the FIXED ones
  outliers.py same A.npz B.npz
                            exits 1 unless both outputs are bit-identical
"""
import os
import sys

import numpy as np

T, K, N = 4096, 64, 32
CALIB = 2
SEED = 11


def build():
    rng = np.random.default_rng(SEED)
    gamma = rng.uniform(0.5, 1.5, K).astype(np.float32)
    outliers = rng.choice(K, 4, replace=False)
    factor = rng.uniform(50, 100, 4).astype(np.float32)
    gamma[outliers] *= factor
    beta = rng.normal(0, 0.1, K).astype(np.float32)
    w = (rng.normal(0, 1, (K, N)) / np.sqrt(K)).astype(np.float32)
    w[outliers] /= factor[:, None]
    delta = rng.uniform(0.5, 1.5, K).astype(np.float32)
    u = (rng.normal(0, 1, (K, N)) / np.sqrt(K)).astype(np.float32)
    heavy = rng.choice(K, 8, replace=False)
    delta[heavy] *= 3
    u[heavy] *= 10
    calib = {"x": rng.normal(0, 1, (CALIB, T, K)).astype(np.float32),
             "v": rng.normal(0, 1, (CALIB, T, K)).astype(np.float32)}
    inputs = {"x": rng.normal(0, 1, (T, K)).astype(np.float32),
              "v": rng.normal(0, 1, (T, K)).astype(np.float32)}
    return gamma, beta, w, delta, u, calib, inputs


def dense(a):
    flat = ", ".join(f"{v:.9g}" for v in a.reshape(-1))
    if a.ndim == 1:
        return f"dense<[{flat}]>"
    rows = ", ".join("[" + ", ".join(f"{v:.9g}" for v in r) + "]" for r in a)
    return f"dense<[{rows}]>"


def write(d):
    gamma, beta, w, delta, u, calib, inputs = build()
    act = f"tensor<{T}x{K}xf32>"
    out = f"tensor<{T}x{N}xf32>"
    mlir = f"""#id = affine_map<(d0, d1) -> (d0, d1)>
#ch = affine_map<(d0, d1) -> (d1)>
func.func @main(%x: {act} {{qf.name = "x"}}, %v: {act} {{qf.name = "v"}}) -> ({out} {{qf.name = "y"}}, {out} {{qf.name = "z"}}) {{
  %gamma = arith.constant {dense(gamma)} : tensor<{K}xf32>
  %beta = arith.constant {dense(beta)} : tensor<{K}xf32>
  %delta = arith.constant {dense(delta)} : tensor<{K}xf32>
  %e = tensor.empty() : {act}
  %h = linalg.generic {{indexing_maps = [#id, #ch, #ch, #id], iterator_types = ["parallel", "parallel"]}} ins(%x, %gamma, %beta : {act}, tensor<{K}xf32>, tensor<{K}xf32>) outs(%e : {act}) {{
  ^bb0(%a: f32, %g: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %g : f32
    %r = arith.addf %m, %b : f32
    linalg.yield %r : f32
  }} -> {act}
  %g = linalg.generic {{indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel"]}} ins(%v, %delta : {act}, tensor<{K}xf32>) outs(%e : {act}) {{
  ^bb0(%a: f32, %s: f32, %o: f32):
    %m = arith.mulf %a, %s : f32
    linalg.yield %m : f32
  }} -> {act}
  %w = arith.constant {dense(w)} : tensor<{K}x{N}xf32>
  %u = arith.constant {dense(u)} : tensor<{K}x{N}xf32>
  %zero = arith.constant 0.0 : f32
  %e2 = tensor.empty() : {out}
  %f = linalg.fill ins(%zero : f32) outs(%e2 : {out}) -> {out}
  %y = linalg.matmul ins(%h, %w : {act}, tensor<{K}x{N}xf32>) outs(%f : {out}) -> {out}
  %z = linalg.matmul ins(%g, %u : {act}, tensor<{K}x{N}xf32>) outs(%f : {out}) -> {out}
  return %y, %z : {out}, {out}
}}
"""
    open(os.path.join(d, "model.mlir"), "w").write(mlir)
    np.savez(os.path.join(d, "calib.npz"), **calib)
    np.savez(os.path.join(d, "x.npz"), **inputs)
    x = inputs["x"].astype(np.float64)
    v = inputs["v"].astype(np.float64)
    np.savez(os.path.join(d, "float.npz"),
             y=((x * gamma + beta) @ w).astype(np.float32),
             z=((v * delta) @ u).astype(np.float32))


def errors(d, path):
    ref = np.load(os.path.join(d, "float.npz"))
    got = np.load(path)
    e = {k: np.linalg.norm(got[k].astype(np.float64) - ref[k]) /
         np.linalg.norm(ref[k].astype(np.float64)) for k in ("y", "z")}
    e["mean"] = (e["y"] + e["z"]) / 2
    return e


def main(argv):
    d = argv[2]
    if argv[1] == "write":
        write(d)
        return 0
    if argv[1] == "error":
        e = errors(d, argv[3])
        print(f"y {e['y']:.6g}, z {e['z']:.6g}, mean {e['mean']:.6g}")
        return 0
    if argv[1] == "compare":
        naive, smooth = errors(d, argv[3])["y"], errors(d, argv[4])["y"]
        ratio = naive / smooth
        ok = ratio >= float(argv[5])
        print(f"naive {naive:.4g}, smoothed {smooth:.4g}: {ratio:.1f}x lower "
              f"({'at least' if ok else 'BELOW'} {argv[5]}x)")
        return 0 if ok else 1
    if argv[1] == "same":
        a, b = np.load(argv[2]), np.load(argv[3])
        same = all(np.array_equal(a[k], b[k]) for k in ("y", "z"))
        print("bit-identical" if same else "DIFFERENT")
        return 0 if same else 1
    search = errors(d, argv[3])["mean"]
    fixed = [errors(d, p)["mean"] for p in argv[4:]]
    ok = search <= min(fixed)
    print(f"search {search:.4g}, fixed " +
          " ".join(f"{f:.4g}" for f in fixed) +
          f": {'no worse than' if ok else 'WORSE than'} the best fixed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
