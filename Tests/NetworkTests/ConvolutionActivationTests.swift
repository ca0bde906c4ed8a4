import Network
import Tensor
import Testing

// Conv2D adds its bias (one per filter) and applies its activation in one pass over each image's
// output. Every activation must give the same bytes as the two passes it replaced: the convolution
// with its bias and no activation, then the activation on that output.

@Suite("Conv2D's bias and activation in one pass")
struct ConvolutionActivationTests {
    func check<S: MatrixScalar>(_ activation: Activation, _: S.Type) throws {
        let shape = (channels: 2, height: 7, width: 6)
        let fused = try Conv2D<S>(
            inputShape: shape, filters: 3, kernelSize: 3, padding: .same, activation: activation)
        let plain = try Conv2D<S>(inputShape: shape, filters: 3, kernelSize: 3, padding: .same)
        var random = NumpyRandomState(seed: 11)
        fused.initializeParameters(using: &random)
        fused.bias!.value = .uniform(rows: 1, columns: 3, low: -1, high: 1, using: &random)
        plain.weights.value = fused.weights.value
        plain.bias!.value = fused.bias!.value
        // 20 images: more than one part; values of both signs, so that relu's two sides are taken.
        var input = Matrix<S>.uniform(rows: 20, columns: 84, low: -2, high: 2, using: &random)
        input[3, 5] = .nan
        input[7, 40] = .infinity
        var output = Matrix<S>.zeros(rows: 20, columns: 3 * 42), expected = output
        fused.forward(input, into: &output)
        plain.forward(input, into: &expected)
        activation.apply(to: &expected)
        let bytes = { (matrix: Matrix<S>) in matrix.withUnsafeBufferPointer { Array(UnsafeRawBufferPointer($0)) } }
        #expect(bytes(output) == bytes(expected), "\(activation) (\(S.self))")
    }

    @Test(
        "every activation gives the bytes of the bias pass and the activation pass",
        arguments: Activation.allCases.filter { $0 != .softmax })
    func fusedEqualsSeparate(_ activation: Activation) throws {
        try check(activation, Float.self)
        try check(activation, Double.self)
    }
}
