// Times one in-place non-blocking sum (MPI_Iallreduce, then MPI_Wait) of COUNT floats against the
// blocking MPI_Allreduce of benchmarks/mpi/allreduce.c, and how far a started sum advances while the
// rank computes: after MPI_Iallreduce the rank spins for COMPUTE microseconds (standing for the
// backward pass's products), calling MPI_Test every TEST microseconds (0: never), then waits. Open MPI
// has no progress thread for TCP, so a sum moves only inside MPI calls; the wait that remains after
// the computation is what a training step would wait. Prints, per mode, the median and the fastest of
// ITERATIONS calls in microseconds (a barrier before each). With SPAN (KB, default 0) the computation
// also writes over a buffer of that size, round and round, as a training step's products sweep their
// matrices through the caches. Which algorithm Open MPI's libnbc uses for the non-blocking sum is its
// `coll_libnbc_iallreduce_algorithm` (pass it with --mca to compare).
//
//   mpicc -O2 -o iallreduce iallreduce.c
//   mpirun -np 2 ./iallreduce [COUNT] [ITERATIONS] [COMPUTE] [TEST] [SPAN]
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(int rank, const char *what, double *times, int iterations) {
    qsort(times, (size_t)iterations, sizeof(double), compare);
    if (rank == 0) printf("  %-44s median %7.1f us, fastest %7.1f us\n", what, times[iterations / 2] * 1e6, times[0] * 1e6);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    long count = argc > 1 ? atol(argv[1]) : 235148;
    int iterations = argc > 2 ? atoi(argv[2]) : 200;
    double compute = (argc > 3 ? atof(argv[3]) : 1000) * 1e-6;
    double testEvery = (argc > 4 ? atof(argv[4]) : 100) * 1e-6;
    size_t span = (size_t)(argc > 5 ? atol(argv[5]) : 0) * 1000, position = 0;
    char *memory = span > 0 ? malloc(span) : NULL;
    float *values = malloc(sizeof(float) * (size_t)count);
    double *times = malloc(sizeof(double) * (size_t)iterations);
    double *waits = malloc(sizeof(double) * (size_t)iterations);
    for (long i = 0; i < count; i++) values[i] = (float)(i % 7) * 1e-3f;
    MPI_Request request;
    for (int i = 0; i < 20; i++) {
        MPI_Allreduce(MPI_IN_PLACE, values, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        MPI_Iallreduce(MPI_IN_PLACE, values, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &request);
        MPI_Wait(&request, MPI_STATUS_IGNORE);
    }
    if (rank == 0) printf("%d ranks, %ld floats (%.0f KB):\n", size, count, count * 4 / 1000.0);

    for (int i = 0; i < iterations; i++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double start = MPI_Wtime();
        MPI_Allreduce(MPI_IN_PLACE, values, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        times[i] = MPI_Wtime() - start;
    }
    report(rank, "MPI_Allreduce:", times, iterations);

    for (int i = 0; i < iterations; i++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double start = MPI_Wtime();
        MPI_Iallreduce(MPI_IN_PLACE, values, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &request);
        MPI_Wait(&request, MPI_STATUS_IGNORE);
        times[i] = MPI_Wtime() - start;
    }
    report(rank, "MPI_Iallreduce + MPI_Wait:", times, iterations);

    for (int i = 0; i < iterations; i++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double start = MPI_Wtime();
        MPI_Iallreduce(MPI_IN_PLACE, values, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &request);
        double nextTest = start + testEvery;
        int done = 0;
        for (double now = MPI_Wtime(); now - start < compute; now = MPI_Wtime()) {
            if (memory) {
                size_t piece = span - position < 65536 ? span - position : 65536;
                memset(memory + position, (int)(now * 1e6) & 0xff, piece);
                position = (position + piece) % span;
            }
            if (testEvery > 0 && now >= nextTest && !done) {
                MPI_Test(&request, &done, MPI_STATUS_IGNORE);
                nextTest = now + testEvery;
            }
        }
        double computed = MPI_Wtime();
        if (!done) MPI_Wait(&request, MPI_STATUS_IGNORE);
        waits[i] = MPI_Wtime() - computed;
        times[i] = MPI_Wtime() - start;
    }
    char what[96];
    snprintf(what, sizeof what, "then %.0f us computing%s, MPI_Test every %.0f us:", compute * 1e6,
             memory ? " (writing memory)" : "", testEvery * 1e6);
    report(rank, what, times, iterations);
    report(rank, "  of which the wait after the computing:", waits, iterations);
    free(values);
    free(times);
    free(waits);
    free(memory);
    MPI_Finalize();
    return 0;
}
