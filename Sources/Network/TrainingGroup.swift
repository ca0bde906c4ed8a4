import Tensor

/// The processes (or threads) that train one network together by data parallelism.
///
/// With ``TrainingOptions/group`` set, `fit` splits every mini-batch among the members: each draws
/// the same shuffled order, computes the gradient of its contiguous share of the batch weighted by
/// its rows over the batch's rows, and one ``sum(_:)`` per step adds the members' gradients, losses
/// and metrics before the update. Every member then takes the step one process would take on the
/// whole batch, and the members' weights stay bitwise identical. Validation, early stopping and the
/// history use the summed values, so every member decides the same thing at the same epoch.
///
/// Network knows nothing of how the members talk: the Distributed module provides groups over MPI
/// and over threads. The operations are collective: every member calls them in the same order with
/// as many values.
public protocol TrainingGroup: AnyObject, Sendable {
    /// This member's index, from 0. Member 0's state is the one the others take when training starts.
    var rank: Int { get }
    /// The number of members (at least 1).
    var size: Int { get }
    /// Replaces `values` by their elementwise sum over all members. Every member receives the same
    /// bits, so a nan on one member reaches all of them.
    func sum<Scalar: MatrixScalar>(_ values: inout [Scalar])
    /// Replaces `values` on every member by member 0's.
    func broadcast<Scalar: MatrixScalar>(_ values: inout [Scalar])
}

/// `fit`'s side of data parallelism (see ``TrainingGroup``): which rows of a batch this member
/// computes, how its contributions are weighted, and the one reduction per step over a contiguous
/// buffer that holds every gradient, then the step's loss, then its metrics.
final class DataParallelStep<Scalar: MatrixScalar> {
    let group: any TrainingGroup
    let rank: Int
    let size: Int
    let slots: [ParameterSlot<Scalar>]
    /// The gradients, then the loss, then the metrics; allocated once per run.
    var buffer: [Scalar]
    let gradientCount: Int
    /// The step's weighted metric values (this member's before ``reduce(loss:)``, the batch's after).
    var metrics: [Double]

    init(group: any TrainingGroup, parameters: [Parameter<Scalar>], metricCount: Int) {
        self.group = group
        rank = group.rank
        size = group.size
        checkPrecondition(size >= 1 && rank >= 0 && rank < size, "TrainingGroup: rank \(rank) of \(size) members")
        slots = parameters.map(ParameterSlot.init)
        gradientCount = slots.reduce(0) { $0 + $1.count }
        buffer = [Scalar](repeating: 0, count: gradientCount + 1 + metricCount)
        metrics = [Double](repeating: 0, count: metricCount)
    }

    /// This member's rows of a batch: a contiguous, balanced share (possibly empty when the batch has
    /// fewer rows than there are members).
    func localRows(_ batch: Range<Int>) -> Range<Int> {
        let count = batch.count
        return (batch.lowerBound + count * rank / size)..<(batch.lowerBound + count * (rank + 1) / size)
    }

    /// The factor a member's mean loss, gradient and metrics are weighted by: its rows over the batch's
    /// (1 for a summed loss's value and gradient, which add up across members as they are).
    func weight(rows: Int, of batchRows: Int) -> Double { Double(rows) / Double(batchRows) }

    /// Weighs this member's mean loss and its gradient with respect to the outputs (`rows × columns`)
    /// by its rows over the batch's; a summed loss adds up across members as it is.
    func weigh(
        loss: inout Double, gradient: UnsafeMutablePointer<Scalar>, rows: Int, of batchRows: Int, columns: Int, isSum: Bool
    ) {
        guard rows != batchRows, !isSum else { return }
        let factor = weight(rows: rows, of: batchRows)
        loss *= factor
        let scale = Scalar(factor)
        for index in 0..<(rows &* columns) { gradient[index] *= scale }
    }

    /// A step in which this member has no rows: it contributes nothing to the sum but still takes part
    /// (its velocity, kept by member 0 only, stays where `retention` is 1).
    func skip(retention: Scalar) {
        if retention == 0 {
            for slot in slots { slot.gradient.update(repeating: 0, count: slot.count) }
        }
        for index in metrics.indices { metrics[index] = 0 }
    }

    /// The gradient-buffer factor of ``Optimizer/gradientRetention`` for this member: momentum SGD's
    /// velocity is kept by member 0 only, so that the sum adds it once.
    func retention(_ retention: Scalar) -> Scalar { rank == 0 ? retention : 0 }

