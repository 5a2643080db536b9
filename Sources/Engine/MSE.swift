/// Mean squared error over the interiors of two same-shaped tensors, summed in double precision.
public func meanSquaredError(_ a: Tensor, _ b: Tensor) -> Double {
    precondition(a.hasSameShape(as: b))
    var sum = 0.0
    for c in 0..<a.channels {
        for y in 0..<a.height {
            let pa = a.pointer(c, y, 0), pb = b.pointer(c, y, 0)
            var row: Float = 0
            for x in 0..<a.width {
                let d = pa[x] - pb[x]
                row += d * d
            }
            sum += Double(row)
        }
    }
    return sum / Double(a.channels * a.height * a.width)
}
