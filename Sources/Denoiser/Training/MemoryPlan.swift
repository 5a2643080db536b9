import Engine

/// Every buffer the engine allocates to train on, or to denoise, an image of one size, each
/// computed from the shapes by the same functions the allocations use, so that the plan is what is
/// allocated (a test holds the two together). Whole-image training is refused from it before
/// anything is allocated, and `zsn2n bench --json` reports it.
public struct MemoryPlan: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        public var name: String
        public var bytes: Int
        public init(name: String, bytes: Int) {
            self.name = name
            self.bytes = bytes
        }
    }

    public var items: [Item]
    public init(items: [Item]) { self.items = items }
    public var totalBytes: Int { items.reduce(0) { $0 + $1.bytes } }

    /// ZS-N2N's training on `height` x `width` pixels per sample (the whole image, or one crop),
    /// `batch` samples per iteration. A batch of two or more adds its lanes' copies of f, and
    /// each lane its own passes (`ZSN2NObjective`).
    public static func training(channels: Int, height: Int, width: Int, sampler: Sampler, batch: Int,
                                threads: Int) -> MemoryPlan {
        let lanes = ZSN2NObjective.bytes(channels: channels, sampler: sampler, crop: (height, width), batch: batch,
                                         threads: threads)
        return MemoryPlan(items: [
            Item(name: "parameters and gradients", bytes: Network.parameterBytes(channels: channels)),
            Item(name: "optimiser state", bytes: Adam.byteCount(parameterCount: ParameterLayout(channels: channels).count)),
            Item(name: "layers", bytes: Network.layerBytes(channels: channels, threads: threads)),
            Item(name: "full-size pass", bytes: lanes.fullSize),
            Item(name: "half-size passes", bytes: lanes.halfSize),
        ] + (batch > 1 ? [Item(name: "sample lanes", bytes: lanes.lanes)] : []))
    }

    /// Denoising a `height` x `width` image in place, tile by tile (`ZSN2NInference`), beside the
    /// network's own buffers.
    public static func inference(channels: Int, height: Int, width: Int, tile: Int = ZSN2NInference.defaultTile) -> MemoryPlan {
        let (tileHeight, tileWidth) = ZSN2NInference.largestRegion(height: height, width: width, tile: tile)
        return MemoryPlan(items: [
            Item(name: "tile workspace", bytes: Workspace.byteCount(channels: channels, height: tileHeight, width: tileWidth,
                                                                    training: false)),
            Item(name: "output band", bytes: ZSN2NInference.bandBytes(channels: channels, height: height, width: width, tile: tile)),
        ])
    }
}
