import ArgumentParser
import Network
import Tensor

/// One layer of `nn train --layers`, as its token names it (Keras-like, lower case).
///
/// `128` is a dense layer; `conv32k3` a convolution (32 filters, 3×3, stride 1, `same` padding,
/// then `s2`, `valid` or `same` in any order); `pool2` (or `maxpool2`) and `avgpool2` pool 2×2 with
/// a stride of the pool's size unless `s` says; `gap` averages each channel; `dropout0.5` drops
/// half its inputs in training; `batchnorm` (or `bn`) normalizes features or channels.
enum LayerToken: Equatable {
    case dense(units: Int)
    case convolution(filters: Int, kernelSize: Int, stride: Int, padding: Padding)
    case maxPooling(poolSize: Int, stride: Int)
    case averagePooling(poolSize: Int, stride: Int)
    case globalAveragePooling
    case dropout(rate: Double)
    case batchNormalization

    /// The forms a token may take, for messages.
    static let forms = "N, convFkK[sS][same|valid], pool/maxpool/avgpool P[sS], gap, dropoutR, batchnorm"

    /// The largest count a token may give: the largest filter count a model file holds (2¹⁶) for
    /// filters, and its largest kernel, stride and pool (2¹⁰) for those. Dense units may be any
    /// positive `Int`: ``NetworkBuilder`` refuses a network of too many parameters, naming them.
    static let largestFilters = 1 << 16, largestWindow = 1 << 10

    /// The canonical token: `128`, `conv32k3`, `conv64k5s2valid`, `pool2`, `pool3s2`, `avgpool2`,
    /// `gap`, `dropout0.5`, `batchnorm`. Parsing it gives the same layer back.
    var text: String {
        switch self {
        case .dense(let units): return "\(units)"
        case .convolution(let filters, let kernel, let stride, let padding):
            return
                "conv\(filters)k\(kernel)\(stride == 1 ? "" : "s\(stride)")\(padding == .same ? "" : padding.rawValue)"
        case .maxPooling(let pool, let stride): return "pool\(pool)\(stride == pool ? "" : "s\(stride)")"
        case .averagePooling(let pool, let stride): return "avgpool\(pool)\(stride == pool ? "" : "s\(stride)")"
        case .globalAveragePooling: return "gap"
        case .dropout(let rate): return "dropout\(rate == 0 ? "0" : "\(rate)")"
        case .batchNormalization: return "batchnorm"
        }
    }

    /// Whether the layer works on images (`[channels, height, width]` samples).
    var needsImages: Bool {
        switch self {
        case .convolution, .maxPooling, .averagePooling, .globalAveragePooling: return true
        case .dense, .dropout, .batchNormalization: return false
        }
    }

    /// Parses one token (already trimmed); the error says what is wrong with it.
    static func parse(_ token: String) -> Result<LayerToken, TokenProblem> {
        if let units = Int(token) {
            guard units >= 1 else { return .failure(.badValue("a dense layer needs at least 1 unit")) }
            return .success(.dense(units: units))
        }
        // Only ASCII digits: `Character.isNumber` holds for ٣, ½ and ², which are no unit counts.
        if token.allSatisfy({ $0.isASCII && $0.isNumber }) && !token.isEmpty {
            return .failure(.badValue("a dense layer needs at most \(Int.max) units"))
        }
        switch token {
        case "gap": return .success(.globalAveragePooling)
        case "batchnorm", "bn": return .success(.batchNormalization)
        default: break
        }
        if token.hasPrefix("dropout") {
            let rest = token.dropFirst("dropout".count)
            guard let rate = Double(rest), rest.allSatisfy({ $0.isNumber || $0 == "." }) else {
                return .failure(.notALayer)
            }
            guard rate >= 0 && rate < 1 else {
                return .failure(.badValue("the dropout rate must be at least 0 and below 1"))
            }
            return .success(.dropout(rate: rate))
        }
        if token.hasPrefix("conv") { return parseConvolution(token.dropFirst("conv".count)) }
        for (prefix, average) in [("maxpool", false), ("avgpool", true), ("pool", false)] where token.hasPrefix(prefix)
        {
            var rest = token.dropFirst(prefix.count)
            guard let pool = leadingNumber(&rest) else { return .failure(.notALayer) }
            var stride = pool
            if rest.first == "s" {
                rest = rest.dropFirst()
                guard let value = leadingNumber(&rest) else { return .failure(.notALayer) }
                stride = value
            }
            guard rest.isEmpty else { return .failure(.notALayer) }
            guard (1...largestWindow).contains(pool), (1...largestWindow).contains(stride) else {
                return .failure(.badValue("the pool size and stride must be from 1 to \(largestWindow)"))
            }
            return .success(
                average ? .averagePooling(poolSize: pool, stride: stride) : .maxPooling(poolSize: pool, stride: stride))
        }
        return .failure(.notALayer)
    }

