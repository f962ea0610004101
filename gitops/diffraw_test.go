package gitops

import "testing"

func TestParseDiffRaw(t *testing.T) {
	o := ":000000 100644 0000000 1234567 A\x00includes/poll/Poll Api.php\x00" +
		":100644 100755 1234567 1234567 M\x00includes/api/ApiMain.php\x00" +
		":160000 160000 89abcde fedcba9 M\x00extensions/Echo\x00" +
		":100644 000000 1234567 0000000 D\x00includes/Defines.php\x00"
	got, err := ParseDiffRaw(o)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got[0].Status != 'A' || got[0].Path != "includes/poll/Poll Api.php" ||
		got[1].NewMode != "100755" || !got[2].Gitlink() || got[1].Gitlink() || got[3].Status != 'D' {
		t.Fatalf("%+v", got)
	}
	if _, err := ParseDiffRaw("garbage\x00"); err == nil {
		t.Fatal("garbage parsed")
	}
	if err := CheckRev("--output=x"); err == nil {
		t.Fatal("an option taken as a commit")
	}
}
