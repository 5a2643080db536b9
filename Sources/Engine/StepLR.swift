#if canImport(Glibc)
import Glibc
#endif

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
