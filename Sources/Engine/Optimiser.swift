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
    private let buffers: FloatBuffers
    /// The moment estimates, one float each per parameter.
    private let m: UnsafeMutablePointer<Float>
    private let v: UnsafeMutablePointer<Float>
    private let parameterCount: Int

    public init(parameterCount: Int, learningRate: Double = 1e-3, beta1: Double = 0.9,
                beta2: Double = 0.999, epsilon: Double = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.parameterCount = parameterCount
        buffers = FloatBuffers(Adam.memory(parameterCount: parameterCount))
        m = buffers["first moments"]
        v = buffers["second moments"]
    }

    /// What the optimiser allocates: the two moment estimates of every parameter.
    public static func memory(parameterCount: Int) -> MemoryPlan {
        MemoryPlan(floats: ["first moments": parameterCount, "second moments": parameterCount])
    }

    /// params -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps).
    public func step(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>) {
        stepCount += 1
        let t = Double(stepCount)
        let stepSize = Float(learningRate / (1 - pow(beta1, t)))
        let correction2 = Float((1 - pow(beta2, t)).squareRoot())
        let b1 = Float(1 - beta1), b2 = Float(beta2), c2 = Float(1 - beta2), eps = Float(epsilon)
        for i in 0..<parameterCount {
            let g = gradients[i]
            m[i] += (g - m[i]) * b1
            v[i] = v[i] * b2 + c2 * g * g
            let denominator = v[i].squareRoot() / correction2 + eps
            parameters[i] -= stepSize * (m[i] / denominator)
        }
    }
}

/// StepLR: the learning rate times `gamma` every `stepSize` iterations.
public struct StepLR: Sendable, Equatable {
    public var baseRate: Double
    public var stepSize: Int
    public var gamma: Double

    public init(baseRate: Double, stepSize: Int, gamma: Double) {
        precondition(stepSize > 0)
        self.baseRate = baseRate
        self.stepSize = stepSize
        self.gamma = gamma
    }

    /// The rate for 0-based iteration `iteration` (PyTorch: scheduler stepped after each iteration).
    public func rate(at iteration: Int) -> Double {
        baseRate * pow(gamma, Double(iteration / stepSize))
    }
}
