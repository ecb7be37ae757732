"""Writes what the demo would for three GPT recipes: qf-eval's JSON (scores,
and timing) and qf-quantize's reports (size lines only)."""
import json
import os
import sys

out = sys.argv[1]


def metric(value, low, high):
    return {"value": value, "low": low, "high": high}


rows = {
    "f32": (2.0, {}, 10.0, 9.0, 12.0, 200e6),
    "w4a16-rtn": (2.05, {"delta_vs:gpt-f32.scores.npz": metric(0.05, 0.04, 0.06)},
                  5.0, 4.0, 6.0, 150e6),
    "w4a16-gptq": (2.001, {"delta_vs:gpt-f32.scores.npz": metric(0.001, -0.001, 0.003),
                           "delta_vs:gpt-w4a16-rtn.scores.npz": metric(-0.049, -0.06, -0.038)},
                   8.0, 7.0, 9.0, 150e6),
}
for recipe, (bpb, deltas, median, low, high, rss) in rows.items():
    metrics = {"bits_per_byte": metric(bpb, bpb - 0.1, bpb + 0.1), **deltas}
    json.dump({"model": f"gpt-{recipe}.mlir", "data": "heldout.txt", "units": 1000,
               "unit": "windows", "bootstrap": {"resamples": 1000, "seed": 0},
               "metrics": metrics},
              open(os.path.join(out, f"gpt-{recipe}.json"), "w"))
    json.dump({"timing": {"rows": 1, "runs": 20, "min_ms": low, "median_ms": median,
                          "max_ms": high},
               "peak_rss_bytes": rss},
              open(os.path.join(out, f"gpt-{recipe}.timing.json"), "w"))
    if recipe != "f32":
        with open(os.path.join(out, f"gpt-{recipe}.md"), "w") as f:
            f.write("- quantized weights: 25 (1000 parameters), 3.9 MB -> 0.9 MB, 4.3 bits/weight\n"
                    "- model size: 4.000 MB -> 1.000 MB (4.00x smaller)\n")
