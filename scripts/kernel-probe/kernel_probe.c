// Which OpenBLAS kernel family is fastest here, measured so that other processes on a shared machine disturb
// it as little as possible: at 1 thread, per-call *thread CPU time* (CLOCK_THREAD_CPUTIME_ID: time the
// thread was off the core does not count); at more threads, wall time (threads must share the cores).
// Each figure is the median and the best of the samples. Run once per family, OPENBLAS_CORETYPE set
// before start (scripts/kernel-probe/run.sh does it, interleaved).
//
//   cc -O2 scripts/kernel-probe/kernel_probe.c -o /tmp/kernel_probe -lopenblas
//   OPENBLAS_CORETYPE=SkylakeX /tmp/kernel_probe THREADS
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double seconds(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct { int m, n, k, transposeA, transposeB; const char *label; } shape;

static const shape shapes[] = {
    {256, 256, 256, 0, 0, "256^2"},
    {1024, 1024, 1024, 0, 0, "1024^2"},
    {128, 256, 784, 0, 0, "128x784.784x256"},
    {128, 128, 256, 0, 0, "128x256.256x128"},
    {784, 256, 128, 1, 0, "(128x784)T.128x256"},
    {128, 784, 256, 0, 1, "128x256.(784x256)T"},
};

static void call(int single, const shape *s, const void *a, const void *b, void *c) {
    int lda = s->transposeA ? s->m : s->k, ldb = s->transposeB ? s->k : s->n;
    enum CBLAS_TRANSPOSE ta = s->transposeA ? CblasTrans : CblasNoTrans, tb = s->transposeB ? CblasTrans : CblasNoTrans;
    if (single) cblas_sgemm(CblasRowMajor, ta, tb, s->m, s->n, s->k, 1, a, lda, b, ldb, 0, c, s->n);
    else cblas_dgemm(CblasRowMajor, ta, tb, s->m, s->n, s->k, 1, a, lda, b, ldb, 0, c, s->n);
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    openblas_set_num_threads(threads);
    clockid_t clock = threads == 1 ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC;
    size_t largest = 1024 * 1024;
    double *a = malloc(largest * 8), *b = malloc(largest * 8), *c = malloc(largest * 8);
    for (size_t i = 0; i < largest; i++) { a[i] = (double)(i % 97) / 97 - 0.5; b[i] = (double)(i % 89) / 89 - 0.5; }
    for (int single = 1; single >= 0; single--) {
        for (size_t index = 0; index < sizeof shapes / sizeof *shapes; index++) {
            const shape *s = &shapes[index];
            double flops = 2.0 * s->m * s->n * s->k;
            int iterations = (int)(2e8 / flops) + 1;  // about 5-20 ms a sample
            for (int i = 0; i < iterations; i++) call(single, s, a, b, c);  // warm-up
            enum { samples = 15 };
            double rates[samples];
            for (int sample = 0; sample < samples; sample++) {
                double start = seconds(clock);
                for (int i = 0; i < iterations; i++) call(single, s, a, b, c);
                rates[sample] = flops * iterations / (seconds(clock) - start) / 1e9;
            }
            qsort(rates, samples, sizeof *rates, compare);
            printf("%s %s %d %s %.1f %.1f\n", openblas_get_corename(), single ? "float" : "double", threads, s->label,
                   rates[samples / 2], rates[samples - 1]);
            fflush(stdout);
        }
    }
    return 0;
}
