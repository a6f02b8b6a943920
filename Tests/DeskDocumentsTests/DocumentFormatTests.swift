import DeskDocuments
import Testing

@Test(arguments: [
    ("self-assessment.yaml", DocumentFormat.yaml as DocumentFormat?),
    ("A.YML", .yaml),
    ("x.json", .json),
    ("自己診断チェックリスト.xlsx", .xlsx),
    ("data.csv", .csv),
    ("diagram.png", nil),
    ("noextension", nil),
])
func formatFromFileName(_ name: String, _ format: DocumentFormat?) {
    #expect(DocumentFormat(fileName: name) == format)
}
