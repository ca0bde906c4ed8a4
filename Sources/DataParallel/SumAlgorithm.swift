/// The algorithm of the non-blocking sums (`MPI_Iallreduce`) that carry the gradient buckets, under
/// Open MPI: recursive doubling, which ``MPICommunicator/initialize()`` asks for unless the user chose.
///
/// Open MPI 4.1 makes its non-blocking collectives in the `libnbc` component, which, for a sum in
/// place (`MPI_IN_PLACE`, as the buckets are) or on fewer than 4 ranks, takes a binomial tree: the
/// ranks' buffers are added up towards rank 0, then sent back down from it. With 2 ranks that is
/// rank 1 sending its whole buffer, rank 0 adding, then rank 0 sending the sum back: two transfers,
/// one after the other. Recursive doubling exchanges the buffers between pairs of ranks at once,
/// in both directions of the link, and every rank adds in the same rank order (the algorithm keeps
/// the order of the operands), so every rank still gets the same bits: one transfer on 2 ranks,
/// log₂ of the ranks in all. On the two simulated hosts at 10 Gbit/s, the 941 KB buffer of the
/// 784-256-128-10 network took 1,071 µs along the binomial tree and 749 µs by recursive doubling
/// (median of 200; see BENCHMARKS.md, "Where the two-host step's time goes"). On many ranks a ring
/// or Rabenseifner's algorithm moves fewer bytes (`--mca coll_libnbc_iallreduce_algorithm 1` or
/// `3`); a value the user gives is kept.
public enum SumAlgorithm {
    /// The environment variable through which Open MPI's `coll_libnbc_iallreduce_algorithm` reaches
    /// `MPI_Init`.
    public static let variable = "OMPI_MCA_coll_libnbc_iallreduce_algorithm"

    /// libnbc's number for recursive doubling (0 lets libnbc choose, 1 ring, 2 binomial tree, 3
    /// Rabenseifner).
    public static let recursiveDoubling = "4"

    /// The value to give ``variable`` before `MPI_Init`, or nil to leave it: nil outside an Open MPI
    /// job (no `OMPI_COMM_WORLD_SIZE`) and when the user set it.
    public static func setting(environment: [String: String]) -> String? {
        guard environment["OMPI_COMM_WORLD_SIZE"] != nil, environment[variable] == nil else { return nil }
        return recursiveDoubling
    }
}
