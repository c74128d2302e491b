import HeraldIRC
import Testing

@Suite struct IRCCaseMappingTests {
    @Test(arguments: [
        (IRCCaseMapping.rfc1459, "#Harbour-Project", "#harbour-project"),
        (.rfc1459, "Nick[Away]\\~", "nick{away}|^"),
        (.strictRFC1459, "Nick[Away]\\~", "nick{away}|~"),
        (.ascii, "Nick[Away]\\~", "nick[away]\\~"),
        (.ascii, "#ÄPFEL", "#Äpfel"),  // only A to Z fold, as servers do
    ])
    func foldsTheWayTheServerCompares(mapping: IRCCaseMapping, name: String, folded: String) {
        #expect(mapping.fold(name) == folded)
    }

    @Test func theAnnouncedMappingIsReadFromISupport() {
        #expect(IRCCaseMapping.announced(in: ["herald", "CHANTYPES=#&", "CASEMAPPING=ascii", "are supported"]) == .ascii)
        #expect(IRCCaseMapping.announced(in: ["herald", "NICKLEN=30"]) == nil)
        #expect(IRCCaseMapping.announced(in: ["herald", "CASEMAPPING=rfc7613"]) == nil, "an unknown one keeps the default")
    }
}
