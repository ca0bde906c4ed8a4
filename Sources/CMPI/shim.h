// The MPI interface the DataParallel module uses (Open MPI or MPICH, found through `pkg-config mpi`).
// MPI_COMM_WORLD, MPI_FLOAT, MPI_DOUBLE, MPI_BYTE, MPI_SUM and MPI_IN_PLACE are macros over incomplete
// C structs (Open MPI) or integer casts (MPICH), which Swift cannot import; the inline functions below
// return them. Only DataParallel's MPICommunicator.swift imports this module, and only with the MPI trait.
#ifndef SWIFT_NEURAL_NUMERICS_CMPI_SHIM_H
#define SWIFT_NEURAL_NUMERICS_CMPI_SHIM_H
#include <mpi.h>

static inline MPI_Comm cmpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype cmpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype cmpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype cmpi_byte(void) { return MPI_BYTE; }
static inline MPI_Op cmpi_sum(void) { return MPI_SUM; }
static inline void *cmpi_in_place(void) { return MPI_IN_PLACE; }
static inline int cmpi_success(void) { return MPI_SUCCESS; }
static inline int cmpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }

// Non-blocking in-place sums over the world communicator. MPI_Request is a pointer (Open MPI) or an
// integer (MPICH), so Swift keeps the requests as raw memory of cmpi_request_size() bytes each.
static inline size_t cmpi_request_size(void) { return sizeof(MPI_Request); }
static inline int cmpi_iallreduce_sum(void *buffer, int count, MPI_Datatype type, void *requests, int index) {
    return MPI_Iallreduce(MPI_IN_PLACE, buffer, count, type, MPI_SUM, MPI_COMM_WORLD, (MPI_Request *)requests + index);
}
static inline int cmpi_testall(int count, void *requests, int *flag) {
    return MPI_Testall(count, (MPI_Request *)requests, flag, MPI_STATUSES_IGNORE);
}
static inline int cmpi_waitall(int count, void *requests) {
    return MPI_Waitall(count, (MPI_Request *)requests, MPI_STATUSES_IGNORE);
}

#endif
