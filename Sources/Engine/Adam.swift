#if canImport(Glibc)
import Glibc
#endif

/// Adam (Kingma & Ba), written as PyTorch's `torch.optim.Adam` computes it (no weight decay,
/// no amsgrad), so that one step matches the reference to float32 rounding.
public final class Adam {
    public var learningRate: Double
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    public private(set) var stepCount = 0
    private var m: [Float]
    private var v: [Float]

    public init(parameterCount: Int, learningRate: Double = 1e-3, beta1: Double = 0.9,
                beta2: Double = 0.999, epsilon: Double = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        m = [Float](repeating: 0, count: parameterCount)
        v = [Float](repeating: 0, count: parameterCount)
    }

    /// The bytes of the moment estimates, two floats per parameter.
    public static func byteCount(parameterCount: Int) -> Int { 2 * parameterCount * MemoryLayout<Float>.size }

    /// params -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps).
    public func step(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>) {
        stepCount += 1
        let t = Double(stepCount)
        let stepSize = Float(learningRate / (1 - pow(beta1, t)))
        let correction2 = Float((1 - pow(beta2, t)).squareRoot())
        let b1 = Float(1 - beta1), b2 = Float(beta2), c2 = Float(1 - beta2), eps = Float(epsilon)
        m.withUnsafeMutableBufferPointer { m in
            v.withUnsafeMutableBufferPointer { v in
                for i in 0..<m.count {
                    let g = gradients[i]
                    m[i] += (g - m[i]) * b1
                    v[i] = v[i] * b2 + c2 * g * g
                    let denominator = v[i].squareRoot() / correction2 + eps
                    parameters[i] -= stepSize * (m[i] / denominator)
                }
            }
        }
    }
}
