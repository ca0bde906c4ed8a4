// The C interface of zlib as Debian's zlib1g-dev ships it.
// Only TensorIO's internal Zlib wrapper (Zlib.swift) includes this module (`internal import CZlibShim`). Not named CZlib: zip packages a consumer may also use (ZIPFoundation) define a clang module of that name.
#ifndef SWIFT_NEURAL_NUMERICS_CZLIBSHIM_SHIM_H
#define SWIFT_NEURAL_NUMERICS_CZLIBSHIM_SHIM_H
#include <zlib.h>
#endif
