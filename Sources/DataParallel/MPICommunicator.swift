#if MPI
    import Foundation
    import Tensor
    internal import CMPI
    internal import FileSystem

    /// A ``Communicator`` over MPI's world communicator: the processes `mpirun` started, on one machine
    /// or many (built only with the package's `MPI` trait: `swift build --traits MPI`).
    ///
    /// Create it once per process with ``initialize()`` (which costs about half a second, so only when
    /// distributed training is asked for), and call ``finalize()`` before the process exits normally.
    /// An MPI error ends the job (MPI's default handler); ``abort(_:code:)`` calls `MPI_Abort`.
    public final class MPICommunicator: Communicator, @unchecked Sendable {
        /// This process's rank in the world communicator.
        public let rank: Int
        /// The number of processes in the job.
        public let size: Int
        /// The number of processes of the job on this machine (Open MPI's `OMPI_COMM_WORLD_LOCAL_SIZE`,
        /// MPICH's `MPI_LOCALNRANKS`; 1 when neither is set).
        public let localSize: Int

        /// This process's index among the job's processes on this machine (0 when unknown).
        public let localRank: Int
        /// Why this machine's ranks yield their core while they wait (see ``RankWaiting``), or nil
        /// when they poll, as Open MPI's default is.
        public let yieldReason: String?

        /// The most elements one MPI call carries (counts are 32-bit); longer buffers go in pieces.
        static let largestCount = 1 << 30

        private init(rank: Int, size: Int, yieldReason: String?) {
            self.rank = rank
            self.size = size
            self.yieldReason = yieldReason
            let environment = ProcessInfo.processInfo.environment
            localSize =
                (environment["OMPI_COMM_WORLD_LOCAL_SIZE"] ?? environment["MPI_LOCALNRANKS"]).flatMap(Int.init) ?? 1
            localRank =
                (environment["OMPI_COMM_WORLD_LOCAL_RANK"] ?? environment["MPI_LOCALRANKID"]).flatMap(Int.init) ?? 0
        }

        /// Initializes MPI (once per process) and returns the world communicator.
        ///
        /// Under Open MPI, when this machine's cores are oversubscribed or busy
        /// (``RankWaiting/reasonToYield(localRanks:usableCores:onlineCores:loadAverage:environment:)``), it first sets
        /// `mpi_yield_when_idle` for this process, and ``yieldReason`` says why. It also asks Open MPI
        /// for recursive doubling in the non-blocking sums (``SumAlgorithm``) unless the user chose.
        ///
        /// - Throws: ``DistributedError/initializationFailed(_:)`` when MPI cannot start.
        public static func initialize() throws(DistributedError) -> MPICommunicator {
            let environment = ProcessInfo.processInfo.environment
            let yieldReason = RankWaiting.reasonToYield(
                localRanks: environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init) ?? 1,
                usableCores: Processor.current.usableCoreCount, onlineCores: Processor.current.logicalCoreCount,
                loadAverage: RankWaiting.loadAverage,
                environment: environment)
            if yieldReason != nil { setenv(RankWaiting.variable, "1", 1) }
            if let algorithm = SumAlgorithm.setting(environment: environment) {
                setenv(SumAlgorithm.variable, algorithm, 1)
            }
            var provided: Int32 = 0
            // Only the thread that initialized calls MPI (OpenBLAS's threads never do).
            guard MPI_Init_thread(nil, nil, cmpi_thread_funneled(), &provided) == cmpi_success() else {
                throw .initializationFailed("MPI_Init_thread failed")
            }
            var rank: Int32 = 0, size: Int32 = 0
            MPI_Comm_rank(cmpi_comm_world(), &rank)
            MPI_Comm_size(cmpi_comm_world(), &size)
            return MPICommunicator(rank: Int(rank), size: Int(size), yieldReason: yieldReason)
        }

        /// Ends this process's part in MPI; call it once, after the last collective operation.
        public func finalize() {
            MPI_Finalize()
        }

        /// `MPI_Allreduce` with `MPI_IN_PLACE` and `MPI_SUM`.
        public func allreduceSum<Scalar: MatrixScalar>(_ values: inout [Scalar]) {
            values.withUnsafeMutableBufferPointer { allreduceSum(in: $0) }
        }

        /// `MPI_Allreduce` with `MPI_IN_PLACE` and `MPI_SUM` on a buffer.
        func allreduceSum<Scalar: MatrixScalar>(in buffer: UnsafeMutableBufferPointer<Scalar>) {
            let type = Self.datatype(Scalar.self)
            var start = 0
            while start < buffer.count {
                let count = Swift.min(Self.largestCount, buffer.count - start)
                check(
                    MPI_Allreduce(
                        cmpi_in_place(), buffer.baseAddress! + start, Int32(count), type, cmpi_sum(), cmpi_comm_world()),
                    "MPI_Allreduce")
                start += count
            }
        }

        /// The requests of the sums started and not yet waited for: ``startedCount`` of them, in raw
        /// memory of `cmpi_request_size()` bytes each (a pointer in Open MPI, an integer in MPICH).
        private var requests = UnsafeMutableRawPointer.allocate(byteCount: 16 * cmpi_request_size(), alignment: 16)
        private var requestCapacity = 16
        private var startedCount = 0

        deinit {
            requests.deallocate()
        }

        /// `MPI_Iallreduce` with `MPI_IN_PLACE` and `MPI_SUM` (in pieces of at most ``largestCount``).
        public func startAllreduceSum<Scalar: MatrixScalar>(in buffer: UnsafeMutableBufferPointer<Scalar>) {
            let type = Self.datatype(Scalar.self)
            var start = 0
            while start < buffer.count {
                let count = Swift.min(Self.largestCount, buffer.count - start)
                if startedCount == requestCapacity {
                    let larger = UnsafeMutableRawPointer.allocate(
                        byteCount: 2 * requestCapacity * cmpi_request_size(), alignment: 16)
                    larger.copyMemory(from: requests, byteCount: startedCount * cmpi_request_size())
                    requests.deallocate()
                    requests = larger
                    requestCapacity *= 2
                }
                check(
                    cmpi_iallreduce_sum(buffer.baseAddress! + start, Int32(count), type, requests, Int32(startedCount)),
                    "MPI_Iallreduce")
                startedCount += 1
                start += count
            }
        }

        /// `MPI_Testall` on the started sums: Open MPI moves them on only inside MPI calls.
        @discardableResult public func progressReductions() -> Bool {
            guard startedCount > 0 else { return true }
            var complete: Int32 = 0
            check(cmpi_testall(Int32(startedCount), requests, &complete), "MPI_Testall")
            if complete != 0 { startedCount = 0 }
            return complete != 0
        }

        /// `MPI_Waitall` on the started sums.
        public func waitForReductions() {
            guard startedCount > 0 else { return }
            check(cmpi_waitall(Int32(startedCount), requests), "MPI_Waitall")
            startedCount = 0
        }

        /// `MPI_Bcast` from `root`.
        public func broadcast<Scalar: MatrixScalar>(_ values: inout [Scalar], from root: Int) {
            let type = Self.datatype(Scalar.self)
            values.withUnsafeMutableBufferPointer { buffer in
                var start = 0
                while start < buffer.count {
                    let count = Swift.min(Self.largestCount, buffer.count - start)
                    check(
                        MPI_Bcast(buffer.baseAddress! + start, Int32(count), type, Int32(root), cmpi_comm_world()),
                        "MPI_Bcast")
                    start += count
                }
            }
        }

        /// The length, then the bytes, with `MPI_Bcast` from `root`.
        public func broadcast(_ bytes: inout [UInt8], from root: Int) {
            var length = Int64(bytes.count)
            withUnsafeMutablePointer(to: &length) { pointer in
                check(
                    MPI_Bcast(pointer, Int32(MemoryLayout<Int64>.size), cmpi_byte(), Int32(root), cmpi_comm_world()),
                    "MPI_Bcast")
            }
            if rank != root { bytes = [UInt8](repeating: 0, count: Int(length)) }
            bytes.withUnsafeMutableBufferPointer { buffer in
                var start = 0
                while start < buffer.count {
                    let count = Swift.min(Self.largestCount, buffer.count - start)
                    check(
                        MPI_Bcast(
                            buffer.baseAddress! + start, Int32(count), cmpi_byte(), Int32(root), cmpi_comm_world()),
                        "MPI_Bcast")
                    start += count
                }
            }
        }

        /// `MPI_Barrier`.
        public func barrier() {
            check(MPI_Barrier(cmpi_comm_world()), "MPI_Barrier")
        }

        /// Prints the message, then `MPI_Abort`: mpirun ends every process of the job.
        public func abort(_ message: String, code: Int32) -> Never {
            _ = writeAll("error: \(message) (rank \(rank) of \(size) aborted the job)\n", to: STDERR_FILENO)
            MPI_Abort(cmpi_comm_world(), code)
            exit(code)
        }

        /// MPI's datatype for `Float` or `Double`.
        static func datatype<Scalar: MatrixScalar>(_ type: Scalar.Type) -> MPI_Datatype {
            if Scalar.self == Float.self { return cmpi_float() }
            if Scalar.self == Double.self { return cmpi_double() }
            fatalError("MPICommunicator: no MPI datatype for \(Scalar.self)")
        }

        /// Stops the job when an MPI call reports an error (with MPI's default handler it never returns one).
        func check(_ result: Int32, _ operation: String) {
            if result != cmpi_success() { abort("\(operation) failed with MPI error \(result)", code: 1) }
        }
    }
#endif
