import Foundation

/// How the ranks of an Open MPI job on one machine wait in a collective operation: polling (Open
/// MPI's default, the fastest on cores of their own) or giving up their core while they wait
/// (`mpi_yield_when_idle`), which ``MPICommunicator/initialize()`` turns on when this machine's
/// cores are oversubscribed or busy.
///
/// A polling rank spins until the other ranks' data arrives. When cores are shared (more ranks
/// than usable cores, or other work running), each message then waits for a scheduler time slice:
/// one 941 KB allreduce between two ranks sharing one core of a loaded 2-core machine took 24 ms
/// polling and 0.8 ms yielding. Open MPI reads `mpi_yield_when_idle` in `MPI_Init`, from the
/// process's environment, so ``MPICommunicator/initialize()`` sets ``variable`` just before it. A
/// value the user set (`mpirun --mca mpi_yield_when_idle 0`, or the variable) is kept.
public enum RankWaiting {
    /// The environment variable through which Open MPI's `mpi_yield_when_idle` reaches `MPI_Init`.
    public static let variable = "OMPI_MCA_mpi_yield_when_idle"

    /// How far, in cores, the load average may exceed the cores the job's ranks leave free before
    /// the machine counts as busy.
    public static let busyMargin = 0.5

    /// Why the ranks on this machine should yield while waiting, as a phrase for the user, or nil
    /// to leave Open MPI's polling: when the cores are not oversubscribed or busy, when the user
    /// set ``variable``, and outside an Open MPI job (no `OMPI_COMM_WORLD_SIZE`).
    ///
    /// The job's cores on this machine are this process's usable cores, or, when Open MPI bound
    /// each rank to cores of its own (`OMPI_MCA_orte_bound_at_launch=1`, which it does only when
    /// they are not oversubscribed), the machine's online cores. Oversubscribed: more ranks of the
    /// job on this machine than those cores. Busy: a 1-minute load average above those cores less
    /// the job's ranks here, plus ``busyMargin``.
    ///
    /// - Parameters:
    ///   - localRanks: the job's ranks on this machine.
    ///   - usableCores: the cores this process may run on (`sched_getaffinity`).
    ///   - onlineCores: the machine's online cores.
    ///   - loadAverage: the machine's 1-minute load average, nil when unknown.
    ///   - environment: the process's environment.
    public static func reasonToYield(
        localRanks: Int, usableCores: Int, onlineCores: Int, loadAverage: Double?, environment: [String: String]
    ) -> String? {
        guard environment["OMPI_COMM_WORLD_SIZE"] != nil, environment[variable] == nil else { return nil }
        let bound = environment["OMPI_MCA_orte_bound_at_launch"] == "1"
        let jobCores = bound ? max(onlineCores, usableCores) : usableCores
        let ranks = "\(localRanks) rank\(localRanks == 1 ? "" : "s") of this job"
        let cores = "\(jobCores) usable core\(jobCores == 1 ? "" : "s")"
        if !bound && localRanks > jobCores { return "\(ranks) on this machine's \(cores)" }
        if let loadAverage, loadAverage > Double(jobCores - localRanks) + busyMargin {
            let load = (loadAverage * 100).rounded() / 100
            return "this machine is busy (load average \(load) on \(cores), \(ranks) here)"
        }
        return nil
    }

    /// This process's 1-minute load average (`getloadavg`), nil when unknown.
    static var loadAverage: Double? {
        var loads = [0.0, 0.0, 0.0]
        return getloadavg(&loads, 1) == 1 ? loads[0] : nil
    }
}
