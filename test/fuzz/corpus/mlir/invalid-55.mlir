func.func @scheme_rounding() attributes {s = #qf.scheme<weight = i8, per_tensor, symmetric, rounding = nearest>} {
  return
}
