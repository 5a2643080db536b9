import Denoiser
import Dispatch
import Engine
import Imaging

/// Where one run stands, after every training iteration.
public struct RunProgress: Sendable {
    public var key: RunKey
    public var iteration: Int
    public var iterations: Int
}