    /// `32k3[s2][same|valid]`, the part after `conv`.
    private static func parseConvolution(_ text: Substring) -> Result<LayerToken, TokenProblem> {
        var rest = text
        guard let filters = leadingNumber(&rest), rest.first == "k" else { return .failure(.notALayer) }
        rest = rest.dropFirst()
        guard let kernel = leadingNumber(&rest) else { return .failure(.notALayer) }
        var stride: Int?, padding: Padding?
        while !rest.isEmpty {
            if let mode = Padding.allCases.first(where: { rest.hasPrefix($0.rawValue) }), padding == nil {
                padding = mode
                rest = rest.dropFirst(mode.rawValue.count)
            } else if rest.first == "s", stride == nil {
                rest = rest.dropFirst()
                guard let value = leadingNumber(&rest) else { return .failure(.notALayer) }
                stride = value
            } else {
                return .failure(.notALayer)
            }
        }
        guard (1...largestFilters).contains(filters) else {
            return .failure(.badValue("a convolution needs from 1 to \(largestFilters) filters"))
        }
        guard (1...largestWindow).contains(kernel), (1...largestWindow).contains(stride ?? 1) else {
            return .failure(.badValue("the kernel size and stride must be from 1 to \(largestWindow)"))
        }
        return .success(
            .convolution(filters: filters, kernelSize: kernel, stride: stride ?? 1, padding: padding ?? .same))
    }

    /// Removes the decimal digits at the start of `text` and returns their value (nil: none, or too large).
    private static func leadingNumber(_ text: inout Substring) -> Int? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty else { return nil }
        text = text.dropFirst(digits.count)
        return Int(digits) ?? Int.max
    }

    /// The token of a saved layer, or nil for a layer the grammar does not write (an activation
    /// layer, which only imported models have).
    init?(_ saved: ModelFile.SavedLayer) {
        switch saved.type {
        case DenseKind.typeName:
            guard let units = saved.outputSize else { return nil }
            self = .dense(units: units)
        case Conv2DKind.typeName:
            guard let filters = saved.integer("filters"), let kernel = saved.integer("kernelSize"),
                let stride = saved.integer("stride"), let padding = saved.text("padding").flatMap(Padding.init)
            else { return nil }
            self = .convolution(filters: filters, kernelSize: kernel, stride: stride, padding: padding)
        case MaxPool2DKind.typeName, AveragePool2DKind.typeName:
            guard let pool = saved.integer("poolSize"), let stride = saved.integer("stride") else { return nil }
            self =
                saved.type == MaxPool2DKind.typeName
                ? .maxPooling(poolSize: pool, stride: stride) : .averagePooling(poolSize: pool, stride: stride)
        case GlobalAveragePool2DKind.typeName: self = .globalAveragePooling
        case DropoutKind.typeName:
            guard let rate = saved.number("rate") else { return nil }
            self = .dropout(rate: rate)
        case BatchNormKind.typeName: self = .batchNormalization
        default: return nil
        }
    }
}

/// What is wrong with one token of `--layers`.
enum TokenProblem: Error, Equatable {
    /// The token is none of the forms.
    case notALayer
    /// The token has a form, but a value out of range.
    case badValue(String)
}

