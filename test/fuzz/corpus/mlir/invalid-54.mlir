func.func @scheme_granularity() attributes {s = #qf.scheme<weight = i8, per_row, symmetric, rounding = half_even>} {
  return
}
