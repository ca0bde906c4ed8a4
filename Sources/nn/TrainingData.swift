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
    /// `stateDict` is a PyTorch state dict `--init-from` starts from: it gives the layers, and the
    /// data are read as for a new run.
    static func prepare(
        _ command: TrainCommand, resuming resumed: TrainingCheckpoint?, from initial: ModelFile?,
        stateDict: TorchStateDict? = nil
    ) throws -> TrainingData {
        let startingModel = resumed?.model ?? initial
        let (data, rawTargets, readsLayout) = try read(command, startingModel: startingModel)
        let table = command.source.isTable
        var (task, targetsRaw, dataClassNames) = try decideTask(
            command, data: data, rawTargets: rawTargets, startingModel: startingModel, readsLayout: readsLayout)
        if let startingModel, startingModel.classNames != nil, dataClassNames == nil, readsLayout {
            dataClassNames = startingModel.classNames
        }
        let lossFunction: Loss =
            startingModel?.loss ?? command.loss?.loss
            ?? defaultLoss(
                table: table, task: task, targets: targetsRaw, classNames: dataClassNames,
                stateDictOutputs: stateDict?.linears.last?.outputSize)
        let sampleCount = data.inputs.rows
        let plan = try ResolvedRun.resolve(
            command, table: table, task: task, loss: lossFunction, sampleCount: sampleCount,
            imageShape: data.imageShape, checkpoint: resumed, model: initial, stateDict: stateDict)
        let classIndices: [Int]? =
            task == .classify && targetsRaw.columns == 1 ? targetsRaw.scalars.map { Int($0) } : nil
        let (trainingRows, validationRows, testRows) = try splitRows(
            sampleCount, plan: plan, classIndices: classIndices, name: data.name)

        // Input and target scaling, computed on the training part only.
        let split = trainingRows.count < sampleCount
        let trainingInputs = split ? data.inputs.rows(at: trainingRows) : data.inputs
        let trainingTargetsRaw = split ? targetsRaw.rows(at: trainingRows) : targetsRaw
        let transform: ModelFile.InputTransform?
        if let startingModel {
            transform = startingModel.inputTransform
        } else {
            // A table's one-hot inputs stay 0 and 1; only numbers and dates are scaled.
            let oneHotInputs = data.layout?.oneHotInputs ?? []
            switch plan.scale {
            case .none: transform = nil
            case .standardize:
                transform = ModelFile.InputTransform.standardizing(trainingInputs).passingThrough(oneHotInputs)
            case .minmax: transform = ModelFile.InputTransform.minMax(trainingInputs).passingThrough(oneHotInputs)
            }
        }
        let targetTransform: ModelFile.InputTransform? =
            startingModel != nil
            ? startingModel?.targetTransform : (plan.standardizesTargets ? .standardizing(trainingTargetsRaw) : nil)
        return TrainingData(
            data: data, task: task, loss: lossFunction, plan: plan, classNames: dataClassNames,
            knownClassNames: startingModel?.classNames, targets: targetsRaw, trainingRows: trainingRows,
            validationRows: validationRows, testRows: testRows, transform: transform, targetTransform: targetTransform)
    }

    /// Reads the data; a continued run reads a table with the columns and encoding it was trained on.
    /// Returns the data, its targets, and whether a saved table layout read it.
    static func read(_ command: TrainCommand, startingModel: ModelFile?) throws -> (
        LoadedData<Scalar>, Matrix<Scalar>, Bool
    ) {
        var request = command.source.request
        let isCSV = command.source.data.map { DataSource.kind(of: $0) == "csv" } ?? false
        if let layout = startingModel?.tableLayout {
            request.layout = layout
            request.knownClassNames = startingModel?.classNames
        } else if let startingModel {
            request.expectedFeatureNames = startingModel.featureNames
        } else {
            request.readsTrainingTable = isCSV
        }
        request.force = command.force
        request.missing = command.tableOptions.missing ?? TrainDefaults.missing
        request.dateFormat = command.tableOptions.dateFormat?.format
        request.dateInputs = command.tableOptions.dateInputs?.inputs ?? TrainDefaults.dateInputs
        let data = try DataSource.load(request, as: Scalar.self, needsTargets: true, command: "train")
        guard let targets = data.targets else {
            throw CommandError.dataMismatch("\(data.name): no targets; name the target column with --target")
        }
        if let startingModel, case let width = startingModel.inputWidth, width > 0, data.inputs.columns != width {
            // Before the model's input transform (of its own width) is applied to the data.
            throw CommandError.dataMismatch(
                "\(data.name): \(data.inputs.columns) features per sample, but the \(Self.origin(command)) has \(width) inputs; continue it on data with the same columns"
            )
        }
        if let modelShape = startingModel?.imageInputShape, let dataShape = data.imageShape, modelShape != dataShape {
            // Images of the same width but another shape would be read wrongly by the first image layer.
            throw CommandError.dataMismatch(
                "\(data.name): images of shape \(ImageShapeOption.text(dataShape)), but the \(Self.origin(command)) reads images of shape \(ImageShapeOption.text(modelShape)); continue it on images of that shape"
            )
        }
        return (data, targets, request.layout != nil)
    }

    /// The task (the model's, `--task`, or inferred), with the targets as class indices for a
    /// classification and the class names.
    static func decideTask(
        _ command: TrainCommand, data: LoadedData<Scalar>, rawTargets: Matrix<Scalar>, startingModel: ModelFile?,
        readsLayout: Bool
    ) throws -> (TaskOption, Matrix<Scalar>, [String]?) {
        let table = command.source.isTable
        var targetsRaw = rawTargets
        var dataClassNames = data.classNames
        if let known = startingModel?.classNames, let names = dataClassNames, !readsLayout {
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
        return (task, targetsRaw, dataClassNames)
    }

    /// The loss a run gets when neither `--loss` nor a model names one.
    static func defaultLoss(
        table: Bool, task: TaskOption, targets: Matrix<Scalar>, classNames: [String]?, stateDictOutputs: Int? = nil
    ) -> Loss {
        guard table else { return TargetPreparation.defaultLoss(targets: targets, classNames: classNames) }
        if task == .regress { return .meanSquaredError }
        // A PyTorch classifier with one output per class (even two) was trained on logits.
        if let outputs = stateDictOutputs, outputs > 1 { return .softmaxCrossEntropy }
        return (classNames?.count ?? 2) <= 2 && targets.columns == 1 ? .binaryCrossEntropy : .softmaxCrossEntropy
    }

    /// The training, validation and test rows: test first, then validation, shuffled with the seed
    /// and stratified by class.
    static func splitRows(_ sampleCount: Int, plan: ResolvedRun, classIndices: [Int]?, name: String) throws -> (
        training: [Int], validation: [Int], test: [Int]
    ) {
        func split(_ rows: [Int], _ fraction: Double, _ option: String, seed: UInt32) throws -> (
            kept: [Int], held: [Int]
        ) {
            guard rows.count >= 2 else {
                throw CommandError.invalidOption(
                    "\(option) needs at least 2 samples, and \(name) has \(rows.count) left")
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
        var training = Array(0..<sampleCount), validation: [Int] = [], test: [Int] = []
        if plan.testFraction > 0 {
            (training, test) = try split(training, plan.testFraction, "--test-split", seed: plan.seed)
        }
        if plan.validationFraction > 0 {
            (training, validation) = try split(
                training, plan.validationFraction, "--validation-split", seed: plan.seed &+ 1)
        }
        return (training, validation, test)
    }

    /// The checkpoint (`--resume`) or model (`--init-from`) a run continues, for messages.
    static func origin(_ command: TrainCommand) -> String {
        command.resume.map { "checkpoint \($0)" } ?? "model \(command.initFrom ?? "")"
    }

    /// The inputs of `rows`, transformed.
    func inputs(_ rows: [Int]) -> Matrix<Scalar> {
        let all = rows.count == data.inputs.rows
        // Gathered and scaled in one pass: one matrix, not a gathered copy and then a scaled one.
        if let transform { return transform.apply(to: data.inputs, rows: all ? nil : rows) }
        return all ? data.inputs : data.inputs.rows(at: rows)
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
