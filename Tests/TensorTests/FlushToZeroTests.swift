import Tensor
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// `withFlushToZero` on each kind of thread that touches the data: the calling thread (set inside, put back
// after, nested calls included), OpenBLAS's workers (read on each worker inside; that they are put back is
// checked in a process of its own by `nn doctor`, DoctorCommandTests, since other tests in this process may be
// training in the mode at the same time) and the kernel pool's own helpers; and a product of subnormal
// operands, whose blocks OpenBLAS's threads compute, against the same product without the mode.

@Suite("Flush-to-zero on every thread")
struct FlushToZeroTests {
    /// 2⁻¹³⁰, about 7.3e-40: a float subnormal (below `Float.leastNormalMagnitude`, 2⁻¹²⁶).
    static let subnormal = Float(sign: .plus, exponent: -130, significand: 1)

    @Test func theConstantIsSubnormal() {
        #expect(Self.subnormal.isSubnormal)
        #expect(Self.subnormal > 0)
    }

    @Test(.enabled(if: FlushToZero.isSupported)) func callingThreadIsSetInsideAndRestoredAfter() {
        let before = FlushToZero.isOnForCallingThread
        #expect(!before, "the test thread starts without the mode")
        withFlushToZero {
            #expect(FlushToZero.isOnForCallingThread)
            // Arithmetic sees it: a subnormal operand reads as zero, a subnormal result is written as zero.
            #expect(opaque(Self.subnormal) * 1 == 0)
            #expect(opaque(Float.leastNormalMagnitude) / 4 == 0)
            withFlushToZero { #expect(FlushToZero.isOnForCallingThread) }
            #expect(FlushToZero.isOnForCallingThread, "an inner call left the mode on for the outer one")
        }
        #expect(FlushToZero.isOnForCallingThread == before)
        #expect(opaque(Self.subnormal) * 1 == Self.subnormal)
        #expect(opaque(Float.leastNormalMagnitude) / 4 == Float(sign: .plus, exponent: -128, significand: 1))
    }

    @Test(.enabled(if: FlushToZero.isSupported)) func thrownErrorsRestoreTheMode() {
        struct Stop: Error {}
        #expect(throws: Stop.self) { try withFlushToZero { () throws(Stop) in throw Stop() } }
        #expect(!FlushToZero.isOnForCallingThread)
    }

    @Test(.enabled(if: FlushToZero.isSupported)) func everyOpenBLASThreadIsSetInside() throws {
        let states = try #require(withFlushToZero { FlushToZero.openBLASThreadStates })
        #expect(!states.isEmpty)
        #expect(states.allSatisfy { $0 }, "inside withFlushToZero: \(states)")
        if KernelPool.openBLASThreadsAvailable && Processor.current.usableCoreCount > 1 {
            // The caller and at least one worker (OpenBLAS starts one per usable core unless told fewer).
            #expect(states.count >= 2 || BLASLibrary.configuration.contains("MAX_THREADS=1"), "\(states)")
        }
    }

    @Test(.enabled(if: FlushToZero.isSupported)) func ownPoolHelpersTakeTheCallersMode() {
        let pool = KernelPool(usesOpenBLASThreads: false)
        // At least one helper beside the calling thread (the pool's budget is OpenBLAS's thread count).
        let previous = BLASLibrary.threadCount
        if previous < 2 { BLASLibrary.threadCount = 2 }
        defer { BLASLibrary.threadCount = previous }
        func states() -> [Bool] {
            let results = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 4)
            defer { results.deallocate() }
            results.initialize(repeating: false)
            pool.run(parts: 4) { part in results[part] = FlushToZero.isOnForCallingThread }
            return Array(results)
        }
        #expect(states() == [false, false, false, false])
        #expect(withFlushToZero { states() } == [true, true, true, true])
        #expect(states() == [false, false, false, false], "a helper kept the mode after the call")
    }

    /// A 192 × 160 · 160 × 144 product (4.4 million multiply-adds, threaded by OpenBLAS above 262,144).
    static func operands(subnormalShare: Int) -> (Matrix<Float>, Matrix<Float>) {
        var generator = TestGenerator(seed: 11)
        let left: Matrix<Float> = generator.matrix(Float.self, rows: 192, columns: 160)
        let right: Matrix<Float> = generator.matrix(Float.self, rows: 160, columns: 144)
        // Every `subnormalShare`-th entry of the left operand (all of them for 1) becomes a subnormal.
        let scalars = left.scalars.enumerated().map { index, value in
            index % subnormalShare == 0 ? Self.subnormal * Float(1 + index % 7) : value
        }
        return (Matrix(rows: 192, columns: 160, scalars: scalars), right)
    }

    @Test(.enabled(if: FlushToZero.isSupported)) func productOfSubnormalsIsZeroOnEveryThread() {
        let (left, right) = Self.operands(subnormalShare: 1)
        let plain = left.dot(right)
        #expect(plain.scalars.contains { $0 != 0 && $0.isSubnormal }, "without the mode the product keeps subnormals")
        let flushed = withFlushToZero { left.dot(right) }
        // Whichever thread computed a block, its subnormal operands read as zero.
        let nonzero = flushed.scalars.indices.filter { flushed.scalars[$0] != 0 }
        #expect(nonzero.isEmpty, "\(nonzero.count) nonzero elements, the first at \(nonzero.first ?? -1)")
    }

    @Test(.enabled(if: FlushToZero.isSupported)) func mixedProductMatchesTheUnflushedOne() {
        // A third of the left operand subnormal: the flushed product drops their terms, each below
        // 7 · 2⁻¹³⁰ · |right| ≤ 5.2e-39 · 1; with 160 terms per element the difference is at most about 1e-36
        // beside sums of order 1, where float rounding (1e-5 relative here) dominates.
        let (left, right) = Self.operands(subnormalShare: 3)
        let plain = left.dot(right)
        let flushed = withFlushToZero { left.dot(right) }
        let tolerance: Float = 1e-5
        for index in plain.scalars.indices {
            let difference = abs(plain.scalars[index] - flushed.scalars[index])
            #expect(
                difference <= tolerance * max(1, abs(plain.scalars[index])),
                "element \(index): \(plain.scalars[index]) without the mode, \(flushed.scalars[index]) with it")
        }
    }
}

/// `value` through a call the optimizer cannot see into, so that arithmetic on it happens at run time.
@inline(never) func opaque(_ value: Float) -> Float { value }
