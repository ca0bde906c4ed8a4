import Tensor

// Each built-in layer kind's PyTorch equivalent: the `torch.nn` modules that compute a saved layer
// of the kind, with the state-dict tensors each module holds and which of the layer's arrays fill
// them. `ModelFile+Torch.swift` walks a model's layers through these, adding `nn.Unflatten` and
// `nn.Flatten` where the batch changes between images `(N, C, H, W)` and rows `(N, features)`,
// and each layer's activation module after its own.

/// How a PyTorch module takes and gives a batch: as images `(N, C, H, W)`, as rows
/// `(N, features)`, or either, kept as it comes (dropout, activations).
public enum TorchBatchLayout: Sendable, Equatable {
    /// `(N, C, H, W)`.
    case images
    /// `(N, features)`.
    case rows
    /// Whatever the module before gave.
    case either
}

/// One tensor of a PyTorch module's `state_dict`, and where its values come from in nn's layer.
public struct TorchTensor: Sendable, Equatable {
    /// Where a tensor's values come from.
    public enum Source: Sendable, Equatable {
        /// The layer's array of this name, transposed when `transposed` (a `Linear` weight is the
        /// transpose of a dense layer's `weights`), else in its own order (a `Conv2d` weight
        /// `[filters, channels, k, k]` is a convolution's `weights` `(filters, channels · k²)`).
        case array(String, transposed: Bool)
        /// A batch-norm module's `num_batches_tracked` (`I64`, shape `[]`): nn does not count
        /// batches and writes 0, which PyTorch reads only when `momentum=None`; reading ignores it.
        case batchCount
    }

    /// The tensor's name within its module (`weight`, `running_mean`).
    public var name: String
    /// Its shape in PyTorch (`[filters, channels, k, k]`, `[features]`, `[]`).
    public var shape: [Int]
    /// Where its values come from.
    public var source: Source

    /// Creates a tensor description.
    public init(name: String, shape: [Int], source: Source) {
        self.name = name
        self.shape = shape
        self.source = source
    }
}

/// One module of the equivalent `torch.nn.Sequential`: its Python source and its tensors.
public struct TorchModule: Sendable, Equatable {
    /// The module as Python (`nn.Conv2d(1, 32, 3, stride=1, padding=1)`).
    public var source: String
    /// The tensors of its `state_dict`, in PyTorch's order; none for modules without state.
    public var tensors: [TorchTensor]
    /// Whether it computes differently in training than in `eval()` (dropout, batch normalization).
    public var dependsOnMode: Bool

    /// Creates a module description.
    public init(_ source: String, tensors: [TorchTensor] = [], dependsOnMode: Bool = false) {
        self.source = source
        self.tensors = tensors
        self.dependsOnMode = dependsOnMode
    }
}

/// A layer kind with an equivalent in `torch.nn`, which `nn export --format torch` writes as the
/// state dict of a `torch.nn.Sequential` and `nn import` reads back. A kind without one is refused
/// by the export, naming the layer.
public protocol TorchLayerKind: LayerKind {
    /// How the modules of a saved layer of this kind take their batch.
    static func torchInput(_ saved: ModelFile.SavedLayer) -> TorchBatchLayout

    /// How they give it on (``TorchBatchLayout/either``: as it came).
    static func torchOutput(_ saved: ModelFile.SavedLayer) -> TorchBatchLayout

    /// The modules that compute a saved layer of this kind, without its activation (which follows
    /// as its own module). `saved` has passed validation, so its settings are present.
    static func torchModules(_ saved: ModelFile.SavedLayer) -> [TorchModule]
}

extension ModelFile {
    /// The PyTorch module that applies `activation`, as Python source; `nil` for identity, which
    /// needs none.
    public static func torchModule(_ activation: Activation) -> String? {
        switch activation {
        case .identity: return nil
        case .sigmoid: return "nn.Sigmoid()"
        case .tanh: return "nn.Tanh()"
        case .relu: return "nn.ReLU()"
        case .leakyReLU: return "nn.LeakyReLU(\(Activation.leakySlope))"
        case .softmax: return "nn.Softmax(dim=1)"
        }
    }
}

