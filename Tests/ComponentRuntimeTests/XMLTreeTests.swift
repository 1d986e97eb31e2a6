import ComponentCore
import Foundation
import Testing

@Suite struct XMLTreeTests {
    @Test func readsElementsAttributesTextAndWhereTheyStart() throws {
        let root = try XMLTree.parse(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- a comment -->
            <Response>
              <Say voice='alice' language="en-US">Tom &amp; Jerry &lt;3 &#233;&#x1F600;</Say>
              <Gather numDigits="1"><Play>https://x.example/a.mp3?a=1&amp;b=2</Play></Gather>
              <Hangup/>
            </Response>
            """)
        #expect(root.name == "Response")
        #expect(root.elements.map(\.name) == ["Say", "Gather", "Hangup"])
        let say = root.elements[0]
        #expect(say.attributes == [XMLTree.Attribute("voice", "alice"), XMLTree.Attribute("language", "en-US")])
        #expect(say.text == "Tom & Jerry <3 é😀")
        #expect((say.line, say.column) == (4, 3))
        #expect(root.elements[1].elements.first?.text == "https://x.example/a.mp3?a=1&b=2")
        #expect(root.elements[2].children.isEmpty)
    }

    @Test func readsCDATAAndNormalisesAttributeWhitespace() throws {
        let root = try XMLTree.parse("<a b=\"x\ny\tz\"><![CDATA[<not> & markup]]></a>")
        #expect(root.attribute("b") == "x y z")
        #expect(root.text == "<not> & markup")
    }

    @Test(arguments: [
        ("", "line 1, column 1: The document is empty: it needs one root element."),
        ("<a>", "line 1, column 4: The document ends inside <a>: it needs </a>."),
        ("<a></b>", "line 1, column 8: </b> closes <a> (line 1, column 1); it needs </a>."),
        ("<a x=1/>", "line 1, column 6: The value of x must be quoted."),
        ("<a x='1' x='2'/>", "line 1, column 15: <a> has the attribute x twice."),
        (
            "<a>&nbsp;</a>",
            "line 1, column 4: &nbsp; is not one of XML's entities (&lt; &gt; &amp; &quot; &apos;) or a character reference."
        ),
        ("<a>AT&T</a>", "line 1, column 6: & must start a reference such as &amp; (write a literal & as &amp;)."),
        ("<a/><b/>", "line 1, column 5: Content after the root element: a document has exactly one root element."),
        ("<!DOCTYPE a><a/>", "line 1, column 1: Declarations such as <!DOCTYPE> are not accepted."),
        ("<a>&#0;</a>", "line 1, column 4: &#0; does not name a character XML allows."),
        ("<a x='<'/>", "line 1, column 7: The value of x holds <, which must be written &lt;."),
        ("<a>]]></a>", "line 1, column 4: ]]> may not appear in text; write ]]&gt;."),
    ])
    func refusesMalformedDocumentsSayingWhere(text: String, expected: String) {
        #expect(throws: XMLTree.SyntaxError.self) { try XMLTree.parse(text) }
        do {
            _ = try XMLTree.parse(text)
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test func joinsTextSplitByCommentsAndCDATAAroundChildElements() throws {
        let pieces = String(repeating: "a<!---->b<![CDATA[&]]>", count: 20_000)
        let root = try XMLTree.parse("<r>\(pieces)<c/>x<!---->y</r>")
        #expect(root.children.count == 3)
        #expect(root.children.first == .text(String(repeating: "ab&", count: 20_000)))
        #expect(root.elements.map(\.name) == ["c"])
        #expect(root.children.last == .text("xy"))
        let attributes = (0..<20_000).map { " a\($0)='\($0)'" }.joined()
        #expect(try XMLTree.parse("<r\(attributes)/>").attributes.count == 20_000)
        #expect(throws: XMLTree.SyntaxError.self) { try XMLTree.parse("<r\(attributes) a19999='again'/>") }
    }

    @Test func refusesNestingDeeperThanTheLimitWithoutRecursing() {
        let deep = String(repeating: "<a>", count: 100_000)
        #expect(throws: XMLTree.SyntaxError.self) { try XMLTree.parse(deep) }
        let within = String(repeating: "<a>", count: XMLTree.maximumDepth) + String(repeating: "</a>", count: XMLTree.maximumDepth)
        #expect((try? XMLTree.parse(within)) != nil)
    }

    @Test func rendersEscapedAndReadsBackTheSame() throws {
        let awkward = "a < b & c > d \"q\" 'x'\n\ttab\r\u{1}end é"
        let element = XMLTree.Element(
            "Response",
            children: [
                .element(XMLTree.Element("Say", attributes: [XMLTree.Attribute("voice", awkward)], children: [.text(awkward)]))
            ])
        let text = XMLTree.render(element)
        #expect(text.hasPrefix(#"<?xml version="1.0" encoding="UTF-8"?><Response><Say voice=""#))
        let read = try XMLTree.parse(text)
        let expected = awkward.replacingOccurrences(of: "\u{1}", with: "")  // XML cannot carry U+0001
        #expect(read.elements.first?.attribute("voice") == expected)
        #expect(read.elements.first?.text == expected)
        #expect(XMLTree.render(XMLTree.Element("Hangup"), declaration: false) == "<Hangup/>")
    }
}
