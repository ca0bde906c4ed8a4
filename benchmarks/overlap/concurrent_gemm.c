// What OpenBLAS allows for running a dense layer's two backward products at once (benchmarks/overlap/run.sh).
//
//   concurrent_gemm time ROWS INPUTS OUTPUTS REPEATS
//       The input-gradient product ∂Z·Wᵀ (ROWS × INPUTS) and the weight-gradient product Xᵀ·∂Z (INPUTS × OUTPUTS),
//       in float: one after the other at 2 OpenBLAS threads and at 1, and at once from two threads (the caller
//       and a helper woken through a condition variable) with OpenBLAS's count at 2 and at 1. Best of 5 timings,
//       microseconds per pair. If concurrent threaded calls ran in parallel, "at once, count 2" would beat
//       "one after the other, 2 threads"; with OpenBLAS 0.3.21 it never does.
//   concurrent_gemm bits
//       Whether a product's bits depend on OpenBLAS's thread count: each shape at 2 and 3 threads against 1,
//       with beta 0.9 (momentum's gradient) for the weight gradient and 0 for the input gradient. Exit status 0.
#define _GNU_SOURCE
#include <cblas.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern void openblas_set_num_threads(int);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

typedef struct {
    int m, n, k, transposeA, transposeB;
    float beta;
    const float *a, *b;
    float *c;
} product;

static void run(const product *p) {
    cblas_sgemm(CblasRowMajor, p->transposeA ? CblasTrans : CblasNoTrans, p->transposeB ? CblasTrans : CblasNoTrans,
                p->m, p->n, p->k, 1.f, p->a, p->transposeA ? p->m : p->k, p->b, p->transposeB ? p->k : p->n, p->beta,
                p->c, p->n);
}

static const product *helper_product;
static int command, finished;
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER, done = PTHREAD_COND_INITIALIZER;

static void *helper(void *unused) {
    (void)unused;
    for (;;) {
        pthread_mutex_lock(&mutex);
        while (command == 0) pthread_cond_wait(&wake, &mutex);
        int what = command;
        command = 0;
        pthread_mutex_unlock(&mutex);
        if (what < 0) return NULL;
        run(helper_product);
        pthread_mutex_lock(&mutex);
        finished = 1;
        pthread_cond_signal(&done);
        pthread_mutex_unlock(&mutex);
    }
}

static float *filled(long count, unsigned seed) {
    float *p = malloc(sizeof(float) * count);
    for (long i = 0; i < count; i++) p[i] = (float)((i * seed) % 1000) / 1000.f - 0.5f;
    return p;
}

static int time_pairs(int rows, int inputs, int outputs, int repeats) {
    float *x = filled((long)rows * inputs, 7919), *w = filled((long)inputs * outputs, 104729);
    float *dz = filled((long)rows * outputs, 31), *dx = filled((long)rows * inputs, 1), *dw = filled((long)inputs * outputs, 1);
    product inputGradient = {rows, inputs, outputs, 0, 1, 0.f, dz, w, dx};
    product weightGradient = {inputs, outputs, rows, 1, 0, 0.9f, x, dz, dw};
    helper_product = &weightGradient;
    pthread_t thread;
    pthread_create(&thread, NULL, helper, NULL);
    const char *names[] = {"one after the other, 2 threads", "one after the other, 1 thread",
                           "at once, OpenBLAS count 2", "at once, OpenBLAS count 1"};
    for (int mode = 0; mode < 4; mode++) {
        openblas_set_num_threads(mode == 0 || mode == 2 ? 2 : 1);
        double best = 1e30;
        for (int round = 0; round < 5; round++) {
            double start = now();
            for (int i = 0; i < repeats; i++) {
                if (mode < 2) {
                    run(&inputGradient);
                    run(&weightGradient);
                } else {
                    pthread_mutex_lock(&mutex);
                    finished = 0;
                    command = 1;
                    pthread_cond_signal(&wake);
                    pthread_mutex_unlock(&mutex);
                    run(&inputGradient);
                    pthread_mutex_lock(&mutex);
                    while (!finished) pthread_cond_wait(&done, &mutex);
                    pthread_mutex_unlock(&mutex);
                }
            }
            double elapsed = (now() - start) / repeats;
            if (elapsed < best) best = elapsed;
        }
        printf("%4d x %4d -> %4d (%9ld multiply-adds each)  %-32s %9.1f us\n", rows, inputs, outputs,
               (long)rows * inputs * outputs, names[mode], best * 1e6);
    }
    pthread_mutex_lock(&mutex);
    command = -1;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&mutex);
    pthread_join(thread, NULL);
    return 0;
}

static int compare_bits(void) {
    int shapes[][3] = {{128, 128, 10}, {64, 64, 64}, {128, 256, 128}, {128, 784, 256}, {100, 300, 200}, {37, 1000, 513}};
    for (int s = 0; s < 6; s++) {
        int rows = shapes[s][0], inputs = shapes[s][1], outputs = shapes[s][2];
        float *x = filled((long)rows * inputs, 7919), *w = filled((long)inputs * outputs, 104729);
        float *dz = filled((long)rows * outputs, 31);
        float *dw[4], *dx[4];
        for (int threads = 1; threads <= 3; threads++) {
            openblas_set_num_threads(threads);
            dw[threads] = filled((long)inputs * outputs, 13);
            dx[threads] = malloc(sizeof(float) * rows * inputs);
            product weightGradient = {inputs, outputs, rows, 1, 0, 0.9f, x, dz, dw[threads]};
            product inputGradient = {rows, inputs, outputs, 0, 1, 0.f, dz, w, dx[threads]};
            run(&weightGradient);
            run(&inputGradient);
        }
        for (int threads = 2; threads <= 3; threads++) {
            printf("%4d x %4d -> %4d (%9ld multiply-adds each)  %d threads against 1: weight gradient %s, input gradient %s\n",
                   rows, inputs, outputs, (long)rows * inputs * outputs, threads,
                   memcmp(dw[1], dw[threads], sizeof(float) * inputs * outputs) ? "differs" : "same bits",
                   memcmp(dx[1], dx[threads], sizeof(float) * rows * inputs) ? "differs" : "same bits");
        }
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 6 && strcmp(argv[1], "time") == 0)
        return time_pairs(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
    if (argc == 2 && strcmp(argv[1], "bits") == 0) return compare_bits();
    fprintf(stderr, "usage: concurrent_gemm time ROWS INPUTS OUTPUTS REPEATS | concurrent_gemm bits\n");
    return 64;
}
