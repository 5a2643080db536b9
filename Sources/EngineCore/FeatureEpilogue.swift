/// What happens to the channels of an output pixel before they are stored (the kernels apply it,
/// each at its own vector width).
public enum FeatureEpilogue {
    /// `leakyReLU(v + bias)`.
    case biasLeakyReLU(UnsafePointer<Float>, slope: Float)
    /// `v * leakyReLU'(a)`, the derivative read from the activation map `a` itself.
    case leakyReLUDerivative(of: FeatureMap, slope: Float)
}
