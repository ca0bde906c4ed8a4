import Tensor
import Testing

// The image kernels (im2col and col2im in Caffe's layout, pooling) against naive loops written from
// their definitions, for valid and same padding, strides, odd and even windows.

/// The geometries under test: (channels, height, width, kernel, stride, same).
let imageGeometries: [ImageGeometry] = [
    (1, 5, 5, 3, 1, false), (2, 5, 6, 3, 1, true), (3, 6, 7, 3, 2, true), (2, 4, 5, 2, 1, true),
    (2, 7, 6, 3, 2, false), (1, 3, 3, 3, 1, false), (2, 5, 4, 4, 3, true),
    // Windows that tile the image (pooling's fast path), fully and with rows and columns left over.
    (2, 4, 6, 2, 2, false), (1, 5, 7, 2, 2, false), (2, 6, 6, 3, 3, false),
].map {
    ImageGeometry(channels: $0.0, height: $0.1, width: $0.2, kernelSize: $0.3, stride: $0.4, same: $0.5)
}

extension ImageGeometry: CustomTestStringConvertible {
    /// The geometry in words, for the test list.
    public var testDescription: String {
        "\(channels)×\(height)×\(width), kernel \(kernelSize), stride \(stride), padding (\(paddingTop), \(paddingLeft))"
    }
}

/// The input element a window cell reads, or nil in the padding.
func source(_ g: ImageGeometry, image: Int, channel: Int, outputRow: Int, outputColumn: Int, row: Int, column: Int)
    -> Int?
{
    let y = outputRow * g.stride - g.paddingTop + row, x = outputColumn * g.stride - g.paddingLeft + column
    guard (0..<g.height).contains(y), (0..<g.width).contains(x) else { return nil }
    return image * g.inputCount + (channel * g.height + y) * g.width + x
}

@Suite("Image kernels against naive loops")
struct ImageKernelTests {
    @Test("output sizes are PyTorch's for valid, Keras's for same")
    func sizes() {
        let valid = ImageGeometry(channels: 1, height: 7, width: 6, kernelSize: 3, stride: 2, same: false)
        #expect((valid.outputHeight, valid.outputWidth) == (3, 2))
        let same = ImageGeometry(channels: 1, height: 6, width: 7, kernelSize: 3, stride: 2, same: true)
        #expect((same.outputHeight, same.outputWidth, same.paddingTop, same.paddingLeft) == (3, 4, 0, 1))
    }

    /// The geometries above and borders wider than the image: kernel columns with no window inside
    /// it, a one-row image, padding at stride 2.
    static let windowGeometries =
        imageGeometries
        + [(1, 3, 3, 5, 1, true), (2, 2, 7, 5, 2, true), (1, 1, 4, 3, 1, true), (2, 9, 8, 3, 2, true)].map {
            ImageGeometry(channels: $0.0, height: $0.1, width: $0.2, kernelSize: $0.3, stride: $0.4, same: $0.5)
        }

    @Test("im2col and col2im in Caffe's layout, image by image", arguments: windowGeometries)
    func windows(_ g: ImageGeometry) {
        let images = 3
        let input = (0..<(images * g.inputCount)).map { Double($0 % 17) - 8.5 }
        let matrixCount = g.patchCount * g.positions
        let weights = (0..<(images * matrixCount)).map { Double($0 % 13) - 6 }
        var expected = [Double](repeating: 0, count: images * matrixCount)
        var folded = [Double](repeating: 0, count: input.count)
        // Row (channel, kernel row, kernel column), column (output row, output column) of each
        // image's matrix: the input under that window cell, or zero in the padding.
        for image in 0..<images {
            for channel in 0..<g.channels {
                for row in 0..<g.kernelSize {
                    for column in 0..<g.kernelSize {
                        for outputRow in 0..<g.outputHeight {
                            for outputColumn in 0..<g.outputWidth {
                                let index =
                                    image * matrixCount
                                    + ((channel * g.kernelSize + row) * g.kernelSize + column) * g.positions
                                    + outputRow * g.outputWidth + outputColumn
                                if let at = source(
                                    g, image: image, channel: channel, outputRow: outputRow,
                                    outputColumn: outputColumn, row: row, column: column)
                                {
                                    expected[index] = input[at]
                                    folded[at] += weights[index]
                                }
                            }
                        }
                    }
                }
            }
        }
        // NaN-filled outputs: every scalar must be written, zeros included.
        var columns = [Double](repeating: .nan, count: images * matrixCount)
        var result = [Double](repeating: .nan, count: input.count)
        input.withUnsafeBufferPointer { x in
            columns.withUnsafeMutableBufferPointer { c in
                for image in 0..<images {
                    g.unrollWindows(x.baseAddress! + image * g.inputCount, into: c.baseAddress! + image * matrixCount)
                }
            }
        }
        weights.withUnsafeBufferPointer { w in
            result.withUnsafeMutableBufferPointer { r in
                for image in 0..<images {
                    g.foldWindows(w.baseAddress! + image * matrixCount, into: r.baseAddress! + image * g.inputCount)
                }
            }
        }
        #expect(columns == expected)
        #expect(result == folded)
    }

