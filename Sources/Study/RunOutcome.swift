import Denoiser
import Dispatch
import Engine
import Imaging

/// One run, done: its record and the images its files are drawn from.
public struct RunOutcome {
    public var record: RunRecord
    /// The noisy image the network trained on (Poisson samples may exceed 1).
    public var noisy: Image
    public var denoised: Image
}