/// The hidden layers of `nn train --layers`, first to last (the output layer, which nn adds, is not
/// among them): `conv32k3,pool2,conv64k3,pool2,128,dropout0.5`, or `none`.
struct LayerStack: Equatable {
    var tokens: [LayerToken]

    init(_ tokens: [LayerToken]) { self.tokens = tokens }

    /// Dense layers of `sizes` units (the defaults, a state dict's Linear layers).
    init(denseSizes sizes: [Int]) { tokens = sizes.map { .dense(units: $0) } }

    /// Parses `--layers`: comma-separated tokens (spaces around them allowed), or `none` or nothing
    /// for no hidden layer. The error names the first bad token and its position, from 1.
    static func parse(_ text: String) -> Result<LayerStack, ValidationError> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed == "none" { return .success(LayerStack([])) }
        var tokens: [LayerToken] = []
        for (index, part) in text.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            let token = part.trimmingCharacters(in: .whitespaces)
            switch LayerToken.parse(token) {
            case .success(let layer): tokens.append(layer)
            case .failure(.notALayer):
                return .failure(
                    ValidationError(
                        "--layers: token \(index + 1) '\(token)' is not a layer (expected \(LayerToken.forms))"))
            case .failure(.badValue(let reason)):
                return .failure(ValidationError("--layers: token \(index + 1) '\(token)': \(reason)"))
            }
        }
        return .success(LayerStack(tokens))
    }

    /// The stack a canonical text (``text``) describes, or nil.
    init?(text: String) {
        guard case .success(let stack) = Self.parse(text) else { return nil }
        self = stack
    }

    /// The hidden layers of a saved model (every layer but the last; activation layers, which the
    /// grammar does not write, left out).
    init(model: ModelFile) { tokens = model.layers.dropLast().compactMap(LayerToken.init) }

    /// The canonical text: tokens joined by commas, `none` for no hidden layer.
    var text: String { tokens.isEmpty ? "none" : tokens.map(\.text).joined(separator: ",") }

    /// Whether any layer works on images.
    var needsImages: Bool { tokens.contains(where: \.needsImages) }
}

/// `--layers`: parsed with the command line; a bad token is refused by `TrainCommand.validate()`,
/// which names it (ArgumentParser's own message would not).
struct LayersOption: ExpressibleByArgument {
    let parsed: Result<LayerStack, ValidationError>

    init?(argument: String) { parsed = LayerStack.parse(argument) }

    static var defaultCompletionKind: CompletionKind { .default }

    /// The stack (`validate()` has refused a bad one).
    var stack: LayerStack? { try? parsed.get() }
}

/// `--image-shape C,H,W`: the shape of one image in a table of pixels, NCHW order.
struct ImageShapeOption: ExpressibleByArgument {
    var shape: [Int]

    init?(argument: String) {
        guard let shape = Self.parse(argument) else { return nil }
        self.shape = shape
    }

    /// Three comma-separated whole numbers (`validate` checks that each is positive), or nil.
    static func parse(_ text: String) -> [Int]? {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        guard parts.count == 3, parts.allSatisfy({ $0 != nil }) else { return nil }
        return parts.map { $0! }
    }

    /// `1,28,28`.
    static func text(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: ",") }

    /// Refuses a size below 1, naming the option.
    func validate() throws {
        if let bad = shape.first(where: { $0 < 1 }) {
            throw ValidationError(
                "--image-shape \(Self.text(shape)): channels, height and width must each be at least 1, got \(bad)")
        }
        if shape.contains(where: { $0 > 1 << 20 }) {
            throw ValidationError(
                "--image-shape \(Self.text(shape)): channels, height and width must each be at most \(1 << 20)")
        }
    }
}

extension ModelFile {
    /// The shape `[channels, height, width]` of the images the model reads, when its first layer
    /// that declares a shape (after any dropout or activation) works on images; nil for a dense input.
    var imageInputShape: [Int]? {
        for layer in layers {
            if let shapes = layer.kind?.sampleShapes(layer) { return shapes.input.count == 3 ? shapes.input : nil }
            if layer.type == DenseKind.typeName { return nil }
        }
        return nil
    }
}
