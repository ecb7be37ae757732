func.func @fake_quant_grad_seed(%x: tensor<2x3xf32>) {
  %dx, %ds, %dz = qf.fake_quant_grad %x, %x as !quant.uniform<i8:f32, 0.5> stochastic clipped : tensor<2x3xf32> -> tensor<f32>
  return
}
