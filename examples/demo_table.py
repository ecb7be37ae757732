"""The tables of the demo (examples/demo.sh): one row per recipe from the
files the demo wrote to OUT: MODEL-RECIPE.json (qf-eval's scores),
MODEL-RECIPE.timing.json (qf-eval --time: speed and memory) and
MODEL-RECIPE.md (qf-quantize's report, for the size).

  demo_table.py OUT gpt|cnn RECIPE...

Every score carries its 95% bootstrap interval; a paired difference whose
interval contains 0 is marked "(n.s.)": not a measured difference; so is a
speed-up whose range of run times (min-max) overlaps f32's.
"""
import json
import os
import re
import sys


def interval(metric, digits):
    return (f"{metric['value']:.{digits}f} "
            f"[{metric['low']:.{digits}f}, {metric['high']:.{digits}f}]")


def delta(metric, digits):
    if metric is None:
        return ""
    text = (f"{metric['value']:+.{digits}f} "
            f"[{metric['low']:+.{digits}f}, {metric['high']:+.{digits}f}]")
    return text if metric["low"] > 0 or metric["high"] < 0 else text + " (n.s.)"


def sizes(report_path):
    """(bits/weight, quantized MB, float MB) from a qf-quantize report."""
    text = open(report_path).read()
    bits = re.search(r"^- quantized weights: .* ([0-9.]+) bits/weight$", text, re.M)
    size = re.search(r"^- model size: ([0-9.]+) MB -> ([0-9.]+) MB", text, re.M)
    return float(bits.group(1)), float(size.group(2)), float(size.group(1))


def main(out, model, recipes):
    rows = {}
    for r in recipes:
        with open(os.path.join(out, f"{model}-{r}.json")) as f:
            rows[r] = json.load(f)
        with open(os.path.join(out, f"{model}-{r}.timing.json")) as f:
            measured = json.load(f)
        rows[r]["timing"] = measured["timing"]
        rows[r]["peak_rss_bytes"] = measured["peak_rss_bytes"]
    float_mb = None
    for r in recipes:
        report = os.path.join(out, f"{model}-{r}.md")
        if os.path.exists(report):
            float_mb = sizes(report)[2]
            break
    f32_timing = rows["f32"]["timing"] if "f32" in rows else None
    if model == "gpt":
        score, digits, name = "bits_per_byte", 4, "bits/byte"
    else:
        score, digits, name = "top1", 4, "top-1"
    first = next(iter(rows.values()))
    timing_rows = first["timing"]["rows"]
    print(f"| recipe | bits/weight | model MB | compression | {name} [95%] "
          f"| Δ vs f32 (paired) | Δ vs baseline (paired) "
          f"| ms, batch of {timing_rows} | speed-up | peak MB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in recipes:
        row = rows[r]
        metrics = row["metrics"]
        if r == "f32":
            bits, mb = 32, float_mb
        else:
            bits, mb, _ = sizes(os.path.join(out, f"{model}-{r}.md"))
        vs_float = vs_base = None
        for key, metric in metrics.items():
            if key.startswith("delta_vs:"):
                if key.startswith(f"delta_vs:{model}-f32."):
                    vs_float = metric
                else:
                    vs_base = (key.split(f"{model}-", 1)[1].split(".")[0], metric)
        timing = row["timing"]
        ms = timing["median_ms"]
        speedup = ""
        if f32_timing:
            speedup = f"{f32_timing['median_ms'] / ms:.2f}x"
            # Ranges that overlap f32's measure no difference.
            if r != "f32" and (timing["min_ms"] <= f32_timing["max_ms"] and
                               f32_timing["min_ms"] <= timing["max_ms"]):
                speedup += " (n.s.)"
        base_text = f"{delta(vs_base[1], digits)} vs {vs_base[0]}" if vs_base else ""
        compression = f"{float_mb / mb:.2f}x" if float_mb and mb else ""
        print(f"| {r} | {bits:g} | {mb:.3f} | {compression} "
              f"| {interval(metrics[score], digits)} | {delta(vs_float, digits)} "
              f"| {base_text} | {ms:.2f} ({timing['min_ms']:.2f}-{timing['max_ms']:.2f}) "
              f"| {speedup} "
              f"| {row['peak_rss_bytes'] / 1e6:.0f} |")
    print()
    print(f"{first['units']} {first['unit']} of {first['data']}; intervals: "
          f"percentile bootstrap over {first['unit']} "
          f"({first['bootstrap']['resamples']} resamples, seed "
          f"{first['bootstrap']['seed']}). ms: median of "
          f"{first['timing']['runs']} runs (min-max) on one pinned core, one model at a time; "
          f"speed-up: f32's median over the recipe's, (n.s.) where the ranges overlap; peak MB: the evaluating "
          f"process's peak RSS, compilation included.")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
