import Synchronization
import Tensor
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// KernelPool.runSideBySide, the overlapped backward pass's two threads: each body runs once and both have run when
// it returns, the first on the calling thread; with a budget of one thread, first then second.
@Suite("Two bodies side by side on the kernel pool", .serialized)
struct KernelPoolSideBySideTests {
    // At the process's thread count: other tests in the process depend on it.
    @Test func eachBodyRunsOnceAndBothHaveRunOnReturn() {
        let threads = BLASLibrary.threadCount
        for pool in [KernelPool.shared, KernelPool(usesOpenBLASThreads: false)] {
            let events = Mutex<[String]>([])
            let caller = pthread_self()
            var firstThread: pthread_t?
            pool.runSideBySide(
                {
                    firstThread = pthread_self()
                    events.withLock { $0.append("first") }
                },
                {
                    // Long enough that the first body, if it runs alongside, finishes first.
                    var sum = 0.0
                    for index in 0..<20_000 { sum += Double(index).squareRoot() }
                    events.withLock { $0.append(sum > 0 ? "second" : "never") }
                })
            let order = events.withLock { $0 }
            #expect(order.sorted() == ["first", "second"], "\(threads) threads")
            #expect(firstThread.map { pthread_equal($0, caller) != 0 } == true, "the first body runs on the caller")
            if threads == 1 { #expect(order == ["first", "second"]) }
        }
    }
}
