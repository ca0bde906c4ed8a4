import ArgumentParser
import Foundation
import Network
import Tensor
import TensorIO

/// `nn train`: trains a network on a file or a built-in data set and saves it. The run reads as
/// plan (``ResolvedRun``, with the data in ``TrainingData``) → build or restore → fit
/// (``TrainingRun``) → report (``TrainReport``).
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a network on a data file or a built-in data set.",
        usage: "nn train (--data <file> | --dataset <name>) [<options>]",
        discussion: """
            The task is inferred from the target unless --task says: text labels, or whole \
            numbers with at most 20 distinct values (and at most half as many as rows), are \
            classes; anything else is regression. One line says the task, target, features, \
            rows and scaling on every run, -q included.

            Tables (CSV, .npy, .npz) train with scikit-learn's MLP defaults: one hidden layer \
            of \(TrainDefaults.table.hiddenLayers[0]), standardized inputs and regression targets, Adam at \
            \(TrainDefaults.table.learningRate), batches of \(TrainDefaults.table.batchSize), \(TrainDefaults.table.epochs) epochs, and \
            early stopping: from \(TrainDefaults.smallestValidatedCount) rows on a shuffled, stratified \
            validation split, below on the training loss (scikit-learn's tolerance and patience); \
            the L2 penalty is stronger, a weight decay of \(Int(TrainDefaults.table.l2Penalty)) / training rows. \
            Missing CSV cells are filled with the column's mean (text: most frequent value) and \
            ISO date columns become \(TrainDefaults.dateInputs.map(\.description).joined(separator: ", ")) \
            inputs (and seconds of day, with times; --date-inputs chooses others). Built-in \
            data sets keep the notebooks' settings. Each option's default is given per kind of data below.

            Examples:
              nn train --data iris.csv --target species --save iris.safetensors
              nn train --data titanic.csv --target Survived --missing median
              nn train --dataset fashion-mnist --save fashion.safetensors
              nn train --dataset xor --layers 4 --activation tanh
              nn train --dataset fashion-mnist \\
                --layers conv32k3,pool2,conv64k3,pool2,128,dropout0.5 \\
                --optimizer adam --learning-rate 0.001 --schedule constant --epochs 5
              nn train --data pixels.csv --image-shape 1,28,28 --layers conv16k3,pool2,64

            Set NN_FORCE_TERMINAL=1 (or 0) to force the progress bar (or plain lines).
            """)

    @OptionGroup var source: DataOptions

    @OptionGroup(title: "Table options") var tableOptions: TableOptions

    @Option(
        help:
            "The hidden layers, comma-separated, or none \(TrainDefaults.Help.layers): N (dense, N units), convFkK (F filters K×K, stride 1, same padding; then sS, valid or same in any order), poolP or maxpoolP and avgpoolP (P×P, stride P unless sS), gap (global average), dropoutR (rate R), batchnorm or bn. Image layers come first and need an image shape (see --image-shape); after them the stack flattens to dense (NCHW order)."
    )
    var layers: LayersOption?

    @Option(help: "The hidden layers' activation (default: \(TrainDefaults.activation.rawValue)).")
    var activation: ActivationOption?

    @Option(
        help:
            "The output layer's activation (default: sigmoid for bce, identity otherwise; softmax cross-entropy takes logits)."
    )
    var outputActivation: ActivationOption?

    @Flag(name: .customLong("no-bias"), help: "Build dense and convolutional layers without bias.")
    var noBias = false

    @Option(help: "The loss to minimise (default: chosen from the targets).")
    var loss: LossOption?

    @Option(help: "Classification or regression (default: inferred from the targets; see above).")
    var task: TaskOption?

    @Option(help: "The update rule \(TrainDefaults.Help.optimizer).")
    var optimizer: OptimizerOption?

    @Option(help: "The base learning rate \(TrainDefaults.Help.learningRate).")
    var learningRate: Double?

    @Option(help: "The momentum of momentum and nesterov (default: \(TrainDefaults.momentum)).")
    var momentum: Double?

    @Option(help: "rmsprop's smoothing constant, PyTorch's alpha (default: \(TrainDefaults.alpha)).")
    var alpha: Double?

    @Option(
        help:
            "The weight decay: an L2 penalty, or with adamw decoupled (weights shrink by rate × decay each step) \(TrainDefaults.Help.weightDecay)."
    )
    var weightDecay: Double?

    @Option(
        help:
            "The learning-rate schedule: constant, step:EVERY,FACTOR or exponential:DECAY \(TrainDefaults.Help.schedule)."
    )
    var schedule: ScheduleOption?

    @Option(help: "The number of epochs \(TrainDefaults.Help.epochs).")
    var epochs: Int?

    @Option(help: "Rows per mini-batch; 0 trains full-batch \(TrainDefaults.Help.batchSize).")
    var batchSize: Int?

    @Option(
        name: .customLong("init"),
        help: "How weights are drawn: \(InitializerOption.forms) \(TrainDefaults.Help.initializer).")
    var weightInit: InitializerOption?

    @Option(name: .customLong("bias-init"), help: "How biases are drawn, in the forms of --init (default: zeros).")
    var biasInit: InitializerOption?

    @Option(help: "The seed of the numpy-compatible generator (weights, shuffles) (default: \(TrainDefaults.seed)).")
    var seed: UInt32?

    @Option(help: "The floating-point precision (default: \(TrainDefaults.precision.rawValue)).")
    var precision: Precision?

    @Option(
        help:
            "The fraction of rows held out for validation, shuffled and stratified with --seed \(TrainDefaults.Help.validationSplit)."
    )
    var validationSplit: Double?

    @Option(
        help: "The fraction of rows held out for a test score, shuffled and stratified with --seed (default: none).")
    var testSplit: Double?

    @Option(
        help:
            "Stop after this many epochs without a lower validation (or training) loss, keeping the best weights, or off \(TrainDefaults.Help.earlyStopping)."
    )
    var earlyStopping: EarlyStoppingOption?

    @Option(
        help:
            "The number of OpenBLAS threads (default: the thread rule's count for the network and batch, at most the usable cores)."
    )
    var threads: Int?

    @Flag(
        name: .customLong("no-flush-to-zero"),
        help:
            "Keep subnormal numbers in float training instead of flushing them to zero (flushing is the float default; double never flushes)."
    )
    var noFlushToZero = false

    @Option(
        help:
            "How inputs are scaled, fitted on the training rows and stored; a CSV's one-hot inputs stay 0 and 1 \(TrainDefaults.Help.scale)."
    )
    var scale: ScaleOption?

    @Option(
        help:
            "How regression targets are scaled for training, inverted for predictions \(TrainDefaults.Help.targetScale)."
    )
    var targetScale: TargetScaleOption?

    @Flag(help: "Train even when the run's estimated memory exceeds what is available.")
    var force = false

    @Flag(name: .shortAndLong, help: "Print only the task line and the summary.")
    var quiet = false

    @Flag(
        help:
            "Print the summary as one JSON object on standard output (the task line goes to standard error), with every setting and where it came from."
    )
    var json = false

    @Option(help: "Write the per-epoch history as JSON to this file.")
    var history: String?

    @Option(help: "Draw the loss and accuracy curves as an SVG file.")
    var plot: String?

    @Option(
        name: .shortAndLong,
        help: "Save the trained model to this file, a safetensors file (\(ModelFileName.example)), written atomically.")
    var save: String?

    @Option(
        help:
            "The file --checkpoint-every writes (default: the --save file with \(ModelFileName.checkpointSuffix), or nn\(ModelFileName.checkpointSuffix))."
    )
    var checkpoint: String?

    @Option(help: "Write a checkpoint every N epochs.")
    var checkpointEvery: Int?

    @Option(
        help:
            "Continue from a checkpoint on the same data; --epochs counts all epochs. The rate, epochs, early stopping and schedule may change."
    )
    var resume: String?

    @Option(
        help:
            "Start from a saved model's weights (same architecture, a fresh optimizer), on new data read with its columns and scaling; or from a PyTorch state dict's Linear layers (see README)."
    )
    var initFrom: String?

    @Flag(
        help:
            "Train as one rank of an MPI job (mpirun -np 4 nn train --distributed ...); --batch-size stays the global batch, and --threads defaults to the usable cores divided among this machine's ranks. Needs nn built with --traits MPI."
    )
    var distributed = false

    func validate() throws {
        try DistributedRun.validate(distributed: distributed)
        if case .failure(let error) = layers?.parsed { throw error }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        if let batchSize, batchSize < 0 { throw ValidationError("--batch-size must be at least 0, got \(batchSize)") }
        if let learningRate, !(learningRate > 0 && learningRate.isFinite) {
            throw ValidationError("--learning-rate must be a positive number, got \(learningRate)")
        }
        if let momentum, !(momentum >= 0 && momentum < 1) {
            throw ValidationError("--momentum must be in [0, 1), got \(momentum)")
        }
        if let alpha, !(alpha >= 0 && alpha < 1) { throw ValidationError("--alpha must be in [0, 1), got \(alpha)") }
        if let weightDecay, !(weightDecay >= 0 && weightDecay.isFinite) {
            throw ValidationError("--weight-decay must be a finite number at least 0, got \(weightDecay)")
        }
        if let validationSplit, !(validationSplit >= 0 && validationSplit < 1) {
            throw ValidationError("--validation-split must be in [0, 1), got \(validationSplit)")
        }
        if let testSplit, !(testSplit > 0 && testSplit < 1) {
            throw ValidationError("--test-split must be in (0, 1), got \(testSplit)")
        }
        if resume != nil && initFrom != nil {
            throw ValidationError(
                "--resume continues a checkpoint and --init-from starts from a model; give one of them")
        }
        if let initFrom, TorchStateDict.isBareStateDict(at: initFrom) {
            // A state dict gives the layer sizes, bias and weights; the rest is decided as for a new run.
            let fixed = [("--init", weightInit != nil), ("--bias-init", biasInit != nil)].filter(\.1).map(\.0)
            if !fixed.isEmpty {
                throw ValidationError(
                    "\(fixed.joined(separator: ", ")) \(fixed.count == 1 ? "does" : "do") not apply with --init-from: the weights are the state dict's"
                )
            }
        } else if initFrom != nil {
            // The network, its loss and its scaling come from the model.
            let fixed = [
                ("--layers", layers != nil), ("--output-activation", outputActivation != nil), ("--no-bias", noBias),
                ("--loss", loss != nil), ("--init", weightInit != nil), ("--bias-init", biasInit != nil),
                ("--scale", scale != nil),
                ("--target-scale", targetScale != nil),
            ].filter(\.1).map(\.0)
            if !fixed.isEmpty {
                throw ValidationError(
                    "\(fixed.joined(separator: ", ")) \(fixed.count == 1 ? "does" : "do") not apply with --init-from: the network, its loss and its scaling are the model's"
                )
            }
        }
        if source.dataset != nil && (targetScale != nil || task != nil) {
            let given = [("--target-scale", targetScale != nil), ("--task", task != nil)].filter(\.1).map(\.0)
            throw ValidationError(
                "\(given.joined(separator: ", ")) \(given.count == 1 ? "does" : "do") not apply to a built-in data set, whose task is fixed"
            )
        }
        if !tableOptions.given.isEmpty, source.data.map({ DataSource.kind(of: $0) != "csv" }) ?? true {
            throw ValidationError(
                "\(tableOptions.given.joined(separator: ", ")) \(tableOptions.given.count == 1 ? "applies" : "apply") to CSV files only; leave \(tableOptions.given.count == 1 ? "it" : "them") out"
            )
        }
        if let patience = earlyStopping?.patience, patience < 1 {
            throw ValidationError("--early-stopping must be at least 1 (or off), got \(patience)")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if let checkpointEvery, checkpointEvery < 1 {
            throw ValidationError("--checkpoint-every must be at least 1, got \(checkpointEvery)")
        }
        guard (epochs ?? 0) <= Self.largestEpochCount else {
            throw ValidationError("--epochs must be at most \(Self.largestEpochCount), got \(epochs ?? 0)")
        }
        if checkpoint != nil && checkpointEvery == nil {
            throw ValidationError("--checkpoint names the file --checkpoint-every N writes; add --checkpoint-every")
        }
        // One output file overwriting another would replace the model with a plot, say.
        let outputs = [
            ("--save", save), ("--history", history), ("--plot", plot),
            ("--checkpoint", checkpointEvery != nil ? checkpointPath : nil),
        ]
        .compactMap { name, path in path.map { (name, URL(fileURLWithPath: $0).standardizedFileURL.path) } }
        for (index, output) in outputs.enumerated() {
            if let other = outputs[..<index].first(where: { $0.1 == output.1 }) {
                throw ValidationError(
                    "\(other.0) and \(output.0) name the same file \(output.1); give each output its own file")
            }
        }
    }

    func run() throws {
        if distributed { try DistributedRun.start(threads: threads) }
        // Outputs must not overwrite an input, and their folders must exist before the run starts.
        // (In an MPI job, rank 0 writes them.)
        if DistributedRun.isPrimary {
            try OutputPaths.check(
                outputs: [
                    ("--save", save), ("--history", history), ("--plot", plot),
                    ("--checkpoint", checkpointEvery != nil ? checkpointPath : nil),
                ],
                inputs: [
                    ("--data", source.data), ("--targets-file", source.targetsFile), ("--labels", source.labels),
                    ("--resume", resume), ("--init-from", initFrom),
                ],
                allowed: [("--checkpoint", "--resume")])
        }
        if let resume, Self.isModelFile(resume) {
            throw CommandError.usage(
                "--resume \(resume): this is a saved model, not a training checkpoint; continue training it with --init-from \(resume) (same network, a fresh optimizer)"
            )
        }
        // The checkpoint is read once: its precision (or the model's) decides the type, then the run uses it.
        let resumed = try resume.map { try DistributedRun.readCheckpoint($0) }
        // A bare PyTorch state dict gives only the layers; a model (nn's, or nn's PyTorch export) gives all.
        let stateDict = try initFrom.flatMap {
            TorchStateDict.isBareStateDict(at: $0) ? try TorchStateDict.read(from: $0) : nil
        }
        let initial = stateDict != nil ? nil : try initFrom.map { try ModelFile.read(from: $0) }
        let precision =
            ((resumed?.model ?? initial)?.precision ?? stateDict?.precision).flatMap { Precision(rawValue: $0) }
            ?? self.precision ?? TrainDefaults.precision
        switch precision {
        case .float:
            try TrainingRun<Float>(command: self, resuming: resumed, from: initial, stateDict: stateDict).run()
        case .double:
            try TrainingRun<Double>(command: self, resuming: resumed, from: initial, stateDict: stateDict).run()
        }
        DistributedRun.finish()
    }

    /// The most epochs a run may ask for: far beyond any real run, and small enough that every count
    /// and history built from it stays within memory and integer range.
    static let largestEpochCount = 1 << 31

    /// The file `--checkpoint-every` writes.
    var checkpointPath: String {
        if let checkpoint { return checkpoint }
        return ModelFileName.checkpoint(forModel: save)
    }

    /// Whether the file at `path` is a saved model (rather than a checkpoint).
    static func isModelFile(_ path: String) -> Bool {
        // A model file of any version (binary or the JSON of version 1) reads as one; a checkpoint does not.
        (try? ModelFile.readMetadata(from: path)) != nil
    }
}

/// The names of model files and checkpoints: safetensors files, which Python's `safetensors` reads.
enum ModelFileName {
    /// The extension of model files in examples and defaults.
    static let modelExtension = ".safetensors"
    /// What a checkpoint's default name adds to the model's (without its extension).
    static let checkpointSuffix = ".checkpoint.safetensors"
    /// `model.safetensors`, for help texts.
    static let example = "model\(modelExtension)"

    /// The default checkpoint beside the model `save` (or `nn.checkpoint.safetensors`).
    static func checkpoint(forModel save: String?) -> String {
        guard let save else { return "nn" + checkpointSuffix }
        return FileName.removingEnding(save, modelExtension) + checkpointSuffix
    }
}
