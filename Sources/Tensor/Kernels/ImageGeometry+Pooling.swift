// The pooling kernels of ``ImageGeometry``: max and average pooling over NCHW images, forward and
// backward. Every pass splits a batch into blocks of whole images on the kernel pool, and each
// block writes only its own images' outputs, so a result does not depend on the thread count.

extension ImageGeometry {
    /// Max pooling: each output cell is the largest input under its window, per channel (the
    /// window's cells inside the image; padding is never the maximum).
    ///
    /// With `maxima`, it also records, for each output cell (same index as `output`), where that
    /// maximum lies in its input plane, `y · width + x`: the first cell (row-major within the
    /// window) equal to it, the cell PyTorch's `MaxPool2d` sends the gradient to; -1 when no cell
    /// equals it (a window of NaNs). ``maxPoolBackward(maxima:outputGradient:images:into:parts:)``
    /// reads them instead of searching the window again. `parts` is the number of blocks of images
    /// (at most one per image); `nil` takes one per thread of OpenBLAS's budget.
    @inlinable
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package func maxPool<Scalar: MatrixScalar>(
        _ input: UnsafePointer<Scalar>, images: Int, into output: UnsafeMutablePointer<Scalar>,
        maxima: UnsafeMutablePointer<Int32>? = nil, parts: Int? = nil
    ) {
        let width = width
        if tilesWithoutPadding && kernelSize == 2 {
            maxPoolPairs(input, images: images, into: output, maxima: maxima, parts: parts)
            return
        }
        if tilesWithoutPadding {
            // The general loop's maxima in the same order, without its clipped ranges.
            let k = kernelSize, planeSize = height &* width, outputPlane = positions
            forEachPlane(images: images, parts: parts) { plane in
                let source = input + plane &* planeSize
                let first = plane &* outputPlane
                for outputRow in 0..<outputHeight {
                    let top = outputRow &* k
                    let cells = first &+ outputRow &* outputWidth
                    for outputColumn in 0..<outputWidth {
                        var largest = -Scalar.infinity
                        var line = source + (top &* width &+ outputColumn &* k)
                        for _ in 0..<k {
                            for x in 0..<k { largest = Swift.max(largest, line[x]) }
                            line += width
                        }
                        output[cells &+ outputColumn] = largest
                    }
                    guard let maxima else { continue }
                    // Where each maximum lies, while the rows are in cache.
                    for outputColumn in 0..<outputWidth {
                        let left = outputColumn &* k
                        maxima[cells &+ outputColumn] = Self.firstPosition(
                            of: output[cells &+ outputColumn], in: source, width: width, rows: top..<(top &+ k),
                            columns: left..<(left &+ k))
                    }
                }
            }
            return
        }
        forEachWindow(images: images, parts: parts) {
            (plane: Int, cell: Int, rows: Range<Int>, columns: Range<Int>) in
            var largest = -Scalar.infinity
            for y in rows {
                let line: UnsafePointer<Scalar> = input + (plane &+ y &* width)
                for x in columns { largest = Swift.max(largest, line[x]) }
            }
            output[cell] = largest
            if let maxima {
                maxima[cell] = Self.firstPosition(
                    of: largest, in: input + plane, width: width, rows: rows, columns: columns)
            }
        }
    }

    /// ``maxPool(_:images:into:maxima:parts:)`` for 2×2 windows at stride 2 (pooling's usual
    /// geometry): each pair of input rows becomes one output row, its four cells named, with the same
    /// maxima in the same order and the same positions, and no loop over the window.
    @inlinable
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func maxPoolPairs<Scalar: MatrixScalar>(
        _ input: UnsafePointer<Scalar>, images: Int, into output: UnsafeMutablePointer<Scalar>,
        maxima: UnsafeMutablePointer<Int32>?, parts: Int?
    ) {
        let width = width, planeSize = height &* width, outputPlane = positions, outputWidth = outputWidth
        forEachPlane(images: images, parts: parts) { plane in
            let source = input + plane &* planeSize
            let first = plane &* outputPlane
            for outputRow in 0..<outputHeight {
                let top = outputRow &* 2 &* width
                let upper = source + top, lower = upper + width
                let cells = output + (first &+ outputRow &* outputWidth)
                for column in 0..<outputWidth {
                    let left = column &* 2
                    cells[column] = Swift.max(
                        Swift.max(Swift.max(Swift.max(-Scalar.infinity, upper[left]), upper[left &+ 1]), lower[left]),
                        lower[left &+ 1])
                }
                guard let maxima else { continue }
                // The first of the four equal to the maximum: tested last to first, without branches.
                let positions = maxima + (first &+ outputRow &* outputWidth)
                for column in 0..<outputWidth {
                    let left = column &* 2, largest = cells[column]
                    let offset = Int32(truncatingIfNeeded: top &+ left), below = Int32(truncatingIfNeeded: width)
                    var position: Int32 = lower[left &+ 1] == largest ? offset &+ below &+ 1 : -1
                    position = lower[left] == largest ? offset &+ below : position
                    position = upper[left &+ 1] == largest ? offset &+ 1 : position
                    position = upper[left] == largest ? offset : position
                    positions[column] = position
                }
            }
        }
    }

