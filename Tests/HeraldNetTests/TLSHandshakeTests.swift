import Foundation
import HeraldNet
import HeraldPeers
import Testing

/// A handshake cut short is a passing fault (retry), not a certificate problem.
@Suite struct TLSHandshakeTests {
    @Test func aServerThatHangsUpDuringTheHandshakeIsATransportFailure() async throws {
        let peer = try HangUpPeer()
        defer { peer.stop() }
        do {
            _ = try await LineConnection(LineConnection.Options(host: "127.0.0.1", port: peer.port, tls: true))
            Issue.record("connected to a server that hangs up")
        } catch let e as HTTPError {
            #expect(e.code != .tls, "\(e)")
            #expect(e.isTransient, "\(e)")
        }
    }
}