extension DenseKind: TorchLayerKind {
    /// Rows.
    public static func torchInput(_ saved: ModelFile.SavedLayer) -> TorchBatchLayout { .rows }

    /// Rows.
    public static func torchOutput(_ saved: ModelFile.SavedLayer) -> TorchBatchLayout { .rows }

    /// `nn.Linear(inputs, outputs)` (`bias=False` without a bias): `weight` `[outputs, inputs]`,
    /// the transpose of `weights`, and `bias` `[outputs]`.
    public static func torchModules(_ saved: ModelFile.SavedLayer) -> [TorchModule] {
        let inputs = saved.inputSize ?? 0, outputs = saved.outputSize ?? 0
        return [
            TorchModule(
                "nn.Linear(\(inputs), \(outputs)\(saved.hasBias ? "" : ", bias=False"))",
                tensors: [
                    TorchTensor(name: "weight", shape: [outputs, inputs], source: .array("weights", transposed: true)),
                    TorchTensor(name: "bias", shape: [outputs], source: .array("bias", transposed: false)),
                ])
        ]
    }
}

extension ActivationKind: TorchLayerKind {
    /// Either, but rows for softmax (over a sample's features).
    public static func torchInput(_ saved: ModelFile.SavedLayer) -> TorchBatchLayout {
        saved.activation == .softmax ? .rows : .either
    }

    /// As its input.
    public static func torchOutput(_ saved: ModelFile.SavedLayer) -> TorchBatchLayout { torchInput(saved) }

    /// None: the activation's module follows.
    public static func torchModules(_ saved: ModelFile.SavedLayer) -> [TorchModule] { [] }
}

extension Conv2DKind: TorchLayerKind {
    /// Images.
    public static func torchInput(_ saved: ModelFile.SavedLayer) -> TorchBatchLayout { .images }

    /// Images.
    public static func torchOutput(_ saved: ModelFile.SavedLayer) -> TorchBatchLayout { .images }

    /// `nn.Conv2d(channels, filters, k, stride=s, padding=p)`: `weight` `[filters, channels, k, k]`
    /// (the `weights` rows as they are) and `bias` `[filters]`. `same` padding that is the same on
    /// both sides (an odd kernel at stride 1: `k // 2`) is the module's `padding`; when the odd zero
    /// goes after the image (Keras's and nn's `same` with an even kernel or a stride), an
    /// `nn.ZeroPad2d((left, right, top, bottom))` comes first and the convolution pads nothing.
    public static func torchModules(_ saved: ModelFile.SavedLayer) -> [TorchModule] {
        let shape = saved.imageInputShape ?? [0, 0, 0]
        let filters = saved.integer("filters") ?? 0, kernel = saved.integer("kernelSize") ?? 0
        let stride = saved.integer("stride") ?? 1
        let geometry = ImageGeometry(
            channels: shape[0], height: shape[1], width: shape[2], kernelSize: kernel, stride: stride,
            same: saved.text("padding") == Padding.same.rawValue)
        let bottom = Swift.max((geometry.outputHeight - 1) * stride + kernel - shape[1] - geometry.paddingTop, 0)
        let right = Swift.max((geometry.outputWidth - 1) * stride + kernel - shape[2] - geometry.paddingLeft, 0)
        let symmetric = bottom == geometry.paddingTop && right == geometry.paddingLeft
        var modules: [TorchModule] = []
        if !symmetric {
            modules.append(
                TorchModule("nn.ZeroPad2d((\(geometry.paddingLeft), \(right), \(geometry.paddingTop), \(bottom)))"))
        }
        let padding =
            !symmetric
            ? "0"
            : geometry.paddingTop == geometry.paddingLeft
                ? String(geometry.paddingTop) : "(\(geometry.paddingTop), \(geometry.paddingLeft))"
        modules.append(
            TorchModule(
                "nn.Conv2d(\(shape[0]), \(filters), \(kernel), stride=\(stride), padding=\(padding)\(saved.hasBias ? "" : ", bias=False"))",
                tensors: [
                    TorchTensor(
                        name: "weight", shape: [filters, shape[0], kernel, kernel],
                        source: .array("weights", transposed: false)),
                    TorchTensor(name: "bias", shape: [filters], source: .array("bias", transposed: false)),
                ]))
        return modules
    }
}

