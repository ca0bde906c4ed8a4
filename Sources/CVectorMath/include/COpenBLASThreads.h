// Running the kernel layer's blocks on OpenBLAS's own worker threads (see openblas_threads.c).
#ifndef SWIFT_NEURAL_NUMERICS_COPENBLASTHREADS_H
#define SWIFT_NEURAL_NUMERICS_COPENBLASTHREADS_H

/// One block of a pass: called with the caller's context and the block's index.
typedef void (*cvm_block_body)(void *context, long block);

/// Whether the OpenBLAS in this process runs its own pthreads server (its `pthread` variant, not
/// the serial or OpenMP one) and exports the entry point `cvm_run_blocks_on_openblas` uses.
int cvm_openblas_threads_available(void);

/// Runs `body(context, b)` for every `b` in `0..<blocks` and returns when all have run: block 0 on
/// the calling thread, the others on OpenBLAS's worker threads, one each. Only call it when
/// `cvm_openblas_threads_available()` is true, with `2 <= blocks <= ` OpenBLAS's thread count
/// (at most 64), and never from inside a block.
void cvm_run_blocks_on_openblas(long blocks, cvm_block_body body, void *context);

#endif
