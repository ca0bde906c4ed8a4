import Tensor

/// The processes of one distributed job and the collective operations between them, as MPI defines
/// them: every member calls each operation, in the same order, with as many values.
///
/// ``MPICommunicator`` (built with the package's `MPI` trait) runs the members as processes, on one
/// machine or many; ``InProcessCommunicator`` runs them as threads of one process, which is how the
/// default `swift test` checks data-parallel training without MPI. ``GradientReducer`` plugs a
/// communicator into `fit`.
public protocol Communicator: AnyObject, Sendable {
    /// This member's index, from 0 to ``size`` − 1.
    var rank: Int { get }
    /// The number of members.
    var size: Int { get }
    /// Replaces `values` on every member by their elementwise sum over all members, in place. Every
    /// member receives the same bits.
    ///
    /// - Precondition: every member passes as many values.
    func allreduceSum<Scalar: MatrixScalar>(_ values: inout [Scalar])
    /// Starts replacing `buffer` on every member by the elementwise sum over all members, in place,
    /// and returns without waiting (`MPI_Iallreduce`): the sum is in `buffer` once
    /// ``waitForReductions()`` returns, and until then `buffer` must be neither read nor written.
    /// Every member receives the same bits, and the bits depend only on the values and the sums
    /// started, not on when the member waits or what it does meanwhile. (``InProcessCommunicator``
    /// adds in rank order, as its ``allreduceSum(_:)`` does; with MPI, the order is the library's,
    /// and with 2 members either order gives the same bits.)
    ///
    /// - Precondition: every member starts as many sums, of the same lengths, in the same order.
    func startAllreduceSum<Scalar: MatrixScalar>(in buffer: UnsafeMutableBufferPointer<Scalar>)
    /// Lets the started sums advance without waiting for them (MPI moves a non-blocking operation on
    /// only inside MPI calls): what a member calls between pieces of other work. Returns whether
    /// every started sum is complete (they still count as started until ``waitForReductions()``).
    @discardableResult func progressReductions() -> Bool
    /// Returns once every sum started with ``startAllreduceSum(in:)`` is complete in its buffer.
    func waitForReductions()
    /// Replaces `values` on every member by those of member `root`.
    ///
    /// - Precondition: every member passes as many values.
    func broadcast<Scalar: MatrixScalar>(_ values: inout [Scalar], from root: Int)
    /// Replaces `bytes` on every member by those of member `root`, whatever their length elsewhere
    /// (a file that only `root` reads, say).
    func broadcast(_ bytes: inout [UInt8], from root: Int)
    /// Returns once every member has called it.
    func barrier()
    /// Ends the whole job, on every member, after printing `message` to standard error: what a member
    /// that cannot go on does, so that the others do not wait for it forever.
    func abort(_ message: String, code: Int32) -> Never
}

extension Communicator {
    /// Whether this is member 0, the one that prints progress and writes files.
    public var isPrimary: Bool { rank == 0 }

    /// Sums `buffer` at once with ``allreduceSum(_:)``: the default for a communicator that cannot
    /// overlap its sums with other work.
    public func startAllreduceSum<Scalar: MatrixScalar>(in buffer: UnsafeMutableBufferPointer<Scalar>) {
        var values = Array(buffer)
        allreduceSum(&values)
        for index in buffer.indices { buffer[index] = values[index] }
    }

    /// Does nothing: the default's sums are complete when they start.
    @discardableResult public func progressReductions() -> Bool { true }

    /// Does nothing: the default's sums are complete when they start.
    public func waitForReductions() {}
}
