func.func @fake_quant_grad_shape(%x: tensor<2x3xf32>) {
  %dx, %ds, %dz = qf.fake_quant_grad %x, %x as !quant.uniform<i8:f32:1, {0.5, 0.25, 1.0}> half_even clipped : tensor<2x3xf32> -> tensor<f32>
  return
}
