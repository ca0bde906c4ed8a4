import RealModule

/// The element types a ``Matrix`` can hold: `Float` and `Double`.
///
/// Every algorithm in this package is written once, generic over `MatrixScalar`; the BLAS and
/// LAPACK routines are chosen by precision through the underscored `_BLASScalar` and `_LAPACKScalar`
/// protocols (implementation details: `s` routines for `Float`, `d` routines for `Double`).
/// `Real` (from swift-numerics) supplies `exp`, `log`, `tanh` and the other elementary functions
/// generically.
///
/// Only `Float` and `Double` conform; conforming another type is not supported.
public protocol MatrixScalar: _BLASScalar, _LAPACKScalar, Real, BinaryFloatingPoint, SIMDScalar, Codable,
    Sendable, LosslessStringConvertible, CustomStringConvertible
where Self.RawSignificand: FixedWidthInteger, Self.RawExponent: FixedWidthInteger {}

extension Float: MatrixScalar {}
extension Double: MatrixScalar {}
