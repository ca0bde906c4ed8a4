internal import CVectorMath

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// The kernel layer's threads. The passes which are not products (bias + activation, derivatives,
// column sums, row softmax, axpy-style updates, the batch gather) split into blocks of rows or
// columns, and the blocks run on OpenBLAS's own worker threads, the ones that run the products
// (through its pthreads server, `COpenBLASThreads.h`): one set of threads, never more in flight than
// OpenBLAS's budget (`BLASLibrary.threadCount`), and no second pool spinning against OpenBLAS's
// workers for the same cores. Where OpenBLAS has no such server (its serial or OpenMP variants), a
// small persistent pool of helper threads of the package's own runs them, with the same budget.

/// A persistent pool of helper threads for the kernels, sized to OpenBLAS's thread budget.
///
/// A kernel splits its work into `parts` blocks (``parts(forElements:)``) and calls ``run(parts:_:)``:
/// the calling thread and at most `BLASLibrary.threadCount - 1` helpers take the blocks, the caller
/// waits for all of them, and nothing is allocated. Work below ``minimumElementsPerPart`` elements per
/// block, a budget of one thread, a call from inside a block, or a call while another thread is using
/// the pool all run the blocks in order on the calling thread. Each block writes its own outputs, so a
/// kernel's result does not depend on how many threads ran it. The pool's own helpers run each call in the
/// calling thread's flush-to-zero mode (``withFlushToZero(_:)``); OpenBLAS's workers have theirs set by
/// ``withFlushToZero(_:)`` itself.
@usableFromInline package final class KernelPool: @unchecked Sendable {
    /// The one pool of the process: on OpenBLAS's worker threads when its pthreads server is there,
    /// unless the environment variable `NN_KERNEL_THREADS` is `own` (for comparisons).
    @usableFromInline package static let shared = KernelPool(
        usesOpenBLASThreads: getenv("NN_KERNEL_THREADS").map { String(cString: $0) } != "own")

    /// Whether this process's OpenBLAS runs a pthreads server whose workers can take the blocks.
    package static var openBLASThreadsAvailable: Bool { cvm_openblas_threads_available() != 0 }

    /// The least number of elements (scalars read and written by an elementwise pass) worth handing to
    /// another thread: below `2 ×` this a pass runs on the calling thread alone, above it it splits into
    /// blocks of at least this many. The value is an estimate, not yet measured here: waking a helper
    /// through a condition variable and waiting for it typically costs some microseconds, about what one
    /// thread takes for 32,768 elements of the simplest pass; it keeps the XOR and digits networks, and
    /// all but the first layer of Fashion-MNIST's, off the pool.
    @usableFromInline package static let minimumElementsPerPart = 32_768

    /// The number of blocks to split a pass over `elements` elements into: 1 when it is below two
    /// blocks' worth or OpenBLAS has one thread, else at most OpenBLAS's thread count.
    @usableFromInline
    package static func parts(forElements elements: Int) -> Int {
        if elements < 2 &* minimumElementsPerPart { return 1 }
        return Swift.min(BLAS.threadCount, elements / minimumElementsPerPart)
    }

    /// The first index of block `part` when `count` indices split into `parts` nearly equal blocks.
    @inlinable @inline(__always)
    package static func blockStart(_ part: Int, of parts: Int, count: Int) -> Int {
        count / parts &* part &+ Swift.min(part, count % parts)
    }

    /// Calls `body` with the blocks of `0..<count` (elements of an elementwise pass, such as an
    /// optimizer's update) on the pool, split as ``parts(forElements:)`` says.
    @inlinable @inline(__always)
    package static func forEachBlock(of count: Int, _ body: (Range<Int>) -> Void) {
        forEachBlock(of: count, parts: parts(forElements: count), body)
    }

    /// Calls `body` with `parts` nearly equal blocks of `0..<count` on the pool (once with the whole
    /// range for one part).
    @inlinable @inline(__always)
    package static func forEachBlock(of count: Int, parts: Int, _ body: (Range<Int>) -> Void) {
        let parts = Swift.max(1, Swift.min(parts, count))
        if parts == 1 {
            body(0..<count)
            return
        }
        shared.run(parts: parts) { part in
            body(blockStart(part, of: parts, count: count)..<blockStart(part &+ 1, of: parts, count: count))
        }
    }

    /// Whether the blocks run on OpenBLAS's worker threads rather than on this pool's helpers.
    package let usesOpenBLASThreads: Bool

    /// A call's blocks as the OpenBLAS workers see them.
    private struct OpenBLASJob {
        let body: (Int) -> Void
        let parts: Int
        let threads: Int
    }

    private let state: UnsafeMutablePointer<pthread_mutex_t>
    private let wake: UnsafeMutablePointer<pthread_cond_t>
    private let finished: UnsafeMutablePointer<pthread_cond_t>
    /// Held by the thread that is running blocks on the pool, for the whole call.
    private let user: UnsafeMutablePointer<pthread_mutex_t>
    // Guarded by `state`.
    private var helperCount = 0
    private var generation = 0
    private var threadsInUse = 0
    private var partCount = 0
    private var running = 0
    /// The calling thread's flush-to-zero bits (``FlushToZero``), which the helpers take for the call.
    private var flushBits: UInt32 = 0
    private var job: ((Int) -> Void)?

    /// A pool that runs its blocks on OpenBLAS's workers when `usesOpenBLASThreads` is true and
    /// OpenBLAS has them, else on helper threads of its own. The process uses ``shared``; tests make
    /// one of each kind.
    package init(usesOpenBLASThreads: Bool) {
        self.usesOpenBLASThreads = usesOpenBLASThreads && Self.openBLASThreadsAvailable
        state = .allocate(capacity: 1)
        wake = .allocate(capacity: 1)
        finished = .allocate(capacity: 1)
        user = .allocate(capacity: 1)
        pthread_mutex_init(state, nil)
        pthread_mutex_init(user, nil)
        pthread_cond_init(wake, nil)
        pthread_cond_init(finished, nil)
    }

    /// Runs `body(part)` for every part in `0..<parts` and returns when all have run: on the calling
    /// thread and up to `BLASLibrary.threadCount - 1` helpers, thread `t` of `T` taking the consecutive
    /// parts `blockStart(t, of: T, count: parts)..<blockStart(t + 1, of: T, count: parts)`: so a layer
    /// split into more parts than threads (a convolution's 16) gives each thread the same run of images
    /// as a pass split into one block per thread (pooling, activations), and the next pass finds its
    /// images in the cache of the core that wrote them.
    /// With one part, one thread of budget, or the pool busy (another caller, or a call from a block),
    /// the parts run in order on the calling thread.
    @usableFromInline
    package func run(parts: Int, _ body: (Int) -> Void) {
        run(parts: parts, threads: Swift.min(parts, BLAS.threadCount, 64), body)
    }

    /// Runs `body(part)` for every part in `0..<parts`, as ``run(parts:_:)`` does, with OpenBLAS's
    /// thread count at 1 throughout (``BLAS/withSingleThreadedProducts(_:)``): the parts share the
    /// threads OpenBLAS had, and every product a part starts runs on the part's own thread, whatever
    /// its size. So a part may call products of any size (on OpenBLAS's workers a threaded one would
    /// wait for busy workers), and each product's result is the same bits on any thread and at any
    /// thread count: a layer that splits its work into a fixed number of parts gets the same result
    /// on 1 thread as on 16. ``ThreadRule`` (in Network) decides the parts.
    @usableFromInline
    package func runWithSingleThreadedProducts(parts: Int, _ body: (Int) -> Void) {
        BLAS.withSingleThreadedProducts { threads in
            run(parts: parts, threads: Swift.min(parts, threads, 64), body)
        }
    }

    /// ``run(parts:_:)`` on at most `threads` threads.
    private func run(parts: Int, threads: Int, _ body: (Int) -> Void) {
        if threads <= 1 || pthread_mutex_trylock(user) != 0 {
            for part in 0..<parts { body(part) }
            return
        }
        defer { pthread_mutex_unlock(user) }
        if usesOpenBLASThreads {
            // Thread t of the call takes its run of consecutive parts, as the helpers below do.
            withoutActuallyEscaping(body) { body in
                var job = OpenBLASJob(body: body, parts: parts, threads: threads)
                withUnsafeMutablePointer(to: &job) { job in
                    cvm_run_blocks_on_openblas(
                        threads,
                        { context, thread in
                            let job = context!.assumingMemoryBound(to: OpenBLASJob.self)
                            let parts = job.pointee.parts, threads = job.pointee.threads
                            for part in KernelPool.blockStart(
                                thread, of: threads, count: parts)..<KernelPool.blockStart(
                                    thread + 1, of: threads, count: parts)
                            {
                                job.pointee.body(part)
                            }
                        }, job)
                }
            }
            return
        }
        withoutActuallyEscaping(body) { body in
            pthread_mutex_lock(state)
            while helperCount < threads - 1 { startHelper(index: helperCount + 1) }
            job = body
            flushBits = FlushToZero.callingThreadBits
            partCount = parts
            threadsInUse = threads
            running = threads - 1
            generation &+= 1
            pthread_cond_broadcast(wake)
            pthread_mutex_unlock(state)

            for part in 0..<Self.blockStart(1, of: threads, count: parts) { body(part) }

            pthread_mutex_lock(state)
            while running > 0 { pthread_cond_wait(finished, state) }
            job = nil
            pthread_mutex_unlock(state)
        }
    }

    /// Runs `first` on the calling thread and `second` on another thread of the pool at once, and returns
    /// when both have: a layer's two independent backward products (``ThreadRule``, in Network, decides
    /// when). With a budget of one thread, or the pool busy, `first` then `second` run on the calling thread.
    /// Work the two start on the pool themselves runs on their own threads, in order. Neither may start a product
    /// that OpenBLAS threads (more than 262,144 multiply-adds while its count is above 1): on one of its workers
    /// such a product waits for workers that are busy.
    @usableFromInline
    package func runSideBySide(_ first: () -> Void, _ second: () -> Void) {
        run(parts: 2) { part in part == 0 ? first() : second() }
    }

    /// Starts helper `index` (1-based: the caller is thread 0). Called with `state` held.
    private func startHelper(index: Int) {
        helperCount += 1
        let context = Unmanaged.passRetained(HelperContext(pool: self, index: index, generation: generation)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(
            &thread, nil,
            { context in
                let helper = Unmanaged<HelperContext>.fromOpaque(context!).takeRetainedValue()
                helper.pool.helperLoop(index: helper.index, seen: helper.generation)
            }, context)
        precondition(result == 0, "KernelPool: pthread_create failed (\(result))")
        pthread_detach(thread)
    }

    private final class HelperContext {
        let pool: KernelPool
        let index: Int
        /// The generation when the helper was started: the call that starts it is the next one.
        let generation: Int
        init(pool: KernelPool, index: Int, generation: Int) {
            self.pool = pool
            self.index = index
            self.generation = generation
        }
    }

    /// A helper's life: wait for a new generation; if it is one of the threads in use, run its parts.
    private func helperLoop(index: Int, seen start: Int) -> Never {
        pthread_mutex_lock(state)
        var seen = start
        while true {
            while generation == seen { pthread_cond_wait(wake, state) }
            seen = generation
            guard index < threadsInUse, let body = job else { continue }
            let parts = partCount, threads = threadsInUse
            FlushToZero.setCallingThreadBits(flushBits)
            pthread_mutex_unlock(state)
            for part in Self.blockStart(
                index, of: threads, count: parts)..<Self.blockStart(
                    index + 1, of: threads, count: parts)
            {
                body(part)
            }
            pthread_mutex_lock(state)
            running -= 1
            if running == 0 { pthread_cond_signal(finished) }
        }
    }
}

extension StridedView {
    /// Rows `start..<end` of this view, as a view.
    @inlinable @inline(__always)
    package func rows(_ start: Int, _ end: Int) -> StridedView {
        StridedView(base + start &* rowStride, rows: end &- start, columns: columns, rowStride: rowStride)
    }

    /// Calls `body` with the blocks of rows of this view (and the matching rows of `other`, same
    /// shape) in `parts` blocks on the kernel pool; one part calls it once with the whole views.
    @inlinable @inline(__always)
    package func splittingRows(
        parts: Int, with other: StridedView? = nil, _ body: (StridedView, StridedView?) -> Void
    ) {
        let parts = Swift.min(parts, rows)
        if parts <= 1 {
            body(self, other)
            return
        }
        KernelPool.shared.run(parts: parts) { part in
            let start = KernelPool.blockStart(part, of: parts, count: rows),
                end = KernelPool.blockStart(part &+ 1, of: parts, count: rows)
            body(self.rows(start, end), other.map { $0.rows(start, end) })
        }
    }
}