    /// The geometries whose windows all lie inside the image (pooling layers pad nothing).
    static let unpadded = imageGeometries.filter {
        $0.paddingTop == 0 && $0.paddingLeft == 0 && ($0.outputHeight - 1) * $0.stride + $0.kernelSize <= $0.height
            && ($0.outputWidth - 1) * $0.stride + $0.kernelSize <= $0.width
    }

    @Test("max and average pooling, forward and backward", arguments: unpadded)
    func pooling(_ g: ImageGeometry) {
        let images = 2
        // Values with ties (the first maximum in row-major window order takes the gradient).
        let input = (0..<(images * g.inputCount)).map { Double(($0 * 7) % 11) }
        let count = images * g.channels * g.positions
        let upstream = (0..<count).map { Double($0 % 5) + 1 }
        var largest = [Double](repeating: -.infinity, count: count), mean = [Double](repeating: 0, count: count)
        var maxGradient = [Double](repeating: 0, count: input.count)
        var meanGradient = [Double](repeating: 0, count: input.count)
        for image in 0..<images {
            for channel in 0..<g.channels {
                for outputRow in 0..<g.outputHeight {
                    for outputColumn in 0..<g.outputWidth {
                        let cell =
                            (image * g.channels + channel) * g.positions + outputRow * g.outputWidth + outputColumn
                        var first: Int? = nil
                        for row in 0..<g.kernelSize {
                            for column in 0..<g.kernelSize {
                                let at = source(
                                    g, image: image, channel: channel, outputRow: outputRow, outputColumn: outputColumn,
                                    row: row, column: column)!
                                if input[at] > largest[cell] { (largest[cell], first) = (input[at], at) }
                                mean[cell] += input[at] / Double(g.kernelSize * g.kernelSize)
                                meanGradient[at] += upstream[cell] / Double(g.kernelSize * g.kernelSize)
                            }
                        }
                        maxGradient[first!] += upstream[cell]
                    }
                }
            }
        }
        var output = [Double](repeating: .nan, count: count), gradient = [Double](repeating: .nan, count: input.count)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { g.maxPool(x.baseAddress!, images: images, into: $0.baseAddress!) }
        }
        #expect(output == largest)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeBufferPointer { y in
                upstream.withUnsafeBufferPointer { dy in
                    gradient.withUnsafeMutableBufferPointer {
                        g.maxPoolBackward(
                            input: x.baseAddress!, output: y.baseAddress!, outputGradient: dy.baseAddress!,
                            images: images, into: $0.baseAddress!)
                    }
                }
            }
        }
        #expect(gradient == maxGradient)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer {
                g.averagePool(x.baseAddress!, images: images, into: $0.baseAddress!)
            }
        }
        for (a, e) in zip(output, mean) { #expect(abs(a - e) <= 1e-12 * max(1, abs(e))) }
        upstream.withUnsafeBufferPointer { dy in
            gradient.withUnsafeMutableBufferPointer {
                g.averagePoolBackward(outputGradient: dy.baseAddress!, images: images, into: $0.baseAddress!)
            }
        }
        for (a, e) in zip(gradient, meanGradient) { #expect(abs(a - e) <= 1e-12 * max(1, abs(e))) }
    }
}
