func.func @scheme_stochastic() attributes {s = #qf.scheme<weight = i8, per_channel, symmetric, rounding = stochastic>} {
  return
}
