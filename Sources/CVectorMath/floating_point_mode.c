// Flush-to-zero on every thread that touches a float training run's data. Subnormal operands and results
// stall Intel cores (microcode assists); the control register's flush bits make them zeros instead. The
// register is per thread, and a thread inherits it from the thread that creates it, so OpenBLAS's workers
// keep the mode of whichever thread started its server. `cvm_openblas_each_thread` reaches them where they
// are: one job per thread through `gotoblas_pthread` (the pthreads server's entry point, found with dlsym as
// in openblas_threads.c), each job waiting at a barrier until all have started, so that the N jobs run on N
// different threads: the caller and every worker (`blas_num_threads - 1` of them, all the server has).
#define _GNU_SOURCE
#include "CFloatingPointMode.h"

#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
// MXCSR: flush-to-zero (results) and denormals-are-zero (operands).
#define FLUSH_MASK ((1u << 15) | (1u << 6))
static unsigned read_register(void) { return _mm_getcsr(); }
static void write_register(unsigned value) { _mm_setcsr(value); }
#elif defined(__aarch64__)
// FPCR.FZ flushes subnormal operands and results of single- and double-precision operations.
#define FLUSH_MASK (1u << 24)
static unsigned read_register(void) {
    unsigned long value;
    __asm__ volatile("mrs %0, fpcr" : "=r"(value));
    return (unsigned)value;
}
static void write_register(unsigned value) {
    unsigned long wide = value;
    __asm__ volatile("msr fpcr, %0" : : "r"(wide));
}
#else
#define FLUSH_MASK 0u
static unsigned read_register(void) { return 0; }
static void write_register(unsigned value) { (void)value; }
#endif

unsigned cvm_flush_mask(void) { return FLUSH_MASK; }

unsigned cvm_flush_bits(void) { return read_register() & FLUSH_MASK; }

void cvm_set_flush_bits(unsigned bits) {
    if (FLUSH_MASK == 0) return;
    unsigned value = read_register();
    unsigned wanted = (value & ~FLUSH_MASK) | (bits & FLUSH_MASK);
    if (wanted != value) write_register(wanted);
}

// The bits a thread had before the last CVM_EACH_THREAD_FLUSH reached it.
static __thread unsigned saved_bits;
static __thread int has_saved_bits;

static void act(cvm_each_thread_action action) {
    switch (action) {
    case CVM_EACH_THREAD_READ: break;
    case CVM_EACH_THREAD_FLUSH:
        saved_bits = cvm_flush_bits();
        has_saved_bits = 1;
        cvm_set_flush_bits(FLUSH_MASK);
        break;
    case CVM_EACH_THREAD_RESTORE:
        if (has_saved_bits) cvm_set_flush_bits(saved_bits);
        has_saved_bits = 0;
        break;
    }
}

typedef int (*gotoblas_pthread_function)(int threads, void *function, void *arguments, int stride);
typedef int (*openblas_get_parallel_function)(void);
static gotoblas_pthread_function run_threads;
static int *server_threads;
static pthread_once_t resolve_once = PTHREAD_ONCE_INIT;
// One broadcast at a time: the jobs of two would wait at each other's barriers.
static pthread_mutex_t broadcast_lock = PTHREAD_MUTEX_INITIALIZER;

static void resolve(void) {
    openblas_get_parallel_function parallel =
        (openblas_get_parallel_function)dlsym(RTLD_DEFAULT, "openblas_get_parallel");
    if (parallel == NULL || parallel() != 1) return;
    run_threads = (gotoblas_pthread_function)dlsym(RTLD_DEFAULT, "gotoblas_pthread");
    server_threads = (int *)dlsym(RTLD_DEFAULT, "blas_num_threads");
    if (server_threads == NULL) run_threads = NULL;
}

typedef struct {
    cvm_each_thread_action action;
    long threads;
    atomic_long arrived;
    atomic_int timed_out;
    unsigned *bits;
    long capacity;
} broadcast;

typedef struct {
    broadcast *shared;
    long index;
} broadcast_job;

static double seconds_now(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + 1e-9 * (double)now.tv_nsec;
}

static void run_job(void *argument) {
    broadcast_job *job = argument;
    broadcast *shared = job->shared;
    act(shared->action);
    if (job->index < shared->capacity) shared->bits[job->index] = cvm_flush_bits();
    atomic_fetch_add(&shared->arrived, 1);
    // Wait until every job has started, so that this thread cannot take a second one.
    double deadline = seconds_now() + 1.0;
    while (atomic_load(&shared->arrived) < shared->threads && !atomic_load(&shared->timed_out)) {
        if (seconds_now() > deadline) atomic_store(&shared->timed_out, 1);
        sched_yield();
    }
}

long cvm_openblas_each_thread(cvm_each_thread_action action, unsigned *bits, long capacity) {
    pthread_once(&resolve_once, resolve);
    if (run_threads == NULL) {
        act(action);
        if (capacity > 0) bits[0] = cvm_flush_bits();
        return 1;
    }
    pthread_mutex_lock(&broadcast_lock);
    // gotoblas_pthread starts the server if it is not running; blas_num_threads is its size then.
    long threads = *server_threads;
    if (threads < 1) threads = 1;
    if (threads > 256) threads = 256;
    broadcast shared = {.action = action, .threads = threads, .bits = bits, .capacity = capacity};
    atomic_init(&shared.arrived, 0);
    atomic_init(&shared.timed_out, 0);
    broadcast_job jobs[256];
    for (long index = 0; index < threads; index++) {
        jobs[index].shared = &shared;
        jobs[index].index = index;
    }
    if (threads == 1) {
        run_job(&jobs[0]);
    } else {
        run_threads((int)threads, (void *)run_job, jobs, (int)sizeof(broadcast_job));
    }
    long reached = atomic_load(&shared.timed_out) ? -1 : atomic_load(&shared.arrived);
    pthread_mutex_unlock(&broadcast_lock);
    return reached;
}
