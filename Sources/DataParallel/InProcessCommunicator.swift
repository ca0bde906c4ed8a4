internal import FileSystem
import Foundation
import Tensor

/// A ``Communicator`` whose members are threads of this process: ``run(size:_:)`` starts one thread
/// per rank and gives each its communicator.
///
/// It exists so that data-parallel training can be tested, and its arithmetic compared with one
/// process's, without MPI. The sum adds the members' values in rank order, the same on every member,
/// so every member receives the same bits (as MPI's reductions give). ``abort(_:code:)`` ends the
/// process, as `MPI_Abort` ends the job; so does a member that throws while another waits for it in
/// a collective operation, since that member would otherwise wait forever.
public final class InProcessCommunicator: Communicator, @unchecked Sendable {
    /// This member's index.
    public let rank: Int
    /// The number of members.
    public let size: Int
    let rendezvous: Rendezvous
    /// The sums started and not yet waited for, first started first: each adds up the members'
    /// posted copies into its buffer.
    var started: [() -> Void] = []
    /// The number of sums started so far, which names the next one.
    var startedCount = 0

    init(rank: Int, rendezvous: Rendezvous) {
        self.rank = rank
        self.size = rendezvous.size
        self.rendezvous = rendezvous
    }

    /// Runs `body` on `size` threads at once, each with the communicator of its rank, and returns
    /// their results in rank order once all have finished.
    ///
    /// - Throws: the error of the lowest rank that threw, after every thread has finished.
    public static func run<Result: Sendable>(
        size: Int, _ body: @escaping @Sendable (InProcessCommunicator) throws -> Result
    ) throws -> [Result] {
        precondition(size >= 1, "InProcessCommunicator.run: size must be at least 1, got \(size)")
        let rendezvous = Rendezvous(size: size)
        let outcomes = Outcomes<Result>(count: size)
        let finished = DispatchGroup()
        for rank in 0..<size {
            finished.enter()
            let thread = Thread {
                let communicator = InProcessCommunicator(rank: rank, rendezvous: rendezvous)
                do {
                    outcomes.set(rank, .success(try body(communicator)))
                } catch {
                    rendezvous.depart()
                    outcomes.set(rank, .failure(error))
                }
                finished.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        finished.wait()
        return try outcomes.results()
    }

    /// Sums in rank order on every member: all post their values, each adds them up, all wait until
    /// everyone has read before the next operation may post.
    public func allreduceSum<Scalar: MatrixScalar>(_ values: inout [Scalar]) {
        values.withUnsafeMutableBufferPointer { allreduceSum(in: $0) }
    }

    /// ``allreduceSum(_:)`` on a buffer.
    func allreduceSum<Scalar: MatrixScalar>(in buffer: UnsafeMutableBufferPointer<Scalar>) {
        rendezvous.post(Array(buffer), from: rank)
        rendezvous.wait(rank)
        let all = (0..<size).map { rendezvous.posted($0, as: [Scalar].self) }
        for other in all where other.count != buffer.count {
            failCollective("allreduceSum: rank \(rank) has \(buffer.count) values but another rank \(other.count)")
        }
        for index in buffer.indices {
            var total = all[0][index]
            for member in 1..<size { total += all[member][index] }
            buffer[index] = total
        }
        rendezvous.wait(rank)
    }

    /// Starts a sum: posts a copy of the values as they are now (as MPI may read them any time
    /// before the wait, a buffer changed after the start would give a wrong sum here too), and
    /// sums them, in rank order, in ``waitForReductions()``.
    public func startAllreduceSum<Scalar: MatrixScalar>(in buffer: UnsafeMutableBufferPointer<Scalar>) {
        let sequence = startedCount
        startedCount += 1
        rendezvous.postStarted(Array(buffer), sequence: sequence, from: rank)
        started.append { [self] in
            let all = (0..<size).map { rendezvous.started(sequence, from: $0, as: [Scalar].self) }
            for other in all where other.count != buffer.count {
                failCollective(
                    "startAllreduceSum: rank \(rank) started \(buffer.count) values but another rank \(other.count)")
            }
            for index in buffer.indices {
                var total = all[0][index]
                for member in 1..<size { total += all[member][index] }
                buffer[index] = total
            }
            rendezvous.wait(rank)
            rendezvous.dropStarted(sequence, from: rank)
        }
    }

    /// Does nothing: the threads meet in ``waitForReductions()``, so a started sum is complete only
    /// then.
    @discardableResult public func progressReductions() -> Bool { started.isEmpty }

    /// Completes the started sums in the order they were started: the members meet, each adds up
    /// every member's posted copy in rank order into its buffer, and they meet again before the
    /// copies are dropped.
    public func waitForReductions() {
        for sum in started {
            rendezvous.wait(rank)
            sum()
        }
        started.removeAll(keepingCapacity: true)
    }

    /// Copies member `root`'s values to every member.
    public func broadcast<Scalar: MatrixScalar>(_ values: inout [Scalar], from root: Int) {
        if rank == root { rendezvous.post(values, from: rank) }
        rendezvous.wait(rank)
        if rank != root {
            let sent = rendezvous.posted(root, as: [Scalar].self)
            if sent.count != values.count {
                failCollective(
                    "broadcast: rank \(rank) expects \(values.count) values but rank \(root) sent \(sent.count)")
            }
            values = sent
        }
        rendezvous.wait(rank)
    }

    /// Copies member `root`'s bytes to every member.
    public func broadcast(_ bytes: inout [UInt8], from root: Int) {
        if rank == root { rendezvous.post(bytes, from: rank) }
        rendezvous.wait(rank)
        if rank != root { bytes = rendezvous.posted(root, as: [UInt8].self) }
        rendezvous.wait(rank)
    }

    /// Waits for every member.
    public func barrier() {
        rendezvous.wait(rank)
    }

    /// Prints the message and ends the process (every member with it).
    public func abort(_ message: String, code: Int32) -> Never {
        _ = writeAll("error: \(message) (rank \(rank) of \(size) aborted the job)\n", to: STDERR_FILENO)
        exit(code)
    }

    func failCollective(_ message: String) -> Never {
        fatalError("InProcessCommunicator.\(message)")
    }
}

/// The meeting point of an ``InProcessCommunicator``'s threads: a reusable barrier and one posted
/// value per member.
final class Rendezvous: @unchecked Sendable {
    let size: Int
    let condition = NSCondition()
    var arrived = 0
    var generation = 0
    var departed = 0
    var slots: [Any?]

    init(size: Int) {
        self.size = size
        slots = Array(repeating: nil, count: size)
    }

    func post(_ value: Any, from rank: Int) {
        condition.lock()
        slots[rank] = value
        condition.unlock()
    }

    /// The copies of started sums, by their number, one slot per member.
    var startedSlots: [Int: [Any?]] = [:]

    func postStarted(_ value: Any, sequence: Int, from rank: Int) {
        condition.lock()
        startedSlots[sequence, default: Array(repeating: nil, count: size)][rank] = value
        condition.unlock()
    }

    func started<Value>(_ sequence: Int, from rank: Int, as _: Value.Type) -> Value {
        condition.lock()
        defer { condition.unlock() }
        guard let value = startedSlots[sequence]?[rank] as? Value else {
            fatalError(
                "InProcessCommunicator: rank \(rank) started no sum of \(Value.self) as its sum number \(sequence + 1); the members started different sums"
            )
        }
        return value
    }

    func dropStarted(_ sequence: Int, from rank: Int) {
        condition.lock()
        startedSlots[sequence]?[rank] = nil
        if startedSlots[sequence]?.allSatisfy({ $0 == nil }) == true { startedSlots[sequence] = nil }
        condition.unlock()
    }

    func posted<Value>(_ rank: Int, as _: Value.Type) -> Value {
        condition.lock()
        defer { condition.unlock() }
        guard let value = slots[rank] as? Value else {
            fatalError(
                "InProcessCommunicator: rank \(rank) posted a \(Swift.type(of: slots[rank] as Any)) where a \(Value.self) was expected; the members called different operations"
            )
        }
        return value
    }

    /// Returns once all members have arrived; ends the process when a member has thrown instead
    /// (it will never arrive).
    func wait(_ rank: Int) {
        condition.lock()
        defer { condition.unlock() }
        let current = generation
        arrived += 1
        if arrived == size {
            arrived = 0
            generation += 1
            condition.broadcast()
            return
        }
        while generation == current {
            if departed > 0 {
                fatalError(
                    "InProcessCommunicator: rank \(rank) waits in a collective operation for a rank that has thrown; the job cannot go on"
                )
            }
            condition.wait()
        }
    }

    /// A member's body threw: waking the others lets a waiting one stop instead of hanging.
    func depart() {
        condition.lock()
        departed += 1
        condition.broadcast()
        condition.unlock()
    }
}

/// The results of ``InProcessCommunicator/run(size:_:)``'s threads, filled under a lock.
final class Outcomes<Result: Sendable>: @unchecked Sendable {
    let lock = NSLock()
    var outcomes: [Swift.Result<Result, any Error>?]

    init(count: Int) {
        outcomes = Array(repeating: nil, count: count)
    }

    func set(_ rank: Int, _ outcome: Swift.Result<Result, any Error>) {
        lock.lock()
        outcomes[rank] = outcome
        lock.unlock()
    }

    func results() throws -> [Result] {
        lock.lock()
        defer { lock.unlock() }
        return try outcomes.map { try $0!.get() }
    }
}
