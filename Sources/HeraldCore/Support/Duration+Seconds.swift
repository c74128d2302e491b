/// Seconds as a Double, for Date arithmetic and logs.
extension Duration {
    public var seconds: Double {
        let (s, a) = components
        return Double(s) + Double(a) / 1e18
    }
}
