import CPlatform

/// What the C heap holds for the program, for measuring what a piece of code allocates (the
/// difference before and after): what `zsn2n bench` sets beside the engine's memory plan.
public enum HeapUsage {
    public static var bytesInUse: Int { Int(zsn2n_heap_bytes_in_use()) }
}
