import Tensor

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A fixed-size block of scalars at a stable address, owned by one object for its whole life.
///
/// Parameters, optimizer state and workspaces keep their numbers here rather than in a `Matrix`, so
/// that the training step works on raw pointers taken once: no copy-on-write check, no reference
/// counting and no exclusivity check per operation, which for the notebooks' 3-4-1 network cost more
/// than the arithmetic. The public API still speaks `Matrix`, through ``matrix``, which copies.
@usableFromInline
final class ScalarBuffer<Scalar: MatrixScalar> {
    /// The shape the buffer holds, row-major.
    @usableFromInline let rows: Int
    @usableFromInline let columns: Int
    /// `rows * columns`.
    @usableFromInline let count: Int
    /// The first element; valid until the buffer is deinitialized.
    @usableFromInline let pointer: UnsafeMutablePointer<Scalar>
    /// The buffer whose memory this one views, kept alive by it; `nil` when this buffer owns its memory.
    let viewed: ScalarBuffer?

    /// A zero-filled buffer of the given shape. The zeros come from `calloc`, so the pages of a large
    /// buffer are not touched until written: a gradient buffer that is never used (a loaded model
    /// only predicting) costs no memory, and a model file is read into untouched pages.
    ///
    /// - Throws: ``NetworkError/cannotAllocate(what:bytes:)`` naming `what` (such as "the weights
    ///   (784 × 100)") when the memory cannot be allocated: a network's size comes from outside
    ///   (arguments, files), so running out of memory is an error to report, not a trap.
    init(rows: Int, columns: Int, for what: @autoclosure () -> String) throws(NetworkError) {
        checkPrecondition(rows >= 0 && columns >= 0, "ScalarBuffer: negative shape (\(rows), \(columns))")
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard !overflow, let bytes = MemoryReservation.bytes(count: count, stride: MemoryLayout<Scalar>.stride) else {
            throw .cannotAllocate(what: what(), bytes: nil)
        }
        guard let memory = calloc(Swift.max(count, 1), MemoryLayout<Scalar>.stride) else {
            throw .cannotAllocate(what: what(), bytes: bytes)
        }
        self.rows = rows
        self.columns = columns
        self.count = count
        pointer = memory.bindMemory(to: Scalar.self, capacity: Swift.max(count, 1))
        viewed = nil
    }

    /// A zero-filled buffer of the given shape, for the public initializers that cannot throw (such as
    /// `Parameter.init(name:value:)`): they trap, naming `what`, when the memory cannot be allocated.
    static func trappingOnFailure(rows: Int, columns: Int, for what: @autoclosure () -> String) -> ScalarBuffer {
        do {
            return try ScalarBuffer(rows: rows, columns: columns, for: what())
        } catch {
            failPrecondition(error.description)
        }
    }

    /// A `rows × columns` buffer inside `storage`, from scalar `offset` on, holding a copy of `contents`:
    /// how a network gathers its parameters' gradients into one contiguous block.
    init(inside storage: ScalarBuffer, offset: Int, copying contents: ScalarBuffer) {
        checkPrecondition(
            offset >= 0 && offset + contents.count <= storage.count,
            "ScalarBuffer: \(contents.count) scalars from \(offset) do not fit a buffer of \(storage.count)")
        rows = contents.rows
        columns = contents.columns
        count = contents.count
        pointer = storage.pointer + offset
        viewed = storage
        pointer.update(from: contents.pointer, count: count)
    }

    /// A buffer holding a copy of `matrix`; traps, naming `what`, when the memory cannot be allocated
    /// (the matrix itself, of the same size, already exists).
    static func trappingOnFailure(copying matrix: Matrix<Scalar>, for what: @autoclosure () -> String) -> ScalarBuffer {
        let buffer = trappingOnFailure(rows: matrix.rows, columns: matrix.columns, for: what())
        buffer.assign(matrix, "ScalarBuffer")
        return buffer
    }

    deinit {
        if viewed == nil { free(pointer) }
    }

    /// The contents as a new matrix.
    var matrix: Matrix<Scalar> {
        Matrix(rows: rows, columns: columns, scalars: Array(UnsafeBufferPointer(start: pointer, count: count)))
    }

    /// Copies `matrix` in.
    ///
    /// - Precondition: `matrix` has the buffer's shape (a parameter's shape never changes); the
    ///   message names `owner`.
    func assign(_ matrix: Matrix<Scalar>, _ owner: @autoclosure () -> String) {
        checkPrecondition(
            matrix.rows == rows && matrix.columns == columns,
            "\(owner()): cannot assign a \(matrix.shapeDescription) matrix to a (\(rows), \(columns)) buffer")
        matrix.withScalars { span in
            span.withUnsafeBufferPointer { source in
                if count > 0 { pointer.update(from: source.baseAddress!, count: count) }
            }
        }
    }
}
