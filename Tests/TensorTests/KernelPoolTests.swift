import Tensor
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// The threaded kernels (`KernelPool` and the `parts:` forms in `Sources/Tensor/Kernels`) against
// their single-threaded form, bit for bit: every kernel split into 2, 3, 5 and 8 blocks must write
// exactly the bytes that one block writes, on contiguous views and on views with gaps between
// rows, at sizes below and above the pool's threshold. The inputs are not multiples of a power of
// two, so that a sum added up in another order would round differently.

@Suite("Threaded kernels against the single-threaded ones")
struct KernelPoolTests {
    /// The split counts each kernel is run with besides 1.
    static let partCounts = [2, 3, 5, 8]
    /// Shapes from a single element to above two blocks of the pool's threshold.
    static let shapes: [(rows: Int, columns: Int)] = [(1, 1), (7, 13), (64, 300), (333, 97), (300, 512)]

    /// A matrix of inexact values in about [-1.3, 1.3].
    func inputs<S: MatrixScalar>(_: S.Type, rows: Int, columns: Int, seed: UInt64) -> Matrix<S> {
        var generator = TestGenerator(seed: seed)
        let raw: Matrix<S> = generator.matrix(S.self, rows: rows, columns: columns)
        return Matrix(rows: rows, columns: columns, scalars: raw.scalars.map { $0 * S(1.25) + S(1) / S(7) })
    }

    /// The bytes of an array, to compare results bit for bit.
    func bytes<S>(_ values: [S]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }

