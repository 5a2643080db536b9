import Dispatch

/// Wall-clock laps for the sidecar's timing block.
struct Stopwatch {
    private let start = DispatchTime.now().uptimeNanoseconds
    private var last = DispatchTime.now().uptimeNanoseconds

    mutating func lap() -> Double {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { last = now }
        return Double(now - last) / 1e9
    }

    func total() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
}
