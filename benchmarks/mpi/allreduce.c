// Times one in-place MPI_Allreduce (sum) of COUNT floats, as `fit` makes per step: the gradient
// buffer of the 784-256-128-10 Fashion-MNIST network (235,146 parameters) plus the loss and one
// metric is 235,148 floats. Prints the median and the fastest of ITERATIONS calls, in microseconds,
// after a barrier before each call (so a call does not measure the other rank's lateness).
//
//   mpicc -O2 -o allreduce allreduce.c && mpirun -np 2 ./allreduce [COUNT] [ITERATIONS]
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    long count = argc > 1 ? atol(argv[1]) : 235148;
    int iterations = argc > 2 ? atoi(argv[2]) : 300;
    float *values = malloc(sizeof(float) * (size_t)count);
    double *times = malloc(sizeof(double) * (size_t)iterations);
    for (long i = 0; i < count; i++) values[i] = (float)(i % 7) * 1e-3f;
    for (int i = 0; i < 20; i++) MPI_Allreduce(MPI_IN_PLACE, values, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    for (int i = 0; i < iterations; i++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double start = MPI_Wtime();
        MPI_Allreduce(MPI_IN_PLACE, values, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        times[i] = MPI_Wtime() - start;
    }
    qsort(times, (size_t)iterations, sizeof(double), compare);
    if (rank == 0) {
        printf("%d ranks, %ld floats (%.0f KB): median %.1f us, fastest %.1f us over %d calls\n", size, count,
               count * 4 / 1000.0, times[iterations / 2] * 1e6, times[0] * 1e6, iterations);
    }
    free(values);
    free(times);
    MPI_Finalize();
    return 0;
}
