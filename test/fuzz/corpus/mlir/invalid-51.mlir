func.func @scheme_group_size() attributes {s = #qf.scheme<weight = i4, per_group = 0, symmetric, rounding = half_even>} {
  return
}
