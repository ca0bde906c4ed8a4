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

/// Calls `body(matrixIndex, inputIndex)` for every window cell of `images` images that reads the
/// input, in the matrix's row order: `matrixIndex` is the cell in the images' window matrices
/// (Caffe's layout, one `(channels · k², positions)` matrix an image), `inputIndex` the input
/// element under it.
func forEachWindowCell(_ g: ImageGeometry, images: Int, _ body: (_ matrixIndex: Int, _ inputIndex: Int) -> Void) {
    let matrixCount = g.patchCount * g.positions
    for image in 0..<images {
        for channel in 0..<g.channels {
            for row in 0..<g.kernelSize {
                for column in 0..<g.kernelSize {
                    for outputRow in 0..<g.outputHeight {
                        for outputColumn in 0..<g.outputWidth {
                            let matrixIndex =
                                image * matrixCount
                                + ((channel * g.kernelSize + row) * g.kernelSize + column) * g.positions
                                + outputRow * g.outputWidth + outputColumn
                            if let inputIndex = source(
                                g, image: image, channel: channel, outputRow: outputRow,
                                outputColumn: outputColumn, row: row, column: column)
                            {
                                body(matrixIndex, inputIndex)
                            }
                        }
                    }
                }
            }
        }
    }
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
        forEachWindowCell(g, images: images) { matrixIndex, inputIndex in
            expected[matrixIndex] = input[inputIndex]
            folded[inputIndex] += weights[matrixIndex]
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
        var scratch = weights  // foldWindows may overwrite the cells that read padding
        scratch.withUnsafeMutableBufferPointer { w in
            result.withUnsafeMutableBufferPointer { r in
                for image in 0..<images {
                    g.foldWindows(w.baseAddress! + image * matrixCount, into: r.baseAddress! + image * g.inputCount)
                }
            }
        }
        #expect(columns == expected)
        #expect(result == folded)
    }

    /// col2im of inexact values with NaN, ±infinity and ±0 among them, against a naive loop that
    /// adds the window cells in the matrix's row order onto a zeroed image: the same bytes.
    func checkFoldBits<S: MatrixScalar>(_ g: ImageGeometry, _: S.Type) {
        let images = 2, matrixCount = g.patchCount * g.positions
        let special: [S] = [.nan, -.infinity, .infinity, 0, -0.0, -0.0]
        let columns = (0..<(images * matrixCount)).map { index -> S in
            index % 19 == 4 ? special[(index / 19) % special.count] : S((index * 7) % 13) / 7 - S(index % 5) / 3
        }
        var naive = [S](repeating: 0, count: images * g.inputCount)
        forEachWindowCell(g, images: images) { matrixIndex, inputIndex in naive[inputIndex] += columns[matrixIndex] }
        var scratch = columns, result = [S](repeating: .nan, count: naive.count)
        scratch.withUnsafeMutableBufferPointer { c in
            result.withUnsafeMutableBufferPointer { r in
                for image in 0..<images {
                    g.foldWindows(c.baseAddress! + image * matrixCount, into: r.baseAddress! + image * g.inputCount)
                }
            }
        }
        // The same bits, signed zeros included; NaN as NaN (which of two NaNs an addition keeps is
        // the compiler's choice of operand order, not the kernel's).
        let same = zip(result, naive).allSatisfy { $0.isNaN ? $1.isNaN : bytes([$0]) == bytes([$1]) }
        #expect(same, "\(S.self): col2im against the naive sums")
    }

    @Test(
        "col2im adds in the matrix's row order, bit for bit, NaN and signed zeros included", arguments: windowGeometries
    )
    func foldBits(_ g: ImageGeometry) {
        checkFoldBits(g, Float.self)
        checkFoldBits(g, Double.self)
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
        var firstInPlane = [Int32](repeating: -2, count: count)
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
                        firstInPlane[cell] = Int32(first! - image * g.inputCount - channel * g.height * g.width)
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
        // The forward pass that records where each maximum lies, and the backward pass that reads them.
        var recorded = [Int32](repeating: -2, count: count)
        output = [Double](repeating: .nan, count: count)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                recorded.withUnsafeMutableBufferPointer {
                    g.maxPool(x.baseAddress!, images: images, into: y.baseAddress!, maxima: $0.baseAddress!)
                }
            }
        }
        #expect(output == largest)
        #expect(recorded == firstInPlane)
        gradient = [Double](repeating: .nan, count: input.count)
        recorded.withUnsafeBufferPointer { maxima in
            upstream.withUnsafeBufferPointer { dy in
                gradient.withUnsafeMutableBufferPointer {
                    g.maxPoolBackward(
                        maxima: maxima.baseAddress!, outputGradient: dy.baseAddress!, images: images,
                        into: $0.baseAddress!)
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

    /// The bytes of an array, to compare results bit for bit.
    func bytes<S>(_ values: [S]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }

    /// Every pooling pass of `g` on `images` images of `input`, split into `parts` blocks: max pooling's
    /// outputs and positions, both max backward passes, average pooling's output and input gradient.
    func poolingPasses<S: MatrixScalar>(_ g: ImageGeometry, _ input: [S], _ upstream: [S], images: Int, parts: Int)
        -> [[UInt8]]
    {
        let count = images * g.channels * g.positions
        var output = [S](repeating: .nan, count: count), maxima = [Int32](repeating: -2, count: count)
        var plain = output, average = output
        var fromMaxima = [S](repeating: .nan, count: input.count)
        var searched = fromMaxima, spread = fromMaxima
        input.withUnsafeBufferPointer { x in
            let x = x.baseAddress!
            upstream.withUnsafeBufferPointer { dy in
                let dy = dy.baseAddress!
                output.withUnsafeMutableBufferPointer { y in
                    maxima.withUnsafeMutableBufferPointer {
                        g.maxPool(x, images: images, into: y.baseAddress!, maxima: $0.baseAddress!, parts: parts)
                    }
                }
                plain.withUnsafeMutableBufferPointer {
                    g.maxPool(x, images: images, into: $0.baseAddress!, parts: parts)
                }
                maxima.withUnsafeBufferPointer { m in
                    fromMaxima.withUnsafeMutableBufferPointer {
                        g.maxPoolBackward(
                            maxima: m.baseAddress!, outputGradient: dy, images: images, into: $0.baseAddress!,
                            parts: parts)
                    }
                }
                output.withUnsafeBufferPointer { y in
                    searched.withUnsafeMutableBufferPointer {
                        g.maxPoolBackward(
                            input: x, output: y.baseAddress!, outputGradient: dy, images: images,
                            into: $0.baseAddress!, parts: parts)
                    }
                }
                average.withUnsafeMutableBufferPointer {
                    g.averagePool(x, images: images, into: $0.baseAddress!, parts: parts)
                }
                spread.withUnsafeMutableBufferPointer {
                    g.averagePoolBackward(outputGradient: dy, images: images, into: $0.baseAddress!, parts: parts)
                }
            }
        }
        return [output, plain, fromMaxima, searched, average, spread].map(bytes) + [bytes(maxima)]
    }

    func checkSplit<S: MatrixScalar>(_ g: ImageGeometry, _: S.Type) {
        let images = 9
        // Inexact values with ties, and the special ones: NaN, ±infinity, ±0.
        let special: [S] = [.nan, -.infinity, .infinity, 0, -0.0]
        let input = (0..<(images * g.inputCount)).map { index -> S in
            index % 23 == 5 ? special[(index / 23) % special.count] : S((index * 7) % 13) / 7 - S(index % 3) / 3
        }
        // Upstream gradients with negative zeros, which the backward passes turn into positive ones (0 + -0).
        let upstream = (0..<(images * g.channels * g.positions)).map { index -> S in
            index % 17 == 3 ? -S.zero : S(index % 11) / 3 - 1
        }
        let reference = poolingPasses(g, input, upstream, images: images, parts: 1)
        // Positions recorded in the forward pass give the searching backward pass's gradient, bit for bit.
        #expect(reference[0] == reference[1], "\(S.self): max pooling's output with and without positions")
        #expect(reference[2] == reference[3], "\(S.self): max pooling's backward from positions and by search")
        for parts in [2, 3, 5, 9] {
            let split = poolingPasses(g, input, upstream, images: images, parts: parts)
            for (index, pass) in [
                "max", "max without positions", "max backward from positions",
                "max backward by search", "average", "average backward", "positions",
            ].enumerated() {
                #expect(split[index] == reference[index], "\(S.self) \(pass): \(parts) parts against 1")
            }
        }
    }

    @Test("pooling split by image over threads writes the bytes one block writes", arguments: unpadded)
    func poolingSplit(_ g: ImageGeometry) {
        checkSplit(g, Float.self)
        checkSplit(g, Double.self)
    }
}
