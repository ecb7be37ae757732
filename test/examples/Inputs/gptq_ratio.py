"""Summarizes quant-gptq's report: per layer, round to nearest's output error
over GPTQ's. Exits 1 unless GPTQ is below RTN on every layer.

  gptq_ratio.py REPORT.json
"""
import json
import sys

layers = json.load(open(sys.argv[1]))["layers"]
ratios = sorted(layer["rtn_over_gptq"] for layer in layers)
ok = all(r > 1 for r in ratios)
print(f"{len(ratios)} layers: RTN/GPTQ output error min {ratios[0]:.2f}, "
      f"median {ratios[len(ratios) // 2]:.2f}, max {ratios[-1]:.2f}: "
      f"{'GPTQ below RTN on every layer' if ok else 'RTN BELOW GPTQ somewhere'}")
sys.exit(0 if ok else 1)