    /// The first cell (row-major) of the window `rows × columns` of a `width`-wide plane that equals
    /// `largest`, as `y · width + x`, or -1 when none does (a window of NaNs). It runs backward
    /// through the window and keeps the last match, so that it takes no branch on the values.
    @inlinable @inline(__always)
    static func firstPosition<Scalar: MatrixScalar>(
        of largest: Scalar, in plane: UnsafePointer<Scalar>, width: Int, rows: Range<Int>, columns: Range<Int>
    ) -> Int32 {
        var position = -1
        for y in rows.reversed() {
            let start = y &* width
            for x in columns.reversed() { position = plane[start &+ x] == largest ? start &+ x : position }
        }
        return Int32(truncatingIfNeeded: position)
    }

    /// The backward pass of ``maxPool(_:images:into:maxima:parts:)`` from the positions its forward
    /// pass recorded: each output gradient is added to the input cell `maxima` names in its plane
    /// (none for -1), in the order of the output cells, so overlapping windows add up as
    /// ``maxPoolBackward(input:output:outputGradient:images:into:parts:)`` adds them;
    /// `inputGradient` is overwritten. Each plane is zeroed just before its gradients are added,
    /// so that the adds find it in cache.
    @inlinable
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package func maxPoolBackward<Scalar: MatrixScalar>(
        maxima: UnsafePointer<Int32>, outputGradient: UnsafePointer<Scalar>, images: Int,
        into inputGradient: UnsafeMutablePointer<Scalar>, parts: Int? = nil
    ) {
        let planeSize = height &* width, outputPlane = positions
        forEachImageBlock(images: images, parts: parts) { block in
            let planes = (block.lowerBound &* channels)..<(block.upperBound &* channels)
            for plane in planes {
                let destination = inputGradient + plane &* planeSize
                destination.update(repeating: 0, count: planeSize)
                let first = plane &* outputPlane
                for cell in first..<(first &+ outputPlane) {
                    let position = Int(maxima[cell])
                    if position >= 0 { destination[position] += outputGradient[cell] }
                }
            }
        }
    }

    /// The backward pass of ``maxPool(_:images:into:maxima:parts:)`` without recorded positions:
    /// each output gradient goes to the first input cell (row-major within the window) that holds
    /// the window's maximum, as PyTorch does; `inputGradient` is overwritten.
    @inlinable
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package func maxPoolBackward<Scalar: MatrixScalar>(
        input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>,
        images: Int, into inputGradient: UnsafeMutablePointer<Scalar>, parts: Int? = nil
    ) {
        let width = width
        forEachWindow(images: images, parts: parts, zeroing: inputGradient) {
            (plane: Int, cell: Int, rows: Range<Int>, columns: Range<Int>) in
            let largest: Scalar = output[cell]
            for y in rows {
                let start: Int = plane &+ y &* width
                for x in columns where input[start &+ x] == largest {
                    inputGradient[start &+ x] += outputGradient[cell]
                    return
                }
            }
        }
    }

    /// Average pooling: each output cell is the mean of the input under its window (padding
    /// counted as zeros, PyTorch's `count_include_pad`; without padding every window is full).
    @inlinable
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package func averagePool<Scalar: MatrixScalar>(
        _ input: UnsafePointer<Scalar>, images: Int, into output: UnsafeMutablePointer<Scalar>, parts: Int? = nil
    ) {
        let scale: Scalar = 1 / Scalar(kernelSize &* kernelSize)
        let width = width
        forEachWindow(images: images, parts: parts) {
            (plane: Int, cell: Int, rows: Range<Int>, columns: Range<Int>) in
            var sum: Scalar = 0
            for y in rows {
                let line: UnsafePointer<Scalar> = input + (plane &+ y &* width)
                for x in columns { sum += line[x] }
            }
            output[cell] = sum * scale
        }
    }

