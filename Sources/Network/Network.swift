// Placeholder until the layer stack lands: keeps the target buildable.
import Tensor
