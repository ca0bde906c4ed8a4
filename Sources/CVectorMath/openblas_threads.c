// The kernel layer's blocks on OpenBLAS's worker threads, through `gotoblas_pthread`, the
// pthread_create-style entry point that OpenBLAS's pthreads server exports (driver/others/
// blas_server.c): it queues one job per block to its idle workers (the same threads that run gemm,
// usually still spinning from the last product), runs the first on the caller and waits for the
// rest. So the passes that are not products share OpenBLAS's threads instead of competing with them
// from a pool of their own. The symbols are looked up at run time: the serial and OpenMP variants
// of Debian's OpenBLAS lack the server, and the package must load with them.
#define _GNU_SOURCE
#include "COpenBLASThreads.h"

#include <dlfcn.h>
#include <pthread.h>

typedef int (*gotoblas_pthread_function)(int threads, void *function, void *arguments, int stride);
typedef int (*openblas_get_parallel_function)(void);

static gotoblas_pthread_function run_threads;
static pthread_once_t resolve_once = PTHREAD_ONCE_INIT;

static void resolve(void) {
    openblas_get_parallel_function parallel =
        (openblas_get_parallel_function)dlsym(RTLD_DEFAULT, "openblas_get_parallel");
    // 1: OpenBLAS's own pthreads server (0 serial, 2 OpenMP).
    if (parallel == NULL || parallel() != 1) return;
    run_threads = (gotoblas_pthread_function)dlsym(RTLD_DEFAULT, "gotoblas_pthread");
}

int cvm_openblas_threads_available(void) {
    pthread_once(&resolve_once, resolve);
    return run_threads != NULL;
}

typedef struct {
    cvm_block_body body;
    void *context;
    long block;
} block_job;

static void run_job(void *argument) {
    block_job *job = argument;
    job->body(job->context, job->block);
}

void cvm_run_blocks_on_openblas(long blocks, cvm_block_body body, void *context) {
    block_job jobs[64];
    if (blocks > 64) blocks = 64;
    for (long block = 0; block < blocks; block++) {
        jobs[block].body = body;
        jobs[block].context = context;
        jobs[block].block = block;
    }
    run_threads((int)blocks, (void *)run_job, jobs, (int)sizeof(block_job));
}