    /// Makes every member's parameters, gradient buffers (momentum SGD's velocity), optimizer state and
    /// step count, and shuffling generator those of member 0.
    func synchronize(optimizer: Optimizer<Scalar>, random: inout NumpyRandomState) {
        guard size > 1 else { return }
        var scalars: [Scalar] = []
        scalars.reserveCapacity(2 * gradientCount)
        for slot in slots {
            scalars.append(contentsOf: UnsafeBufferPointer(start: slot.value, count: slot.count))
            scalars.append(contentsOf: UnsafeBufferPointer(start: slot.gradient, count: slot.count))
        }
        for buffers in optimizer.stateBuffers {
            for buffer in buffers { scalars.append(contentsOf: UnsafeBufferPointer(start: buffer.pointer, count: buffer.count)) }
        }
        group.broadcast(&scalars)
        var offset = 0
        scalars.withUnsafeBufferPointer { source in
            func take(_ destination: UnsafeMutablePointer<Scalar>, _ count: Int) {
                if count > 0 { destination.update(from: source.baseAddress! + offset, count: count) }
                offset += count
            }
            for slot in slots {
                take(slot.value, slot.count)
                take(slot.gradient, slot.count)
            }
            for buffers in optimizer.stateBuffers {
                for buffer in buffers { take(buffer.pointer, buffer.count) }
            }
        }
        // The step count and the generator, exactly (every value fits a Double's 53 bits).
        let state = random.state
        var numbers = [Double(optimizer.stepCount), Double(state.position), state.hasGauss ? 1 : 0, state.gauss]
            + state.keys.map(Double.init)
        group.broadcast(&numbers)
        optimizer.stepCount = Int(numbers[0])
        let keys = numbers[4...].map { UInt32($0) }
        if let restored = try? NumpyRandomState(
            state: .init(keys: keys, position: Int(numbers[1]), hasGauss: numbers[2] != 0, gauss: numbers[3]))
        {
            random = restored
        }
    }

    /// Sums every member's gradients, its weighted `loss` and its weighted ``metrics`` in one
    /// reduction, leaving the batch's gradient in each parameter's buffer and the batch's metrics in
    /// ``metrics``; returns the batch's loss.
    func reduce(loss: Double) -> Double {
        let gradientCount = self.gradientCount
        buffer.withUnsafeMutableBufferPointer { buffer in
            var offset = 0
            for slot in slots {
                (buffer.baseAddress! + offset).update(from: slot.gradient, count: slot.count)
                offset += slot.count
            }
            buffer[gradientCount] = Scalar(loss)
            for index in metrics.indices { buffer[gradientCount + 1 + index] = Scalar(metrics[index]) }
        }
        group.sum(&buffer)
        return buffer.withUnsafeBufferPointer { buffer in
            var offset = 0
            for slot in slots {
                slot.gradient.update(from: buffer.baseAddress! + offset, count: slot.count)
                offset += slot.count
            }
            for index in metrics.indices { metrics[index] = Double(buffer[gradientCount + 1 + index]) }
            return Double(buffer[gradientCount])
        }
    }

    /// The network's loss and metrics on `data`, each member evaluating its share of the rows and the
    /// weighted results summed, so that every member gets the same values.
    func evaluate(
        _ network: Sequential<Scalar>, _ data: (inputs: Matrix<Scalar>, targets: Matrix<Scalar>), loss: Loss,
        metrics: [Metric], batchSize: Int
    ) -> Evaluation {
        let count = data.inputs.rows
        let local = localRows(0..<count)
        var sums = [Double](repeating: 0, count: 1 + metrics.count)
        if !local.isEmpty {
            let part = network.evaluateSpecialized(
                data.inputs.rows(local), data.targets.rows(local), loss: loss, metrics: metrics, batchSize: batchSize)
            let weight = weight(rows: local.count, of: count)
            sums[0] = loss.isSum ? part.loss : part.loss * weight
            for (index, metric) in metrics.enumerated() { sums[1 + index] = (part.metrics[metric] ?? 0) * weight }
        }
        group.sum(&sums)
        var reduced = [Metric: Double]()
        for (index, metric) in metrics.enumerated() { reduced[metric] = sums[1 + index] }
        return Evaluation(loss: sums[0], metrics: reduced)
    }
}
