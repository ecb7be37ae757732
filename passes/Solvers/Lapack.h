//===- Lapack.h - The LAPACK and BLAS routines the passes call --*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Fortran interfaces (OpenBLAS on Debian), with the hidden lengths of the
// character arguments. Matrices are column-major: a row-major [r, c] array
// is its transpose.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_SOLVERS_LAPACK_H
#define QF_PASSES_SOLVERS_LAPACK_H

#include <cstddef>

extern "C" {
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda,
             int *info, size_t uploLength);
void dtrtri_(const char *uplo, const char *diag, const int *n, double *a,
             const int *lda, int *info, size_t uploLength, size_t diagLength);
void dgemm_(const char *transA, const char *transB, const int *m, const int *n,
            const int *k, const double *alpha, const double *a, const int *lda,
            const double *b, const int *ldb, const double *beta, double *c,
            const int *ldc, size_t transALength, size_t transBLength);
}

#endif // QF_PASSES_SOLVERS_LAPACK_H
