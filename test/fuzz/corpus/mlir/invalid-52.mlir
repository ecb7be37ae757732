func.func @scheme_float_per_channel() attributes {s = #qf.scheme<weight = f16, per_channel, symmetric, rounding = half_even>} {
  return
}
