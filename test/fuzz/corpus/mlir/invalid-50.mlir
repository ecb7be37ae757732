func.func @scheme_act_type() attributes {s = #qf.scheme<weight = i4, act = f64, per_tensor, symmetric, rounding = half_even>} {
  return
}