    /// Runs `kernel` on a copy of `block` with each split count and expects the bytes that one part wrote.
    func expectSplitInvariant<S: MatrixScalar>(
        _ block: StridedBlock<S>, _ label: String, _ kernel: (StridedView<S>, Int) -> Void
    ) {
        var reference = block
        reference.withView { kernel($0, 1) }
        for parts in Self.partCounts {
            var split = block
            split.withView { kernel($0, parts) }
            #expect(
                bytes(split.storage) == bytes(reference.storage),
                "\(label) \(S.self) \(block.rows)×\(block.columns) gap \(block.gap): \(parts) parts")
        }
    }

    func checkElementwise<S: MatrixScalar>(_: S.Type) {
        for (shapeIndex, shape) in Self.shapes.enumerated() {
            for gap in [0, 3] {
                let seed = UInt64(shapeIndex * 10 + gap)
                let x = StridedBlock(inputs(S.self, rows: shape.rows, columns: shape.columns, seed: seed), gap: gap)
                let a = StridedBlock(
                    inputs(S.self, rows: shape.rows, columns: shape.columns, seed: seed + 100), gap: gap)
                let bias = inputs(S.self, rows: 1, columns: shape.columns, seed: seed + 200).scalars
                bias.withUnsafeBufferPointer { bias in
                    expectSplitInvariant(x, "transform with bias") {
                        $0.transform(addingRow: bias.baseAddress, parts: $1) { Swift.max($0, 0) }
                    }
                    expectSplitInvariant(x, "transform") { $0.transform(addingRow: nil, parts: $1) { $0 * $0 } }
                    expectSplitInvariant(x, "logistic with bias") {
                        $0.logistic(addingRow: bias.baseAddress, parts: $1)
                    }
                    expectSplitInvariant(x, "logistic") { $0.logistic(addingRow: nil, parts: $1) }
                }
                expectSplitInvariant(x, "softmax rows") { $0.softmaxRows(parts: $1) }
                var output = a
                output.withView { output in
                    expectSplitInvariant(x, "logistic derivative") {
                        $0.multiplyByLogisticDerivative(output: output, parts: $1)
                    }
                    expectSplitInvariant(x, "tanh derivative") {
                        $0.multiplyByTanhDerivative(output: output, parts: $1)
                    }
                    expectSplitInvariant(x, "rectifier derivative") {
                        $0.multiplyByRectifierDerivative(output: output, negativeSlope: S(0.01), parts: $1)
                    }
                    expectSplitInvariant(x, "softmax backward") { $0.softmaxBackward(output: output, parts: $1) }
                }
            }
        }
    }

    @Test("elementwise and row kernels: the same bits whatever the split", arguments: [false, true])
    func elementwise(double: Bool) {
        if double { checkElementwise(Double.self) } else { checkElementwise(Float.self) }
    }

    func checkReductions<S: MatrixScalar>(_: S.Type) {
        for (shapeIndex, shape) in Self.shapes.enumerated() {
            for gap in [0, 3] {
                var x = StridedBlock(
                    inputs(S.self, rows: shape.rows, columns: shape.columns, seed: UInt64(shapeIndex + 7)), gap: gap)
                let start = inputs(S.self, rows: 1, columns: Swift.max(shape.rows, shape.columns), seed: 99).scalars
                for beta in [S(0), S(1), S(0.9)] {
                    var columnReference = start, rowReference = start
                    x.withView { view in
                        columnReference.withUnsafeMutableBufferPointer {
                            view.sumColumns(into: $0.baseAddress!, beta: beta, parts: 1)
                        }
                        rowReference.withUnsafeMutableBufferPointer {
                            view.sumRows(into: $0.baseAddress!, beta: beta, parts: 1)
                        }
                        for parts in Self.partCounts {
                            var columns = start, rows = start
                            columns.withUnsafeMutableBufferPointer {
                                view.sumColumns(into: $0.baseAddress!, beta: beta, parts: parts)
                            }
                            rows.withUnsafeMutableBufferPointer {
                                view.sumRows(into: $0.baseAddress!, beta: beta, parts: parts)
                            }
                            #expect(
                                bytes(columns) == bytes(columnReference),
                                "column sums \(S.self) \(shape) gap \(gap) beta \(beta): \(parts) parts")
                            #expect(
                                bytes(rows) == bytes(rowReference),
                                "row sums \(S.self) \(shape) gap \(gap) beta \(beta): \(parts) parts")
                        }
                        // The sums are the naive ones (in row order), not merely split-invariant.
                        for column in 0..<shape.columns {
                            var total = beta == 0 ? 0 : beta * start[column]
                            for row in 0..<shape.rows { total += view.row(row)[column] }
                            #expect(columnReference[column] == total, "column sum \(column) against the naive loop")
                        }
                    }
                }
            }
        }
    }

    @Test("column and row sums: each sum added up in one order whatever the split", arguments: [false, true])
    func reductions(double: Bool) {
        if double { checkReductions(Double.self) } else { checkReductions(Float.self) }
    }

    func checkUpdatesAndGather<S: MatrixScalar>(_: S.Type) {
        for count in [1, 4096, 4097, 8192 * 3 + 5, 100_000] {
            let source = inputs(S.self, rows: 1, columns: count, seed: 5).scalars
            let start = inputs(S.self, rows: 1, columns: count, seed: 6).scalars
            var reference = start
            source.withUnsafeBufferPointer { x in
                reference.withUnsafeMutableBufferPointer {
                    StridedView.addScaled(S(-0.37), x.baseAddress!, to: $0.baseAddress!, count: count, parts: 1)
                }
                for parts in Self.partCounts {
                    var split = start
                    split.withUnsafeMutableBufferPointer {
                        StridedView.addScaled(S(-0.37), x.baseAddress!, to: $0.baseAddress!, count: count, parts: parts)
                    }
                    #expect(bytes(split) == bytes(reference), "addScaled \(S.self) \(count): \(parts) parts")
                }
            }
            for parts in [1] + Self.partCounts {
                var blocks = [Int](repeating: 0, count: count)
                KernelPool.forEachBlock(of: count, parts: parts) { block in for index in block { blocks[index] += 1 } }
                #expect(blocks.allSatisfy { $0 == 1 }, "forEachBlock \(count), \(parts) parts: every index once")
            }
        }
        for (shapeIndex, shape) in Self.shapes.enumerated() {
            for gap in [0, 3] {
                let sourceRows = shape.rows * 2 + 1
                var source = StridedBlock(
                    inputs(S.self, rows: sourceRows, columns: shape.columns, seed: UInt64(shapeIndex)), gap: gap)
                let order = (0..<shape.rows).map { ($0 * 7 + 3) % sourceRows }
                let target = StridedBlock(Matrix<S>.zeros(rows: shape.rows, columns: shape.columns), gap: gap)
                source.withView { source in
                    order.withUnsafeBufferPointer { order in
                        expectSplitInvariant(target, "gather") {
                            $0.gatherRows(from: source, rowIndices: order.baseAddress!, parts: $1)
                        }
                        var gathered = target
                        gathered.withView { $0.gatherRows(from: source, rowIndices: order.baseAddress!, parts: 3) }
                        #expect(gathered.gapsUntouched)
                        for (row, sample) in order.enumerated() {
                            for column in 0..<shape.columns
                            where gathered.matrix[row, column] != source.row(sample)[column] {
                                Issue.record("gather \(S.self) \(shape): row \(row) is not source row \(sample)")
                                return
                            }
                        }
                    }
                }
            }
        }
    }

    @Test("axpy in pieces, the block split, and the batch gather", arguments: [false, true])
    func updatesAndGather(double: Bool) {
        if double { checkUpdatesAndGather(Double.self) } else { checkUpdatesAndGather(Float.self) }
    }

    @Test(
        "the pool runs every part once, on as many threads as OpenBLAS's budget allows, and runs nested calls inline",
        arguments: [true, false])
    func pool(onOpenBLASThreads: Bool) {
        let threads = BLASLibrary.threadCount
        let pool = KernelPool(usesOpenBLASThreads: onOpenBLASThreads)
        // Debian's default OpenBLAS variant (pthreads) has the server, and the process's pool uses it.
        #expect(pool.usesOpenBLASThreads == (onOpenBLASThreads && KernelPool.openBLASThreadsAvailable))
        #expect(KernelPool.shared.usesOpenBLASThreads == KernelPool.openBLASThreadsAvailable)
        for parts in [1, 2, 3, 7, 16] {
            var runs = [Int](repeating: 0, count: parts)
            var threadIDs = [pthread_t](repeating: pthread_t(), count: parts)
            runs.withUnsafeMutableBufferPointer { runs in
                threadIDs.withUnsafeMutableBufferPointer { threadIDs in
                    pool.run(parts: parts) { part in
                        runs[part] += 1
                        threadIDs[part] = pthread_self()
                        // A call from inside a part runs on its own thread, in order.
                        var inner = 0
                        pool.run(parts: 4) { _ in inner += 1 }
                        precondition(inner == 4)
                    }
                }
            }
            #expect(runs == [Int](repeating: 1, count: parts), "\(parts) parts")
            // Thread t of T takes the consecutive parts blockStart(t, of: T)..<blockStart(t + 1, of: T), the
            // calling thread the first run: exactly min(parts, threads) threads run.
            let used = Swift.min(parts, Swift.max(1, threads))
            #expect(Set(threadIDs.map { "\($0)" }).count == used, "\(parts) parts")
            for thread in 0..<used {
                let run =
                    KernelPool.blockStart(
                        thread, of: used, count: parts)..<KernelPool.blockStart(
                        thread + 1, of: used, count: parts)
                let expected = thread == 0 ? pthread_self() : threadIDs[run.lowerBound]
                #expect(
                    run.allSatisfy { pthread_equal(threadIDs[$0], expected) != 0 }, "\(parts) parts, thread \(thread)")
            }
        }
        // Small passes never reach the pool; large ones split at most into the thread budget.
        #expect(KernelPool.parts(forElements: 2 * KernelPool.minimumElementsPerPart - 1) == 1)
        #expect(KernelPool.parts(forElements: 100 * KernelPool.minimumElementsPerPart) == threads)
    }
}
