import Testing

@testable import HeraldCore

@Suite struct LibraryTitleTests {
    @Test(arguments: [
        ("Subject: Harbour minutes\n\nPlease file the attached.", "Harbour minutes"),
        ("\n\n  the quarterly numbers  \nmore", "the quarterly numbers"),
        ("SUBJECT:Re: tiles", "Re: tiles"),
        (String(repeating: "x", count: 200), String(repeating: "x", count: 119) + "…"),
    ])
    func aTitleIsOneLineWithoutTheSubjectLabel(caption: String, title: String) {
        #expect(Librarian.title(fromCaption: caption) == title)
    }
}
