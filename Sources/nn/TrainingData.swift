import Foundation
import Network
import Tensor

/// A training run's data, ready for `fit`: read, with the task and loss decided, the plan resolved,
/// the rows split (test, then validation, shuffled with `--seed` and stratified by class), and the
/// input and target transforms fitted on the training rows only.
struct TrainingData<Scalar: MatrixScalar> {
    /// The data as read.
    var data: LoadedData<Scalar>
    var task: TaskOption
    var loss: Loss
    var plan: ResolvedRun
    /// The class names of the targets (numeric labels named by their values), nil for regression.
    var classNames: [String]?
    /// The class names of the model a run continues.
    var knownClassNames: [String]?
    /// The targets before preparation: class indices in one column, or numbers.
    var targets: Matrix<Scalar>
    var trainingRows: [Int]
    var validationRows: [Int]
    var testRows: [Int]
    var transform: ModelFile.InputTransform?
    var targetTransform: ModelFile.InputTransform?

    /// Reads and prepares the data `command` names; `resumed` and `initial` are the checkpoint or model a run continues.
    static func prepare(_ command: TrainCommand, resuming resumed: TrainingCheckpoint?, from initial: ModelFile?) throws
        -> TrainingData
    {
        let startingModel = resumed?.model ?? initial
        var request = command.source.request
        let isCSV = command.source.data.map { DataSource.kind(of: $0) == "csv" } ?? false
        if let layout = startingModel?.tableLayout {
            // A continued run reads its table with the columns and encoding it was trained on.
            request.layout = layout
            request.knownClassNames = startingModel?.classNames
        } else if let startingModel {
            request.expectedFeatureNames = startingModel.featureNames
        } else {
            request.readsTrainingTable = isCSV
        }
        let data = try DataSource.load(request, as: Scalar.self, needsTargets: true, command: "train")
        guard let rawTargets = data.targets else {
            throw CommandError.dataMismatch("\(data.name): no targets; name the target column with --target")
        }
        if let startingModel, let width = startingModel.layers.first?.inputSize, data.inputs.columns != width {
            // Before the model's input transform (of its own width) is applied to the data.
            throw CommandError.dataMismatch(
                "\(data.name): \(data.inputs.columns) features per sample, but the \(Self.origin(command)) has \(width) inputs; continue it on data with the same columns"
            )
        }
        let table = command.source.isTable

        // The task, the class names and the loss.
        var targetsRaw = rawTargets
        var dataClassNames = data.classNames
        let knownClassNames = startingModel?.classNames
        if let known = knownClassNames, let names = dataClassNames, request.layout == nil {
            targetsRaw = try TargetPreparation.remap(
                rawTargets, dataClassNames: names, modelClassNames: known, source: data.name)
            dataClassNames = known
        }
        let task: TaskOption
        if let startingModel {
            task = startingModel.classNames != nil ? .classify : .regress
            if let asked = command.task, asked != task {
                throw CommandError.usage(
                    "--task \(asked.rawValue) (the \(command.resume != nil ? "checkpoint" : "model") has \(task == .classify ? "classification" : "regression")): \(command.resume ?? command.initFrom ?? "") is a \(task == .classify ? "classifier" : "regressor")"
                )
            }
        } else if table {
            task = command.task ?? TaskInference.infer(targets: targetsRaw, classNames: dataClassNames)
        } else {
            task =
                dataClassNames != nil
                    || (command.loss?.loss ?? TargetPreparation.defaultLoss(targets: targetsRaw, classNames: nil))
                        != .meanSquaredError
                ? .classify : .regress
        }
        if table && startingModel == nil {
            switch task {
            case .classify where dataClassNames == nil:
                let classes = try TaskInference.numericClasses(targetsRaw, source: data.name)
                targetsRaw = classes.indices
                dataClassNames = classes.names
            case .regress where dataClassNames != nil:
                throw CommandError.usage(
                    "--task regress: the target column\(data.targetName.map { " '\($0)'" } ?? "") of \(data.name) holds text labels (\(dataClassNames!.prefix(3).joined(separator: ", "))), not numbers"
                )
            default: break
            }
        }
        if let startingModel, startingModel.classNames != nil, dataClassNames == nil, request.layout != nil {
            dataClassNames = startingModel.classNames
        }
        let lossFunction: Loss =
            startingModel?.loss ?? command.loss?.loss
            ?? {
                guard table else {
                    return TargetPreparation.defaultLoss(targets: targetsRaw, classNames: dataClassNames)
                }
                if task == .regress { return .meanSquaredError }
                return (dataClassNames?.count ?? 2) <= 2 && targetsRaw.columns == 1
                    ? .binaryCrossEntropy : .softmaxCrossEntropy
            }()
        let sampleCount = data.inputs.rows
        let plan = try ResolvedRun.resolve(
            command, table: table, task: task, loss: lossFunction, sampleCount: sampleCount, checkpoint: resumed,
            model: initial)

        // Splits: test, then validation, shuffled with --seed and stratified by class.
        let classIndices: [Int]? =
            task == .classify && targetsRaw.columns == 1 ? targetsRaw.scalars.map { Int($0) } : nil
        var trainingRows = Array(0..<sampleCount)
        var testRows: [Int] = []
        var validationRows: [Int] = []
        func split(_ rows: [Int], _ fraction: Double, _ option: String, seed: UInt32) throws -> (
            kept: [Int], held: [Int]
        ) {
            guard rows.count >= 2 else {
                throw CommandError.invalidOption(
                    "\(option) needs at least 2 samples, and \(data.name) has \(rows.count) left")
            }
            let parts = StratifiedSplit(
                rowCount: rows.count, fraction: fraction,
                classIndices: classIndices.map { indices in rows.map { indices[$0] } }, seed: seed)
            guard !parts.heldOut.isEmpty, !parts.kept.isEmpty else {
                throw CommandError.invalidOption(
                    "\(option) \(fraction) leaves no samples on one side of \(rows.count); choose a larger fraction")
            }
            return (parts.kept.map { rows[$0] }, parts.heldOut.map { rows[$0] })
        }
        if plan.testFraction > 0 {
            (trainingRows, testRows) = try split(trainingRows, plan.testFraction, "--test-split", seed: plan.seed)
        }
        if plan.validationFraction > 0 {
            (trainingRows, validationRows) = try split(
                trainingRows, plan.validationFraction, "--validation-split", seed: plan.seed &+ 1)
        }
        let split = trainingRows.count < sampleCount
        let trainingInputs = split ? data.inputs.rows(at: trainingRows) : data.inputs
        let trainingTargetsRaw = split ? targetsRaw.rows(at: trainingRows) : targetsRaw

        // Input and target scaling, computed on the training part only.
        let transform: ModelFile.InputTransform?
        if let startingModel {
            transform = startingModel.inputTransform
        } else {
            switch plan.scale {
            case .none: transform = nil
            case .standardize: transform = .standardizing(trainingInputs)
            case .minmax: transform = .minMax(trainingInputs)
            }
        }
        let targetTransform: ModelFile.InputTransform? =
            startingModel != nil
            ? startingModel?.targetTransform : (plan.standardizesTargets ? .standardizing(trainingTargetsRaw) : nil)
        return TrainingData(
            data: data, task: task, loss: lossFunction, plan: plan, classNames: dataClassNames,
            knownClassNames: knownClassNames,
            targets: targetsRaw, trainingRows: trainingRows, validationRows: validationRows, testRows: testRows,
            transform: transform,
            targetTransform: targetTransform)
    }

