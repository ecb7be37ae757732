"""A layer with activation outliers, as in large language models.

  outliers.py write DIR     DIR/model.mlir (x -> x * gamma + beta -> matmul,
                            gamma making 4 of 64 channels 50-100x larger and
                            their weight rows as much smaller),
                            DIR/calib.npz and DIR/x.npz (the same
                            distribution), DIR/float.npz (NumPy's float
                            output for x)
  outliers.py error DIR OUT.npz
                            prints the relative error of OUT against float
  outliers.py compare DIR NAIVE.npz SMOOTH.npz MIN_RATIO
                            both errors; exits 1 unless SMOOTH's is at least
                            MIN_RATIO times lower
"""
import os
import sys

import numpy as np

T, K, N = 64, 64, 32
SEED = 11


def build():
    rng = np.random.default_rng(SEED)
    gamma = rng.uniform(0.5, 1.5, K).astype(np.float32)
    outliers = rng.choice(K, 4, replace=False)
    factor = rng.uniform(50, 100, 4).astype(np.float32)
    gamma[outliers] *= factor
    beta = rng.normal(0, 0.1, K).astype(np.float32)
    w = (rng.normal(0, 1, (K, N)) / np.sqrt(K)).astype(np.float32)
    # The weights of the outlier channels are as much smaller, so that every
    # channel contributes alike to the output (as a trained model does).
    w[outliers] /= factor[:, None]
    calib = rng.normal(0, 1, (8, T, K)).astype(np.float32)
    x = rng.normal(0, 1, (T, K)).astype(np.float32)
    return gamma, beta, w, calib, x


def dense(a):
    flat = ", ".join(f"{v:.9g}" for v in a.reshape(-1))
    if a.ndim == 1:
        return f"dense<[{flat}]>"
    rows = ", ".join("[" + ", ".join(f"{v:.9g}" for v in r) + "]" for r in a)
    return f"dense<[{rows}]>"


def main(argv):
    gamma, beta, w, calib, x = build()
    d = argv[2]
    if argv[1] == "write":
        mlir = f"""#id = affine_map<(d0, d1) -> (d0, d1)>
#ch = affine_map<(d0, d1) -> (d1)>
func.func @main(%x: tensor<{T}x{K}xf32> {{qf.name = "x"}}) -> (tensor<{T}x{N}xf32> {{qf.name = "y"}}) {{
  %gamma = arith.constant {dense(gamma)} : tensor<{K}xf32>
  %beta = arith.constant {dense(beta)} : tensor<{K}xf32>
  %e = tensor.empty() : tensor<{T}x{K}xf32>
  %h = linalg.generic {{indexing_maps = [#id, #ch, #ch, #id], iterator_types = ["parallel", "parallel"]}} ins(%x, %gamma, %beta : tensor<{T}x{K}xf32>, tensor<{K}xf32>, tensor<{K}xf32>) outs(%e : tensor<{T}x{K}xf32>) {{
  ^bb0(%a: f32, %g: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %g : f32
    %r = arith.addf %m, %b : f32
    linalg.yield %r : f32
  }} -> tensor<{T}x{K}xf32>
  %w = arith.constant {dense(w)} : tensor<{K}x{N}xf32>
  %zero = arith.constant 0.0 : f32
  %e2 = tensor.empty() : tensor<{T}x{N}xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e2 : tensor<{T}x{N}xf32>) -> tensor<{T}x{N}xf32>
  %y = linalg.matmul ins(%h, %w : tensor<{T}x{K}xf32>, tensor<{K}x{N}xf32>) outs(%f : tensor<{T}x{N}xf32>) -> tensor<{T}x{N}xf32>
  return %y : tensor<{T}x{N}xf32>
}}
"""
        open(os.path.join(d, "model.mlir"), "w").write(mlir)
        np.savez(os.path.join(d, "calib.npz"), x=calib)
        np.savez(os.path.join(d, "x.npz"), x=x)
        y = (x.astype(np.float64) * gamma + beta) @ w
        np.savez(os.path.join(d, "float.npz"), y=y.astype(np.float32))
        return 0
    y = np.load(os.path.join(d, "float.npz"))["y"].astype(np.float64)

    def error(path):
        got = np.load(path)["y"].astype(np.float64)
        return np.linalg.norm(got - y) / np.linalg.norm(y)

    if argv[1] == "error":
        print(f"{error(argv[3]):.6g}")
        return 0
    naive, smooth = error(argv[3]), error(argv[4])
    ratio = naive / smooth
    ok = ratio >= float(argv[5])
    print(f"naive {naive:.4g}, smoothed {smooth:.4g}: {ratio:.1f}x lower "
          f"({'at least' if ok else 'BELOW'} {argv[5]}x)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
