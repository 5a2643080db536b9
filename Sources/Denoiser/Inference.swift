import Engine

/// F(y) = clamp(y - f(y), 0, 1): the denoised image from a trained network.
public enum Inference {
    /// Denoises the planar image `y` (channels x height x width) with `network`.
    public static func denoise(_ y: [Float], channels: Int, height: Int, width: Int, network: Network) -> [Float] {
        let ws = Workspace(channels: channels, height: height, width: width)
        ws.input.load(y)
        return denoise(workspace: ws, network: network)
    }

    /// Denoises what is loaded in `workspace.input`.
    public static func denoise(workspace ws: Workspace, network: Network) -> [Float] {
        network.forward(ws)
        var out = [Float](repeating: 0, count: ws.channels * ws.height * ws.width)
        var i = 0
        for c in 0..<ws.channels {
            for y in 0..<ws.height {
                let a = ws.input.pointer(c, y, 0), f = ws.output.pointer(c, y, 0)
                for x in 0..<ws.width {
                    out[i] = min(max(a[x] - f[x], 0), 1)
                    i += 1
                }
            }
        }
        return out
    }
}
