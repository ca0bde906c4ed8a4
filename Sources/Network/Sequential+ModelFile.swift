import Tensor

extension Sequential {
    /// Reads a model file (either version, either precision) and builds its network in `Scalar`
    /// precision, with the file's loss as ``trainingLoss``:
    /// `let network = try Sequential<Double>.load(from: "model.nn")`.
    ///
    /// A version 2 file's weights are read straight into the parameters (see
    /// ``ModelFile/readNetwork(from:as:)``, which also returns the file's other fields: class names,
    /// input transform, metadata).
    ///
    /// - Throws: ``NetworkError/invalidModelFile(path:reason:)`` naming what is wrong, including a
    ///   weight that is not finite in `Scalar`'s precision; ``NetworkError/cannotAllocate(what:bytes:)``
    ///   when the parameters' memory cannot be allocated.
    public static func load(from path: String) throws(NetworkError) -> Sequential<Scalar> {
        let (file, network) = try ModelFile.readNetwork(from: path, as: Scalar.self)
        network.trainingLoss = file.loss
        return network
    }

    /// Saves the network to `path` as ``save(to:loss:classNames:inputTransform:featureNames:metadata:)``
    /// does, with the loss it was trained with (``trainingLoss``, which `fit` and ``load(from:)`` set).
    ///
    /// - Throws: ``NetworkError/invalidConfiguration(_:)`` when the network has no ``trainingLoss``
    ///   (never trained nor loaded: pass the loss to ``save(to:loss:classNames:inputTransform:featureNames:metadata:)``),
    ///   and what that method throws.
    public func save(
        to path: String, classNames: [String]? = nil, inputTransform: ModelFile.InputTransform? = nil,
        featureNames: [String]? = nil, metadata: [String: String] = [:]
    ) throws(NetworkError) {
        guard let trainingLoss else {
            throw .invalidConfiguration(
                "save(to:): the network has not been trained or loaded, so its loss is unknown; pass it with save(to:loss:)"
            )
        }
        try save(
            to: path, loss: trainingLoss, classNames: classNames, inputTransform: inputTransform,
            featureNames: featureNames, metadata: metadata)
    }
}
