func.func @scheme_weight_type() attributes {s = #qf.scheme<weight = i5, per_tensor, symmetric, rounding = half_even>} {
  return
}
