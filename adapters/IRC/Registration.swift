import Foundation

/// The registration handshake as an explicit state machine: capability negotiation
/// (`CAP LS 302`), SASL PLAIN, NICK/USER, nick-in-use fallbacks, until 001. Pure: messages in,
/// lines to send out.
struct Registration {
    private enum State {
        case listingCaps
        case requestingCaps
        case authenticating
        case awaitingWelcome
        case registered
    }

    struct Outcome {
        var send: [String] = []
        /// Set once the server welcomed us, with the nick we got.
        var registeredAs: String?
    }

    /// Capabilities we use when offered.
    static let wanted: Set<String> = ["sasl", "server-time", "message-tags", "account-tag", "echo-message", "multi-prefix"]

    let config: IRCConfig
    let password: String?
    private var state = State.listingCaps
    private var offered: Set<String> = []
    private var nickAttempt = 0
    private(set) var nick: String
    /// The services account SASL logged us in as.
    private(set) var account: String?

    init(config: IRCConfig, password: String?) {
        self.config = config
        self.password = password
        nick = config.nick
    }

    mutating func start() -> [String] {
        ["CAP LS 302", "NICK \(nick)", "USER \(IRCText.clean(config.username)) 0 * :\(IRCText.clean(config.realname))"]
    }

    mutating func handle(_ m: IRCMessage) throws -> Outcome {
        var out = Outcome()
        switch m.command {
        case "CAP":
            let sub = m.params.count > 1 ? m.params[1].uppercased() : ""
            let list = m.params.last ?? ""
            switch sub {
            case "LS":
                for cap in list.split(separator: " ") { offered.insert(String(cap.prefix { $0 != "=" })) }
                // "CAP * LS * :..." means more lines follow.
                guard m.params.count < 4 || m.params[2] != "*" else { return out }
                if config.saslRequired && !offered.contains("sasl") {
                    throw IRCError("the server offers no SASL and sasl_required is set", fatal: true)
                }
                let request = offered.intersection(Self.wanted).subtracting(config.saslUser == nil ? ["sasl"] : [])
                if request.isEmpty {
                    out.send.append(try endCaps())
                } else {
                    state = .requestingCaps
                    out.send.append("CAP REQ :\(request.sorted().joined(separator: " "))")
                }
            case "ACK":
                let acked = Set(list.split(separator: " ").map(String.init))
                if acked.contains("sasl"), config.saslUser != nil {
                    state = .authenticating
                    out.send.append("AUTHENTICATE PLAIN")
                } else {
                    out.send.append(try endCaps())
                }
            case "NAK":
                out.send.append(try endCaps())
            default:
                break
            }
        case "AUTHENTICATE" where m.params.first == "+":
            let user = config.saslUser ?? ""
            let token = Data("\(user)\0\(user)\0\(password ?? "")".utf8).base64EncodedString()
            // Payloads over 400 bytes go in 400-byte pieces; an exact multiple ends with "+".
            var rest = Substring(token)
            while !rest.isEmpty {
                out.send.append("AUTHENTICATE \(rest.prefix(400))")
                rest = rest.dropFirst(400)
            }
            if token.count % 400 == 0 { out.send.append("AUTHENTICATE +") }
        case "900":
            account = m.params.count > 2 ? m.params[2] : nil
        case "903":
            out.send.append("CAP END")
            state = .awaitingWelcome
        case "902", "904", "905", "906", "908":
            if config.saslRequired {
                throw IRCError("SASL authentication failed (\(m.command): \(m.params.last ?? "")); sasl_required is set", fatal: true)
            }
            out.send.append("CAP END")
            state = .awaitingWelcome
        case "001":
            nick = m.params.first ?? nick
            state = .registered
            out.registeredAs = nick
        case let code where ["432", "433", "436", "437"].contains(code) && state != .registered:
            // Nick taken or refused: try nick_, nick__, then nick plus a number.
            nickAttempt += 1
            nick = nickAttempt <= 2 ? config.nick + String(repeating: "_", count: nickAttempt) : "\(config.nick)\(Int.random(in: 100...999))"
            out.send.append("NICK \(nick)")
        default:
            break
        }
        return out
    }

    private mutating func endCaps() throws -> String {
        if config.saslRequired && !offered.contains("sasl") {
            throw IRCError("the server offers no SASL and sasl_required is set", fatal: true)
        }
        state = .awaitingWelcome
        return "CAP END"
    }
}