extension Pool2DKind: TorchLayerKind {
    /// Images.
    public static func torchInput(_ saved: ModelFile.SavedLayer) -> TorchBatchLayout { .images }

    /// Images.
    public static func torchOutput(_ saved: ModelFile.SavedLayer) -> TorchBatchLayout { .images }

    /// `nn.MaxPool2d(size, stride=s)` or `nn.AvgPool2d(size, stride=s)` (no padding, so every window
    /// averages size² values, as nn's).
    public static func torchModules(_ saved: ModelFile.SavedLayer) -> [TorchModule] {
        let module =
            switch Operation.operation {
            case .maximum: "nn.MaxPool2d"
            case .average: "nn.AvgPool2d"
            }
        return [TorchModule("\(module)(\(saved.integer("poolSize") ?? 0), stride=\(saved.integer("stride") ?? 0))")]
    }
}

extension GlobalAveragePool2DKind: TorchLayerKind {
    /// Images.
    public static func torchInput(_ saved: ModelFile.SavedLayer) -> TorchBatchLayout { .images }

    /// Rows: one mean per channel.
    public static func torchOutput(_ saved: ModelFile.SavedLayer) -> TorchBatchLayout { .rows }

    /// `nn.AdaptiveAvgPool2d(1)`, then `nn.Flatten()`.
    public static func torchModules(_ saved: ModelFile.SavedLayer) -> [TorchModule] {
        [TorchModule("nn.AdaptiveAvgPool2d(1)"), TorchModule("nn.Flatten()")]
    }
}

extension DropoutKind: TorchLayerKind {
    /// Either.
    public static func torchInput(_ saved: ModelFile.SavedLayer) -> TorchBatchLayout { .either }

    /// As its input.
    public static func torchOutput(_ saved: ModelFile.SavedLayer) -> TorchBatchLayout { .either }

    /// `nn.Dropout(p=rate)`: the same inverted dropout in training, the identity in `eval()`.
    public static func torchModules(_ saved: ModelFile.SavedLayer) -> [TorchModule] {
        [TorchModule("nn.Dropout(p=\(saved.number("rate") ?? 0))", dependsOnMode: true)]
    }
}

extension BatchNormKind: TorchLayerKind {
    /// Images over channels, rows over features.
    public static func torchInput(_ saved: ModelFile.SavedLayer) -> TorchBatchLayout {
        sampleShape(saved)?.count == 3 ? .images : .rows
    }

    /// As its input.
    public static func torchOutput(_ saved: ModelFile.SavedLayer) -> TorchBatchLayout { torchInput(saved) }

    /// `nn.BatchNorm2d(channels, eps=ε, momentum=m)` over channels, `nn.BatchNorm1d(features, …)`
    /// over features: `weight` (``BatchNorm/scale``), `bias` (``BatchNorm/shift``), `running_mean`,
    /// `running_var` and `num_batches_tracked`. PyTorch's momentum is nn's: `running = (1 - m) ·
    /// running + m · batch`, with the unbiased batch variance in `running_var` (Keras's momentum is
    /// `1 - m`).
    public static func torchModules(_ saved: ModelFile.SavedLayer) -> [TorchModule] {
        let shape = sampleShape(saved) ?? [0]
        let channels = shape[0]
        let module = shape.count == 3 ? "nn.BatchNorm2d" : "nn.BatchNorm1d"
        let tensors = [
            ("weight", "scale"), ("bias", "shift"), ("running_mean", "runningMean"),
            ("running_var", "runningVariance"),
        ].map { TorchTensor(name: $0.0, shape: [channels], source: .array($0.1, transposed: false)) }
        return [
            TorchModule(
                "\(module)(\(channels), eps=\(saved.number("epsilon") ?? 0), momentum=\(saved.number("momentum") ?? 0))",
                tensors: tensors + [TorchTensor(name: "num_batches_tracked", shape: [], source: .batchCount)],
                dependsOnMode: true)
        ]
    }
}
