import Denoiser
import Engine
import Imaging

/// One picture of a run, five panels left to right: noisy | D1(noisy) | D2(noisy) | clean | denoised.
///
/// D1 and D2 are the sampler's two half images, scaled back up to the full size by nearest neighbour
/// (each output pixel shows the half-image pixel under it; a 3-stride sampler's 42 rows of a
/// 128-row image fill all 128), so every panel has the image's size and they line up. For a random
/// sampler they show the run's first draw, the one its first training step used. Panels are
/// separated by `gap` white columns; values outside [0, 1] (Poisson noise, a negative-weight kernel)
/// are clamped for display.
public enum Montage {
    public static let gap = 2
    public static let panels = 5

    /// The montage's width for images `width` wide.
    public static func width(forImageWidth width: Int) -> Int { panels * width + (panels - 1) * gap }

    public static func make(noisy: Image, clean: Image, denoised: Image, sampler: Sampler, seed: UInt64) -> Image {
        let (d1, d2) = halves(of: noisy, sampler: sampler, seed: seed)
        let w = clean.width, h = clean.height, c = clean.channels
        let panelImages = [noisy, d1, d2, clean, denoised]
        var out = Image(width: width(forImageWidth: w), height: h, channels: c,
                        pixels: [Float](repeating: 1, count: c * h * width(forImageWidth: w)))
        for (p, panel) in panelImages.enumerated() {
            let left = p * (w + gap)
            for ch in 0..<c {
                for y in 0..<h {
                    let sy = y * panel.height / h
                    for x in 0..<w {
                        let sx = x * panel.width / w
                        out[ch, y, left + x] = min(max(panel[ch, sy, sx], 0), 1)
                    }
                }
            }
        }
        return out
    }

    /// D1(image), D2(image) at their own (smaller) size.
    static func halves(of image: Image, sampler: Sampler, seed: UInt64) -> (Image, Image) {
        let pass = SamplerPass(sampler: sampler, channels: image.channels, height: image.height, width: image.width)
        let input = Tensor(channels: image.channels, height: image.height, width: image.width, pad: 1)
        input.load(image.pixels)
        let first = Tensor(channels: image.channels, height: pass.outHeight, width: pass.outWidth)
        let second = Tensor(channels: image.channels, height: pass.outHeight, width: pass.outWidth)
        var draws = RandomPoolDraws(rng: Random(seed: seed, stream: RandomStream.sampler))
        pass.apply(input, first: first, second: second, draws: &draws)
        func picture(_ t: Tensor) -> Image {
            Image(width: t.width, height: t.height, channels: t.channels, pixels: t.toArray())
        }
        return (picture(first), picture(second))
    }
}
