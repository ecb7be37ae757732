// int8 matmuls for the gpu-nvvm kernel tests: reductions that are a
// multiple of 32 (mma.sync), with M and N that are not multiples of the
// 16 x 8 tile, batched with a shared weight, and one that is not (dp4a).

!a = !quant.uniform<i8:f32, 0.5:3>
!w = !quant.uniform<i8:f32, 0.25>
!acc = !quant.uniform<i32:f32, 0.125>

func.func @tiles(%a: tensor<20x64xi8> {qf.name = "a"}, %w: tensor<64x12xi8> {qf.name = "w"}) -> (tensor<20x12xi32> {qf.name = "acc"}) {
  %qa = quant.scast %a : tensor<20x64xi8> to tensor<20x64x!a>
  %qw = quant.scast %w : tensor<64x12xi8> to tensor<64x12x!w>
  %acc = qf.matmul %qa, %qw : tensor<20x64x!a>, tensor<64x12x!w> -> tensor<20x12x!acc>
  %r = quant.scast %acc : tensor<20x12x!acc> to tensor<20x12xi32>
  return %r : tensor<20x12xi32>
}

func.func @batched(%a: tensor<3x20x64xi8> {qf.name = "a"}, %w: tensor<64x12xi8> {qf.name = "w"}) -> (tensor<3x20x12xi32> {qf.name = "acc"}) {
  %qa = quant.scast %a : tensor<3x20x64xi8> to tensor<3x20x64x!a>
  %qw = quant.scast %w : tensor<64x12xi8> to tensor<64x12x!w>
  %acc = qf.matmul %qa, %qw : tensor<3x20x64x!a>, tensor<64x12x!w> -> tensor<3x20x12x!acc>
  %r = quant.scast %acc : tensor<3x20x12x!acc> to tensor<3x20x12xi32>
  return %r : tensor<3x20x12xi32>
}

func.func @narrow(%a: tensor<4x12xi8> {qf.name = "a"}, %w: tensor<12x3xi8> {qf.name = "w"}) -> (tensor<4x3xi32> {qf.name = "acc"}) {
  %qa = quant.scast %a : tensor<4x12xi8> to tensor<4x12x!a>
  %qw = quant.scast %w : tensor<12x3xi8> to tensor<12x3x!w>
  %acc = qf.matmul %qa, %qw : tensor<4x12x!a>, tensor<12x3x!w> -> tensor<4x3x!acc>
  %r = quant.scast %acc : tensor<4x3x!acc> to tensor<4x3xi32>
  return %r : tensor<4x3xi32>
}
