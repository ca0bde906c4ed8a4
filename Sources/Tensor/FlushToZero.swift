internal import CVectorMath

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Subnormal numbers flushed to zero on every thread that touches a computation's data: the calling thread,
// OpenBLAS's worker threads (reached in place by one job each, `CFloatingPointMode.h`: a thread keeps the
// control register it was created with, and OpenBLAS's workers were created long before) and the kernel
// pool's own helpers (which take the calling thread's mode with every call, KernelPool.swift).

/// Runs `body` with subnormal numbers flushed to zero on the calling thread and on OpenBLAS's worker threads,
/// then puts back the mode each thread had.
///
/// A subnormal (denormal) number is a float below the smallest normal one, `Float.leastNormalMagnitude`
/// (about 1.2e-38; 2.2e-308 for `Double`). Intel cores compute with them through a slow microcode path, a
/// hundred cycles and more per operation, so a float training run whose activations or gradients decay
/// toward zero can slow down two- or threefold while its arithmetic stays the same. In this mode an operation
/// reads a subnormal operand as zero (x86-64's denormals-are-zero) and writes zero for a subnormal result
/// (flush-to-zero); on AArch64, FPCR's FZ bit does both. What changes is below 1.2e-38 in `Float` (2.2e-308 in
/// `Double`), where the mode affects both precisions alike: a result that would have kept a subnormal keeps
/// zero instead. TensorFlow sets this mode in its CPU threads by default, and PyTorch offers
/// `torch.set_flush_denormal(True)`.
///
/// `Sequential.fit` runs in this mode for `Float` networks unless `TrainingOptions.flushesSubnormalsToZero`
/// is `false` (`nn train --no-flush-to-zero`); `Double` networks run without it.
///
/// OpenBLAS's workers are shared by the whole process: while any call of this function is running, on any
/// thread, the workers flush, and the last call to return puts back their previous mode. Calls may nest and
/// run on several threads at once. Where the processor has no such mode (neither x86-64 nor AArch64), this
/// only runs `body`.
///
/// - Parameter body: The computation to run in flush-to-zero mode.
/// - Returns: What `body` returns.
public func withFlushToZero<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
    let previous = FlushToZero.enter()
    defer { FlushToZero.leave(restoring: previous) }
    return try body()
}

/// Which threads flush subnormal numbers to zero; see ``withFlushToZero(_:)``.
public enum FlushToZero {
    /// Whether this processor has a flush-to-zero mode the package can set: x86-64 (MXCSR's flush-to-zero and
    /// denormals-are-zero bits) and AArch64 (FPCR's FZ bit).
    public static var isSupported: Bool { cvm_flush_mask() != 0 }

    /// Whether the calling thread flushes subnormal numbers to zero now.
    public static var isOnForCallingThread: Bool {
        let mask = cvm_flush_mask()
        return mask != 0 && cvm_flush_bits() == mask
    }

    /// Whether each of OpenBLAS's threads flushes subnormal numbers to zero now: the calling thread's
    /// first, then one per worker, read on the worker itself. `nil` when the workers did not all answer within
    /// a second (they were busy with another thread's long product). Without OpenBLAS's pthreads server
    /// (its serial or OpenMP variant) only the calling thread is there.
    public static var openBLASThreadStates: [Bool]? {
        var bits = [UInt32](repeating: 0, count: 256)
        let reached = bits.withUnsafeMutableBufferPointer {
            cvm_openblas_each_thread(CVM_EACH_THREAD_READ, $0.baseAddress, $0.count)
        }
        guard reached > 0 else { return nil }
        let mask = cvm_flush_mask()
        return bits.prefix(Int(reached)).map { mask != 0 && $0 == mask }
    }

    /// The calls of ``withFlushToZero(_:)`` running now, in all threads; the workers flush while it is above 0.
    private nonisolated(unsafe) static var activeCalls = 0
    private nonisolated(unsafe) static let lock: UnsafeMutablePointer<pthread_mutex_t> = {
        let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
        return lock
    }()

    /// Sets the mode on the calling thread, and on OpenBLAS's workers if no other call has; returns the calling
    /// thread's previous bits.
    static func enter() -> UInt32 {
        let previous = cvm_flush_bits()
        guard cvm_flush_mask() != 0 else { return previous }
        pthread_mutex_lock(lock)
        if activeCalls == 0 { _ = cvm_openblas_each_thread(CVM_EACH_THREAD_FLUSH, nil, 0) }
        activeCalls += 1
        pthread_mutex_unlock(lock)
        cvm_set_flush_bits(cvm_flush_mask())
        return previous
    }

    /// Puts back the calling thread's `previous` bits, and the workers' when this was the last call running.
    static func leave(restoring previous: UInt32) {
        guard cvm_flush_mask() != 0 else { return }
        pthread_mutex_lock(lock)
        activeCalls -= 1
        if activeCalls == 0 { _ = cvm_openblas_each_thread(CVM_EACH_THREAD_RESTORE, nil, 0) }
        pthread_mutex_unlock(lock)
        cvm_set_flush_bits(previous)
    }

    /// The calling thread's flush bits, for the kernel pool's helpers to copy.
    static var callingThreadBits: UInt32 { cvm_flush_bits() }

    /// Sets the calling thread's flush bits (a helper taking its caller's mode).
    static func setCallingThreadBits(_ bits: UInt32) { cvm_set_flush_bits(bits) }
}
