// The product kernels: gemm with transpose flags (a direct loop for tiny products) and axpy.
// `Matrix.dot`, `Matrix.multiply(_:_:into:…)` and the trainer's layers all come here.

extension StridedView {
    /// `C = alpha · op(A) · op(B) + beta · C`: through BLAS's gemm, or a direct loop for products of
    /// at most 512 multiply-adds (m·n·k).
    ///
    /// `op` transposes its operand, as stored, when the matching flag is set; the transposed layout is
    /// read in place. `C` is `destination`, `m × n`; `op(A)` is `m × k` with `k` the columns of `left`
    /// (its rows when transposed). With `beta` of 1 the product accumulates into `destination`.
    /// With `m` or `n` of 0 nothing is written; with `k` of 0, C becomes `beta · C` (zeros for beta 0).
    ///
    /// - Precondition: the shapes agree and the views do not overlap `destination`; nothing is checked.
    @inlinable
    package static func multiply(
        _ left: StridedView, transposed transposeLeft: Bool, _ right: StridedView, transposed transposeRight: Bool,
        alpha: Scalar = 1, beta: Scalar = 0, into destination: StridedView
    ) {
        let m = destination.rows, n = destination.columns
        let k = transposeLeft ? left.rows : left.columns
        if m <= 0 || n <= 0 { return }
        if k <= 0 {
            for i in 0..<m { scale(destination.row(i), count: n, by: beta) }
            return
        }
        if m &* n &* k <= smallProductLimit {
            smallProduct(
                transposeLeft, transposeRight, m, n, k, alpha, left.base, left.rowStride, right.base, right.rowStride,
                beta,
                destination.base, destination.rowStride)
        } else {
            BLAS.gemm(
                transposeA: transposeLeft, transposeB: transposeRight, m: m, n: n, k: k,
                alpha: alpha, a: left.base, lda: left.rowStride, b: right.base, ldb: right.rowStride,
                beta: beta, c: destination.base, ldc: destination.rowStride)
        }
    }

    /// `destination += alpha · source` over `count` contiguous elements (BLAS's axpy): the optimizers'
    /// updates and weight decay. Short vectors run in a direct loop; long ones in OpenBLAS's axpy
    /// (vectorized for the CPU at hand), in pieces of at most ``axpyPiece`` elements so that OpenBLAS
    /// runs each on the calling thread (it threads axpy above 10,000) and the kernel pool splits the
    /// pieces over threads instead: waking OpenBLAS's threads for one update costs more than the update.
    /// Each element gets the same operation whatever the split, so the result does not depend on it.
    @inlinable
    package static func addScaled(
        _ alpha: Scalar, _ source: UnsafePointer<Scalar>, to destination: UnsafeMutablePointer<Scalar>, count: Int
    ) {
        addScaled(alpha, source, to: destination, count: count, parts: KernelPool.parts(forElements: count))
    }

    /// ``addScaled(_:_:to:count:)`` split into `parts` blocks.
    @inlinable
    package static func addScaled(
        _ alpha: Scalar, _ source: UnsafePointer<Scalar>, to destination: UnsafeMutablePointer<Scalar>, count: Int,
        parts: Int
    ) {
        if count <= 4096 {
            for index in 0..<count { destination[index] += alpha * source[index] }
            return
        }
        let pieces = (count &+ axpyPiece &- 1) / axpyPiece
        let parts = Swift.max(1, Swift.min(parts, pieces))
        // A local function, not a closure value: its context stays on the stack (no allocation per call).
        func body(_ part: Int) {
            var piece = KernelPool.blockStart(part, of: parts, count: pieces)
            let end = KernelPool.blockStart(part &+ 1, of: parts, count: pieces)
            while piece < end {
                let start = piece &* axpyPiece
                BLAS.axpy(
                    count: Swift.min(axpyPiece, count &- start), alpha: alpha, x: source + start, y: destination + start
                )
                piece &+= 1
            }
        }
        if parts == 1 { body(0) } else { KernelPool.shared.run(parts: parts, body) }
    }

    /// The longest piece of an axpy handed to OpenBLAS at once: below its 10,000-element threading
    /// threshold, so each call runs on the calling thread.
    @usableFromInline static var axpyPiece: Int { 8192 }

    /// ``addScaled(_:_:to:count:)`` from a mutable source.
    @inlinable @inline(__always)
    package static func addScaled(
        _ alpha: Scalar, _ source: UnsafeMutablePointer<Scalar>, to destination: UnsafeMutablePointer<Scalar>,
        count: Int
    ) {
        addScaled(alpha, UnsafePointer(source), to: destination, count: count)
    }

    /// The most multiply-adds (m·n·k) of a product that runs on the calling thread alone whatever OpenBLAS's
    /// thread count: ``smallProductLimit`` in the package's own loop, and OpenBLAS 0.3.21's single-threaded
    /// path (`interface/gemm.c`: one thread while m·n·k ≤ 65,536 · `GEMM_MULTITHREAD_THRESHOLD`, 4 in
    /// Debian's build). Such a product is computed by the same code, in the same order, on whichever thread
    /// calls it, so two of them may run side by side without changing a bit; a larger one is split over
    /// OpenBLAS's threads, and its bits depend on their number (`benchmarks/overlap/`).
    @inlinable
    package static var singleThreadedProductLimit: Int { 262_144 }

