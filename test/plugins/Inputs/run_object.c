// Calls the entry point of an object file that `qf-lower{emit=...}` wrote
// for @linear, a one-input, one-result f32 function of rank 2:
//   run_object X.bin Y.bin M K N
// reads X (M x K floats), writes Y (M x N floats).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
  float *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
} MemRef2D;

// Inputs first, then the result as a caller-allocated out-parameter.
void _mlir_ciface_linear(MemRef2D *x, MemRef2D *y);

static MemRef2D wrap(float *data, int64_t rows, int64_t cols) {
  MemRef2D m = {data, data, 0, {rows, cols}, {cols, 1}};
  return m;
}

int main(int argc, char **argv) {
  if (argc != 6)
    return 2;
  int64_t m = atoll(argv[3]), k = atoll(argv[4]), n = atoll(argv[5]);
  float *x = malloc(sizeof(float) * m * k), *y = malloc(sizeof(float) * m * n);
  FILE *in = fopen(argv[1], "rb");
  if (!in || fread(x, sizeof(float), m * k, in) != (size_t)(m * k))
    return 1;
  fclose(in);
  MemRef2D xm = wrap(x, m, k), ym = wrap(y, m, n);
  _mlir_ciface_linear(&xm, &ym);
  FILE *out = fopen(argv[2], "wb");
  fwrite(y, sizeof(float), m * n, out);
  fclose(out);
  return 0;
}
