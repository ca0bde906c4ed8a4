// The image kernels of convolution and pooling layers: im2col and col2im (the convolution as one
// product), the layout changes between a product's rows and NCHW images, and pooling (in
// `ImageGeometry+Pooling.swift`). Images are rows of C·H·W scalars in NCHW order, PyTorch's layout.

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

    /// Unrolls `images` images from `input` (each ``inputCount`` scalars) into `columns`: one row of
    /// ``patchCount`` scalars per window position (image-major, then output row, then column), the
    /// row's scalars ordered channel, kernel row, kernel column (PyTorch's weight layout), zeros
    /// where the window reaches into the padding.
    @inlinable
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package func imageToColumns<Scalar: MatrixScalar>(
        _ input: UnsafePointer<Scalar>, images: Int, into columns: UnsafeMutablePointer<Scalar>
    ) {
        let inputCount = inputCount, positions = positions, patchCount = patchCount
        KernelPool.forEachBlock(of: images, parts: Swift.min(BLAS.threadCount, images)) { block in
            for image in block {
                unrollImage(input + image &* inputCount, into: columns + image &* positions &* patchCount)
            }
        }
    }

    /// One image's rows of ``imageToColumns(_:images:into:)``.
    @inlinable
    func unrollImage<Scalar: MatrixScalar>(_ image: UnsafePointer<Scalar>, into rows: UnsafeMutablePointer<Scalar>) {
        let k = kernelSize, patchCount = patchCount
        for outputRow in 0..<outputHeight {
            let top = outputRow &* stride &- paddingTop
            let rowsInside = top >= 0 && top &+ k <= height
            for outputColumn in 0..<outputWidth {
                let left = outputColumn &* stride &- paddingLeft
                var destination = rows + (outputRow &* outputWidth &+ outputColumn) &* patchCount
                if rowsInside && left >= 0 && left &+ k <= width {
                    // A window inside the image: k runs of k scalars per channel, no border checks.
                    for channel in 0..<channels {
                        let offset: Int = (channel &* height &+ top) &* width &+ left
                        var line: UnsafePointer<Scalar> = image + offset
                        for _ in 0..<k {
                            for x in 0..<k { destination[x] = line[x] }
                            destination += k
                            line += width
                        }
                    }
                    continue
                }
                for channel in 0..<channels {
                    let plane = image + channel &* height &* width
                    for kernelRow in 0..<k {
                        let y = top &+ kernelRow
                        if y < 0 || y >= height {
                            destination.update(repeating: 0, count: k)
                        } else {
                            let line = plane + y &* width
                            for kernelColumn in 0..<k {
                                let x = left &+ kernelColumn
                                destination[kernelColumn] = x >= 0 && x < width ? line[x] : 0
                            }
                        }
                        destination += k
                    }
                }
            }
        }
    }

    /// The adjoint of ``imageToColumns(_:images:into:)``: adds each row's scalars back onto the
    /// input positions they were read from, writing `images` images into `output` (overwritten, not
    /// accumulated: a position gets the sum of every window that read it).
    @inlinable
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package func columnsToImage<Scalar: MatrixScalar>(
        _ columns: UnsafePointer<Scalar>, images: Int, into output: UnsafeMutablePointer<Scalar>
    ) {
        let inputCount = inputCount, positions = positions, patchCount = patchCount
        KernelPool.forEachBlock(of: images, parts: Swift.min(BLAS.threadCount, images)) { block in
            for image in block {
                foldImage(columns + image &* positions &* patchCount, into: output + image &* inputCount)
            }
        }
    }

    /// One image of ``columnsToImage(_:images:into:)``.
    @inlinable
    func foldImage<Scalar: MatrixScalar>(_ rows: UnsafePointer<Scalar>, into image: UnsafeMutablePointer<Scalar>) {
        let k = kernelSize, patchCount = patchCount
        image.update(repeating: 0, count: inputCount)
        for outputRow in 0..<outputHeight {
            let top = outputRow &* stride &- paddingTop
            let rowsInside = top >= 0 && top &+ k <= height
            for outputColumn in 0..<outputWidth {
                let left = outputColumn &* stride &- paddingLeft
                var source = rows + (outputRow &* outputWidth &+ outputColumn) &* patchCount
                if rowsInside && left >= 0 && left &+ k <= width {
                    // A window inside the image: the same additions in the same order, no border checks.
                    for channel in 0..<channels {
                        let offset: Int = (channel &* height &+ top) &* width &+ left
                        var line: UnsafeMutablePointer<Scalar> = image + offset
                        for _ in 0..<k {
                            for kernelColumn in 0..<k { line[kernelColumn] += source[kernelColumn] }
                            source += k
                            line += width
                        }
                    }
                    continue
                }
                for channel in 0..<channels {
                    let plane = image + channel &* height &* width
                    for kernelRow in 0..<k {
                        let y = top &+ kernelRow
                        if y >= 0 && y < height {
                            let line = plane + y &* width
                            for kernelColumn in 0..<k {
                                let x = left &+ kernelColumn
                                if x >= 0 && x < width { line[x] += source[kernelColumn] }
                            }
                        }
                        source += k
                    }
                }
            }
        }
    }

    /// Moves a product's rows (one per image and position, `features` columns) into NCHW images
    /// (`features` planes of ``positions``), adding `bias[feature]` when given.
    @inlinable
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package func rowsToImages<Scalar: MatrixScalar>(
        _ rows: UnsafePointer<Scalar>, features: Int, images: Int, bias: UnsafePointer<Scalar>?,
        into output: UnsafeMutablePointer<Scalar>
    ) {
        let positions = positions
        KernelPool.forEachBlock(of: images, parts: Swift.min(BLAS.threadCount, images)) { block in
            for image in block {
                let source = rows + image &* positions &* features
                let destination = output + image &* positions &* features
                for feature in 0..<features {
                    let plane = destination + feature &* positions
                    let offset = bias?[feature] ?? 0
                    for position in 0..<positions { plane[position] = source[position &* features &+ feature] + offset }
                }
            }
        }
    }

    /// The inverse of ``rowsToImages(_:features:images:bias:into:)`` without bias: NCHW images into
    /// one row per image and position.
    @inlinable
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package func imagesToRows<Scalar: MatrixScalar>(
        _ images: UnsafePointer<Scalar>, features: Int, count: Int, into rows: UnsafeMutablePointer<Scalar>
    ) {
        let positions = positions
        KernelPool.forEachBlock(of: count, parts: Swift.min(BLAS.threadCount, count)) { block in
            for image in block {
                let source = images + image &* positions &* features
                let destination = rows + image &* positions &* features
                for feature in 0..<features {
                    let plane = source + feature &* positions
                    for position in 0..<positions { destination[position &* features &+ feature] = plane[position] }
                }
            }
        }
    }
}