    /// The checkpoint (`--resume`) or model (`--init-from`) a run continues, for messages.
    static func origin(_ command: TrainCommand) -> String {
        command.resume.map { "checkpoint \($0)" } ?? "model \(command.initFrom ?? "")"
    }

    /// The inputs of `rows`, transformed.
    func inputs(_ rows: [Int]) -> Matrix<Scalar> {
        let raw = rows.count == data.inputs.rows ? data.inputs : data.inputs.rows(at: rows)
        return transform?.apply(to: raw) ?? raw
    }

    /// The targets of `rows` as the loss needs them (one-hot classes, standardized numbers); `what` names them in errors.
    func targets(_ rows: [Int], _ what: String) throws -> PreparedTargets<Scalar> {
        let raw = rows.count == targets.rows ? targets : targets.rows(at: rows)
        var prepared = try TargetPreparation.prepare(
            raw, classNames: classNames, knownClassNames: knownClassNames, loss: loss, source: what)
        if let targetTransform {
            // A continued regressor's transform has one scale per output of its network.
            guard prepared.targets.columns == targetTransform.scale.count else {
                throw CommandError.dataMismatch(
                    "\(data.name): \(prepared.targets.columns) target columns, but the model's target transform has \(targetTransform.scale.count); continue it on data with the same columns"
                )
            }
            prepared.targets = targetTransform.apply(to: prepared.targets)
        }
        return prepared
    }
}
