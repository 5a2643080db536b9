/// Where training stands, reported after every iteration: the one progress value that the
/// pipeline, the CLI's bar, the daemon's STATUS= and the study all read.
public struct TrainingProgress: Sendable, Equatable {
    /// Iterations done (1 after the first).
    public var iteration: Int
    public var total: Int
    /// The loss of the iteration just done.
    public var loss: Double

    public init(iteration: Int, total: Int, loss: Double) {
        self.iteration = iteration
        self.total = total
        self.loss = loss
    }

    public var fraction: Double { total == 0 ? 1 : Double(iteration) / Double(total) }
}