    /// The backward pass of ``averagePool(_:images:into:parts:)``: each output gradient spread
    /// evenly over its window; `inputGradient` is overwritten.
    @inlinable
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package func averagePoolBackward<Scalar: MatrixScalar>(
        outputGradient: UnsafePointer<Scalar>, images: Int, into inputGradient: UnsafeMutablePointer<Scalar>,
        parts: Int? = nil
    ) {
        let scale: Scalar = 1 / Scalar(kernelSize &* kernelSize)
        let width = width
        forEachWindow(images: images, parts: parts, zeroing: inputGradient) {
            (plane: Int, cell: Int, rows: Range<Int>, columns: Range<Int>) in
            let share: Scalar = outputGradient[cell] * scale
            for y in rows {
                let line: UnsafeMutablePointer<Scalar> = inputGradient + (plane &+ y &* width)
                for x in columns { line[x] += share }
            }
        }
    }

    /// Whether the windows step by their own size from the corner, with no padding: each input cell
    /// lies in at most one window (pooling's usual 2×2, stride 2), and max pooling's forward pass
    /// takes a loop without clipped ranges.
    @inlinable package var tilesWithoutPadding: Bool {
        stride == kernelSize && paddingTop == 0 && paddingLeft == 0
    }

    /// Calls `body` with blocks of `0..<images` on the kernel pool: `parts` blocks (at most one per
    /// image), or one per thread of OpenBLAS's budget for `nil`.
    @inlinable @inline(__always)
    func forEachImageBlock(images: Int, parts: Int?, _ body: (Range<Int>) -> Void) {
        KernelPool.forEachBlock(of: images, parts: Swift.min(parts ?? BLAS.threadCount, images), body)
    }

    /// Calls `body(plane)` for each (image, channel) plane of `images` images, split over the
    /// kernel pool by image.
    @inlinable @inline(__always)
    func forEachPlane(images: Int, parts: Int?, _ body: (Int) -> Void) {
        let channels = channels
        forEachImageBlock(images: images, parts: parts) { block in
            for plane in (block.lowerBound &* channels)..<(block.upperBound &* channels) { body(plane) }
        }
    }

    /// Calls `body(plane, cell, rows, columns)` for every window of `images` images, split over
    /// the kernel pool by image: the offset of the window's input plane, the output cell's index,
    /// and the window's rows and columns clipped to the image. With `zeroing`, each block first
    /// zeroes its images in that buffer (`inputCount` scalars an image).
    @inlinable @inline(__always)
    func forEachWindow<Scalar: MatrixScalar>(
        images: Int, parts: Int?, zeroing cleared: UnsafeMutablePointer<Scalar>? = nil,
        _ body: (Int, Int, Range<Int>, Range<Int>) -> Void
    ) {
        let planeSize = height &* width, outputPlane = positions, inputCount = inputCount
        forEachImageBlock(images: images, parts: parts) { block in
            cleared.map { ($0 + block.lowerBound &* inputCount).update(repeating: 0, count: block.count &* inputCount) }
            for image in block {
                for channel in 0..<channels {
                    let planeOffset = (image &* channels &+ channel) &* planeSize
                    let outputOffset = (image &* channels &+ channel) &* outputPlane
                    for outputRow in 0..<outputHeight {
                        let top = outputRow &* stride &- paddingTop
                        let rows = Swift.max(top, 0)..<Swift.min(top &+ kernelSize, height)
                        for outputColumn in 0..<outputWidth {
                            let left = outputColumn &* stride &- paddingLeft
                            let columns = Swift.max(left, 0)..<Swift.min(left &+ kernelSize, width)
                            body(planeOffset, outputOffset &+ outputRow &* outputWidth &+ outputColumn, rows, columns)
                        }
                    }
                }
            }
        }
    }

    /// ``forEachWindow(images:parts:zeroing:_:)`` without a buffer to zero.
    @inlinable @inline(__always)
    func forEachWindow(images: Int, parts: Int?, _ body: (Int, Int, Range<Int>, Range<Int>) -> Void) {
        forEachWindow(images: images, parts: parts, zeroing: UnsafeMutablePointer<Float>?.none, body)
    }
}
