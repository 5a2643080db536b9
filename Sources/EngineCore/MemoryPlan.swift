/// The buffers something allocates, named, with their bytes: stated once by each owner in a static
/// `memory(...)`, from which both its allocation and its byte count read (llm.c's table of sizes,
/// then one allocation), and composed upwards (a workspace of tensors and maps, a lane of a
/// network and a workspace, a method's training of all of them). The training plan is checked
/// against the memory budget before anything is allocated; `zsn2n bench --json` reports it; the
/// memory tests hold plan and heap together for both methods, training and inference.
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
    public init(items: [Item] = []) { self.items = items }

    /// One buffer.
    public init(_ name: String, bytes: Int) { items = [Item(name: name, bytes: bytes)] }

    /// Buffers of floats, each rounded up to whole 64-byte lines as `FloatBuffers` lays them out.
    public init(floats: KeyValuePairs<String, Int>) {
        items = floats.map { Item(name: $0.key, bytes: FloatBuffers.stride(floats: $0.value) * MemoryLayout<Float>.size) }
    }

    public var totalBytes: Int { items.reduce(0) { $0 + $1.bytes } }

    /// Both plans' buffers.
    public static func + (a: MemoryPlan, b: MemoryPlan) -> MemoryPlan { MemoryPlan(items: a.items + b.items) }

    /// `count` of this plan's buffers, side by side (one per lane, one per worker).
    public static func * (count: Int, plan: MemoryPlan) -> MemoryPlan {
        MemoryPlan(items: plan.items.map { Item(name: $0.name, bytes: count * $0.bytes) })
    }

    /// This plan as one buffer named `name` (the parts of a composite, seen from its owner).
    public func named(_ name: String) -> MemoryPlan { MemoryPlan(name, bytes: totalBytes) }

    /// The larger of two plans: what is held at the peak of work that holds one, then the other.
    public static func peak(_ a: MemoryPlan, _ b: MemoryPlan) -> MemoryPlan { a.totalBytes >= b.totalBytes ? a : b }
}

/// One allocation of the float buffers of a plan (as `MemoryPlan(floats:)` states them), zeroed,
/// each starting on a 64-byte line, handed out by name: the owner's allocation reads the same
/// statement as its plan.
public final class FloatBuffers: @unchecked Sendable {
    private let base: UnsafeMutablePointer<Float>
    private let offsets: [String: Int]

    public init(_ plan: MemoryPlan) {
        var offsets: [String: Int] = [:], next = 0
        for item in plan.items {
            precondition(offsets[item.name] == nil && item.bytes % 64 == 0, "buffers named once, in whole lines")
            offsets[item.name] = next
            next += item.bytes / MemoryLayout<Float>.size
        }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(next, 1) * MemoryLayout<Float>.size, alignment: 64)
        base = raw.initializeMemory(as: Float.self, repeating: 0, count: max(next, 1))
        self.offsets = offsets
    }

    deinit { base.deallocate() }

    public subscript(_ name: String) -> UnsafeMutablePointer<Float> {
        guard let offset = offsets[name] else { preconditionFailure("no buffer '\(name)' in the plan") }
        return base + offset
    }

    /// Floats a buffer of `floats` takes, rounded up to whole 64-byte lines.
    public static func stride(floats: Int) -> Int { (floats + 15) / 16 * 16 }
}
