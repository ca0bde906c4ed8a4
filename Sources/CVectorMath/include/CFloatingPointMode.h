// Flushing subnormal numbers to zero, on the calling thread and on OpenBLAS's worker threads (see
// floating_point_mode.c). Only Tensor's FloatingPointMode.swift calls these.
#ifndef SWIFT_NEURAL_NUMERICS_CFLOATINGPOINTMODE_H
#define SWIFT_NEURAL_NUMERICS_CFLOATINGPOINTMODE_H

/// The bits of this processor's floating-point control register that flush subnormals to zero: MXCSR's
/// flush-to-zero (bit 15) and denormals-are-zero (bit 6) on x86-64, FPCR's FZ (bit 24) on AArch64, 0 elsewhere
/// (the mode cannot be set there, and every function below then does nothing).
unsigned cvm_flush_mask(void);

/// The calling thread's flush bits (the control register masked by `cvm_flush_mask()`).
unsigned cvm_flush_bits(void);

/// Sets the calling thread's flush bits to `bits` (masked by `cvm_flush_mask()`), leaving the others.
void cvm_set_flush_bits(unsigned bits);

/// What `cvm_openblas_each_thread` does on every thread it reaches.
typedef enum {
    /// Only read the thread's flush bits.
    CVM_EACH_THREAD_READ = 0,
    /// Remember the thread's bits (per thread) and set the flush bits.
    CVM_EACH_THREAD_FLUSH = 1,
    /// Put back the bits the last `CVM_EACH_THREAD_FLUSH` remembered on that thread (none: leave them).
    CVM_EACH_THREAD_RESTORE = 2,
} cvm_each_thread_action;

/// Runs `action` once on the calling thread and once on each of OpenBLAS's worker threads, all at the same
/// time: every thread takes one job and waits until all have started, so no thread takes two. Writes each
/// thread's flush bits after the action into `bits` (at most `capacity`; the calling thread's first) and
/// returns the number of threads reached, or 1 after acting on the calling thread alone when OpenBLAS has no
/// pthreads server (its serial and OpenMP variants), or -1 when the workers did not all start within a second
/// (the action has then run on the threads that did). Threads that OpenBLAS starts later inherit the bits of
/// the thread that starts them.
long cvm_openblas_each_thread(cvm_each_thread_action action, unsigned *bits, long capacity);

#endif
