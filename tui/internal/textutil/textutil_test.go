package textutil

import (
	"testing"
	"time"
)

func TestFit(t *testing.T) {
	got := Fit("abcdef\nxy", 4, 3)
	if want := "abcd\nxy  \n    "; got != want {
		t.Fatalf("Fit = %q, want %q", got, want)
	}
}

func TestOneLine(t *testing.T) {
	if got := OneLine(" a\n b\t\tc "); got != "a b c" {
		t.Fatalf("OneLine = %q", got)
	}
}

func TestClock(t *testing.T) {
	for d, want := range map[time.Duration]string{
		65 * time.Second: "1:05",
		time.Hour + 2*time.Minute + 3*time.Second: "1:02:03",
		1499 * time.Millisecond:                   "0:01",
	} {
		if got := Clock(d); got != want {
			t.Errorf("Clock(%s) = %q, want %q", d, got, want)
		}
	}
}
