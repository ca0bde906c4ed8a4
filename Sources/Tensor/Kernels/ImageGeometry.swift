// The image kernels of convolution layers: im2col and col2im in Caffe's layout (an image's windows
// as the columns of one matrix, so that the convolution is one product per image that writes NCHW).
// Pooling's kernels are in `ImageGeometry+Pooling.swift`. Images are rows of C·H·W scalars in NCHW
// order, PyTorch's layout.

/// How a square window slides over a batch of images: the input's channels, height and width, the
/// window's size, the stride, and the zeros padded before the first row and column.
///
/// The output has `outputHeight × outputWidth` positions per channel. A window that reaches into
/// the padding reads zeros there (convolution) or leaves those cells out (pooling).
@frozen
package struct ImageGeometry: Sendable, Equatable {
    /// The input's channels, height and width.
    package let channels: Int, height: Int, width: Int
    /// The window's side.
    package let kernelSize: Int
    /// The step between windows, in both directions.
    package let stride: Int
    /// The zeros before the first row and before the first column.
    package let paddingTop: Int, paddingLeft: Int
    /// The number of window positions down and across.
    package let outputHeight: Int, outputWidth: Int

    /// The geometry of a `kernelSize` window moving by `stride` over `channels × height × width`
    /// images, with no padding (`same` false) or with the zeros that keep `ceil(size / stride)`
    /// positions (`same` true: Keras's and PyTorch's `same`, the extra zero after the image when
    /// the total is odd).
    package init(channels: Int, height: Int, width: Int, kernelSize: Int, stride: Int, same: Bool) {
        self.channels = channels
        self.height = height
        self.width = width
        self.kernelSize = kernelSize
        self.stride = stride
        if same {
            outputHeight = (height + stride - 1) / stride
            outputWidth = (width + stride - 1) / stride
            paddingTop = Swift.max((outputHeight - 1) * stride + kernelSize - height, 0) / 2
            paddingLeft = Swift.max((outputWidth - 1) * stride + kernelSize - width, 0) / 2
        } else {
            outputHeight = height >= kernelSize ? (height - kernelSize) / stride + 1 : 0
            outputWidth = width >= kernelSize ? (width - kernelSize) / stride + 1 : 0
            paddingTop = 0
            paddingLeft = 0
        }
    }

    /// The scalars of one input image, `channels · height · width`.
    @inlinable package var inputCount: Int { channels &* height &* width }
    /// The window positions of one image, `outputHeight · outputWidth`.
    @inlinable package var positions: Int { outputHeight &* outputWidth }
    /// The scalars under one window across all channels, `channels · kernelSize²`: a column row's width.
    @inlinable package var patchCount: Int { channels &* kernelSize &* kernelSize }

    /// Unrolls one image (``inputCount`` scalars, C·H·W) into its window matrix: ``patchCount`` rows
    /// of ``positions`` scalars, written to `columns` (Caffe's layout).
    ///
    /// Row `(channel · k + kernelRow) · k + kernelColumn` (the order of PyTorch's weights) holds,
    /// for each window position (output row, then output column), the input scalar under that cell
    /// of the window, or zero where the window reaches into the padding. So column `p` is window `p`
    /// unrolled, and `weights (filters × patchCount) · columns` is the image's output, one plane of
    /// ``positions`` per filter: NCHW, with no change of layout. Each row is a few runs of
    /// consecutive input scalars (consecutive at stride 1), copied without per-scalar border checks.
    @inlinable
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package func unrollWindows<Scalar: MatrixScalar>(
        _ image: UnsafePointer<Scalar>, into columns: UnsafeMutablePointer<Scalar>
    ) {
        let k = kernelSize, outputWidth = outputWidth, stride = stride
        var destination = columns
        for channel in 0..<channels {
            let plane = image + channel &* height &* width
            for kernelRow in 0..<k {
                for kernelColumn in 0..<k {
                    let (first, end) = insideColumns(kernelColumn: kernelColumn)
                    let shift = kernelColumn &- paddingLeft
                    if stride == 1 && outputWidth == width {
                        unrollRowAsBlock(
                            plane, kernelRow: kernelRow, shift: shift, inside: first..<end, into: destination)
                        destination += outputHeight &* outputWidth
                        continue
                    }
                    for outputRow in 0..<outputHeight {
                        let y = outputRow &* stride &- paddingTop &+ kernelRow
                        if y < 0 || y >= height {
                            destination.update(repeating: 0, count: outputWidth)
                        } else {
                            // Input column of output column c: c · stride + shift.
                            let line = y &* width &+ shift
                            for column in 0..<first { destination[column] = 0 }
                            if stride == 1 {
                                for column in first..<end { destination[column] = plane[line &+ column] }
                            } else {
                                for column in first..<end { destination[column] = plane[line &+ column &* stride] }
                            }
                            for column in end..<outputWidth { destination[column] = 0 }
                        }
                        destination += outputWidth
                    }
                }
            }
        }
    }

    /// One row of ``unrollWindows(_:into:)`` (kernel row `kernelRow`, input column = output column +
    /// `shift`) where the windows step by 1 and there are as many output columns as input columns
    /// (`same` padding at stride 1): the output rows whose input row lies inside the image are one
    /// run of consecutive input scalars, copied at once, after which the columns outside `inside`
    /// (which the run filled with the neighbouring row's scalars) and the rows in the padding are
    /// zeroed. The copy never reads outside the channel's plane.
    @inlinable
    func unrollRowAsBlock<Scalar: MatrixScalar>(
        _ plane: UnsafePointer<Scalar>, kernelRow: Int, shift: Int, inside: Range<Int>,
        into destination: UnsafeMutablePointer<Scalar>
    ) {
        let width = width
        let rowFirst = Swift.max(0, paddingTop &- kernelRow)
        let rowEnd = Swift.max(rowFirst, Swift.min(outputHeight, height &+ paddingTop &- kernelRow))
        // Most kernel rows have no padding row: no call for an empty fill.
        if rowFirst > 0 { destination.update(repeating: 0, count: rowFirst &* width) }
        let tail = rowEnd &* width
        if rowEnd < outputHeight { (destination + tail).update(repeating: 0, count: (outputHeight &- rowEnd) &* width) }
        // Output index j reads plane index j + offset; the first -shift and last shift of the run
        // would fall outside the plane, and lie in the columns zeroed below.
        let offset = (kernelRow &- paddingTop) &* width &+ shift
        let start = rowFirst &* width &+ Swift.max(0, -shift), end = tail &- Swift.max(0, shift)
        if start < end { (destination + start).update(from: plane + (start &+ offset), count: end &- start) }
        for row in rowFirst..<rowEnd {
            let line = destination + row &* width
            for column in 0..<inside.lowerBound { line[column] = 0 }
            for column in inside.upperBound..<width { line[column] = 0 }
        }
    }

    /// The adjoint of ``unrollWindows(_:into:)``: adds each scalar of the window matrix `columns`
    /// back onto the input position it was read from, writing one image (``inputCount`` scalars) to
    /// `image`, overwritten, not accumulated. An input position gets the sum of every window cell
    /// that read it, added in the matrix's row order (channel, kernel row, kernel column, then
    /// output row and column).
    ///
    /// `columns` is scratch: with `same` padding at stride 1, some of the cells that read padding
    /// (those beside the image, in window rows whose input row is inside it) may be overwritten
    /// with −0 (see ``foldRowAsBlock(_:kernelRow:shift:inside:into:)``); cells that read the image
    /// never are.
    @inlinable
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package func foldWindows<Scalar: MatrixScalar>(
        _ columns: UnsafeMutablePointer<Scalar>, into image: UnsafeMutablePointer<Scalar>
    ) {
        image.update(repeating: 0, count: inputCount)
        let k = kernelSize, outputWidth = outputWidth, stride = stride
        var source = columns
        for channel in 0..<channels {
            let plane = image + channel &* height &* width
            for kernelRow in 0..<k {
                for kernelColumn in 0..<k {
                    let (first, end) = insideColumns(kernelColumn: kernelColumn)
                    let shift = kernelColumn &- paddingLeft
                    if stride == 1 && outputWidth == width {
                        foldRowAsBlock(source, kernelRow: kernelRow, shift: shift, inside: first..<end, into: plane)
                        source += outputHeight &* outputWidth
                        continue
                    }
                    for outputRow in 0..<outputHeight {
                        let y = outputRow &* stride &- paddingTop &+ kernelRow
                        if y >= 0 && y < height {
                            let line = y &* width &+ shift
                            if stride == 1 {
                                for column in first..<end { plane[line &+ column] += source[column] }
                            } else {
                                for column in first..<end { plane[line &+ column &* stride] += source[column] }
                            }
                        }
                        source += outputWidth
                    }
                }
            }
        }
    }

    /// One row of ``foldWindows(_:into:)`` (kernel row `kernelRow`, input column = output column +
    /// `shift`) where the windows step by 1 and there are as many output columns as input columns
    /// (`same` padding at stride 1), the adjoint of ``unrollRowAsBlock(_:kernelRow:shift:inside:into:)``:
    /// the output rows whose input row lies inside the image add onto one run of consecutive input
    /// scalars, in one loop. The cells of the columns outside `inside` would land on the
    /// neighbouring rows' scalars, so they are set to −0 first: `x + (−0)` is `x` for every `x`
    /// (±0 and NaN included), so each input scalar gets the same sum, bit for bit, as from adding
    /// only the cells inside. The adds never reach outside the channel's plane.
    @inlinable
    func foldRowAsBlock<Scalar: MatrixScalar>(
        _ source: UnsafeMutablePointer<Scalar>, kernelRow: Int, shift: Int, inside: Range<Int>,
        into plane: UnsafeMutablePointer<Scalar>
    ) {
        let width = width, negativeZero = -Scalar.zero
        let rowFirst = Swift.max(0, paddingTop &- kernelRow)
        let rowEnd = Swift.max(rowFirst, Swift.min(outputHeight, height &+ paddingTop &- kernelRow))
        for row in rowFirst..<rowEnd {
            let line = source + row &* width
            for column in 0..<inside.lowerBound { line[column] = negativeZero }
            for column in inside.upperBound..<width { line[column] = negativeZero }
        }
        // Output index j adds onto plane index j + offset; the first -shift and last shift of the
        // run would fall outside the plane, and hold −0.
        let offset = (kernelRow &- paddingTop) &* width &+ shift
        let start = rowFirst &* width &+ Swift.max(0, -shift), end = rowEnd &* width &- Swift.max(0, shift)
        guard start < end else { return }
        let from = source + start, to = plane + (start &+ offset)
        for index in 0..<(end &- start) { to[index] += from[index] }
    }

    /// The output columns `first..<end` whose window cell in kernel column `kernelColumn` lies
    /// inside the image (input column `c · stride + kernelColumn − paddingLeft` in `0..<width`);
    /// the columns before and after read padding.
    @inlinable @inline(__always)
    func insideColumns(kernelColumn: Int) -> (first: Int, end: Int) {
        let before = paddingLeft &- kernelColumn
        let first = before > 0 ? (before &+ stride &- 1) / stride : 0
        let last = width &- 1 &+ before
        let end = last < 0 ? 0 : Swift.min(outputWidth, last / stride &+ 1)
        return (Swift.min(first, end), end)
    }
}
