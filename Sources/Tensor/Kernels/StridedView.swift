/// A row-major matrix in memory that someone else owns: a base pointer, a shape and a row stride.
///
/// This is the type the package's kernels work on: the matrix product with transpose flags, bias
/// addition fused with an activation, activation derivatives, column sums, row softmax, the losses'
/// value and gradient, and axpy-style updates (the files `StridedView+*.swift`). `Matrix`'s public
/// operations and the network trainer's step both call these kernels, so each piece of math is
/// written once, and threading or vectorizing a kernel helps both.
///
/// A view does not own or retain its memory and checks nothing: the caller keeps the memory alive
/// and in bounds (`rows` rows of `rowStride` scalars, the last one `columns` long) for as long as
/// it uses the view. Element `(i, j)` is `base[i · rowStride + j]`.
@frozen
@usableFromInline package struct StridedView<Scalar: MatrixScalar> {
    /// The first element.
    @usableFromInline package let base: UnsafeMutablePointer<Scalar>
    /// The number of rows.
    @usableFromInline package let rows: Int
    /// The number of columns.
    @usableFromInline package let columns: Int
    /// The distance, in scalars, from one row's start to the next (at least ``columns``).
    @usableFromInline package let rowStride: Int

    /// A view of `rows × columns` scalars at `base` whose rows are `rowStride` apart (``columns`` when `nil`).
    @inlinable @inline(__always)
    package init(_ base: UnsafeMutablePointer<Scalar>, rows: Int, columns: Int, rowStride: Int? = nil) {
        self.base = base
        self.rows = rows
        self.columns = columns
        self.rowStride = rowStride ?? columns
    }

    /// A view of memory that the kernel called with it only reads.
    @inlinable @inline(__always)
    package init(reading base: UnsafePointer<Scalar>, rows: Int, columns: Int, rowStride: Int? = nil) {
        self.init(UnsafeMutablePointer(mutating: base), rows: rows, columns: columns, rowStride: rowStride)
    }

    /// The first element of row `index`.
    @inlinable @inline(__always)
    package func row(_ index: Int) -> UnsafeMutablePointer<Scalar> { base + index &* rowStride }

    /// The number of elements, `rows · columns`.
    @inlinable @inline(__always)
    package var count: Int { rows &* columns }

    /// Whether the rows follow one another with no gap, so that the view is one run of ``count`` scalars.
    @inlinable @inline(__always)
    package var isContiguous: Bool { rowStride == columns || rows <= 1 }

    /// Calls `body` with runs of elements that together cover the view in row-major order: the whole
    /// view at once when it is contiguous, else one row at a time. Elementwise kernels loop inside
    /// `body`, so that a contiguous view runs one vectorizable loop.
    @inlinable @inline(__always)
    package func forEachRun(_ body: (UnsafeMutablePointer<Scalar>, Int) -> Void) {
        if isContiguous {
            body(base, count)
        } else {
            for index in 0..<rows { body(row(index), columns) }
        }
    }

    /// Calls `body` with matching runs of this view and `other` (same shape): the whole views when
    /// both are contiguous, else row by row.
    @inlinable @inline(__always)
    package func forEachRun(
        with other: StridedView, _ body: (UnsafeMutablePointer<Scalar>, UnsafeMutablePointer<Scalar>, Int) -> Void
    ) {
        if isContiguous && other.isContiguous {
            body(base, other.base, count)
        } else {
            for index in 0..<rows { body(row(index), other.row(index), columns) }
        }
    }
}

extension Matrix {
    /// Calls `body` with a view of the matrix's elements (read only: the kernel must not write).
    @inlinable @inline(__always)
    package func withView<Result>(_ body: (StridedView<Scalar>) throws -> Result) rethrows -> Result {
        try storage.withUnsafeBufferPointer { buffer in
            try body(
                StridedView(
                    reading: buffer.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<Scalar>.alignment)!,
                    rows: rowCount, columns: columnCount))
        }
    }

    /// Calls `body` with a writable view of the matrix's elements (copying them first if shared).
    @inlinable @inline(__always)
    package mutating func withMutableView<Result>(_ body: (StridedView<Scalar>) throws -> Result) rethrows -> Result {
        let rows = rowCount, columns = columnCount
        return try storage.withUnsafeMutableBufferPointer { buffer in
            try body(
                StridedView(
                    buffer.baseAddress ?? UnsafeMutablePointer(bitPattern: MemoryLayout<Scalar>.alignment)!,
                    rows: rows, columns: columns))
        }
    }
}