    /// Products with at most this many multiply-adds (m·n·k) run in ``smallProduct``, a direct loop:
    /// below it the loop is faster than any BLAS call's dispatch on this package's machines (see
    /// BENCHMARKS.md), above it BLAS wins.
    @usableFromInline static var smallProductLimit: Int { 512 }

    /// `C = alpha · op(A) · op(B) + beta · C` as a plain loop, for products too small for BLAS to pay off.
    ///
    /// The inner loop runs along a row of `C` so that it vectorizes when `B` is not transposed.
    @inlinable
    static func smallProduct(
        _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Scalar,
        _ a: UnsafePointer<Scalar>, _ lda: Int, _ b: UnsafePointer<Scalar>, _ ldb: Int,
        _ beta: Scalar, _ c: UnsafeMutablePointer<Scalar>, _ ldc: Int
    ) {
        // Element (i, p) of op(A) is a[i·aRow + p·aColumn]; element (p, j) of op(B) is b[p·bRow + j·bColumn].
        // Each element of C is one dot product summed in order of p, with no zero fill: below, kept in a
        // register and written once; in the alpha 1 / beta 0 path, accumulated in C's row itself.
        let aRow = transposeA ? 1 : lda, aColumn = transposeA ? lda : 1
        if !transposeB && alpha == 1 && beta == 0 && n >= 8 {
            // Rows of at least 8: C's row i is built as Σ_p A[i, p] · B's row p, so the inner loop runs
            // along contiguous rows of B and C and vectorizes. Narrower rows (the notebooks' 4 hidden
            // units) go to the register blocks below, which are faster there: notebook 000 took 0.0124 s
            // through this path and 0.0115 s through those (same bits). Each element still sums
            // its products in order of p, as below.
            for i in 0..<m {
                let row = c + i &* ldc, aStart = a + i &* aRow
                let first = aStart[0]
                for j in 0..<n { row[j] = first * b[j] }
                var p = 1
                while p < k {
                    let factor = aStart[p &* aColumn], bRowStart = b + p &* ldb
                    for j in 0..<n { row[j] += factor * bRowStart[j] }
                    p &+= 1
                }
            }
            return
        }
        // The register blocks, with the strides of 1 written as constants for each pair of flags, so
        // that each form is compiled with its unit strides known (the rows of `B` or `C` then load as
        // vectors): notebook 000's five products per step are all of this size.
        switch (transposeA, transposeB) {
        case (false, false): smallProductBlocks(m, n, k, alpha, a, lda, 1, b, ldb, 1, beta, c, ldc)
        case (true, false): smallProductBlocks(m, n, k, alpha, a, 1, lda, b, ldb, 1, beta, c, ldc)
        case (false, true): smallProductBlocks(m, n, k, alpha, a, lda, 1, b, 1, ldb, beta, c, ldc)
        case (true, true): smallProductBlocks(m, n, k, alpha, a, 1, lda, b, 1, ldb, beta, c, ldc)
        }
    }

    /// ``smallProduct(_:_:_:_:_:_:_:_:_:_:_:_:_:)``'s register blocks: element (i, p) of op(A) is
    /// `a[i·aRow + p·aColumn]` and element (p, j) of op(B) is `b[p·bRow + j·bColumn]`. Each element of C
    /// is one dot product summed in order of p from 0, kept in a register and written once.
    @inlinable @inline(__always)
    static func smallProductBlocks(
        _ m: Int, _ n: Int, _ k: Int, _ alpha: Scalar, _ a: UnsafePointer<Scalar>, _ aRow: Int, _ aColumn: Int,
        _ b: UnsafePointer<Scalar>, _ bRow: Int, _ bColumn: Int, _ beta: Scalar, _ c: UnsafeMutablePointer<Scalar>,
        _ ldc: Int
    ) {
        for i in 0..<m {
            let row = c + i &* ldc, aStart = a + i &* aRow
            var j = 0
            // Four elements of the row at a time: each A element is loaded once for four products.
            while j &+ 4 <= n {
                let bStart = b + j &* bColumn
                var total0: Scalar = 0, total1: Scalar = 0, total2: Scalar = 0, total3: Scalar = 0
                for p in 0..<k {
                    let factor = aStart[p &* aColumn], bRowStart = bStart + p &* bRow
                    total0 += factor * bRowStart[0]
                    total1 += factor * bRowStart[bColumn]
                    total2 += factor * bRowStart[2 &* bColumn]
                    total3 += factor * bRowStart[3 &* bColumn]
                }
                if beta == 0 {
                    row[j] = alpha * total0
                    row[j &+ 1] = alpha * total1
                    row[j &+ 2] = alpha * total2
                    row[j &+ 3] = alpha * total3
                } else {
                    row[j] = beta * row[j] + alpha * total0
                    row[j &+ 1] = beta * row[j &+ 1] + alpha * total1
                    row[j &+ 2] = beta * row[j &+ 2] + alpha * total2
                    row[j &+ 3] = beta * row[j &+ 3] + alpha * total3
                }
                j &+= 4
            }
            while j < n {
                let bStart = b + j &* bColumn
                var total: Scalar = 0
                for p in 0..<k { total += aStart[p &* aColumn] * bStart[p &* bRow] }
                row[j] = beta == 0 ? alpha * total : beta * row[j] + alpha * total
                j &+= 1
            }
        }
    }
}
