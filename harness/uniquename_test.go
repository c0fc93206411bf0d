package harness

import (
	"regexp"
	"testing"
)

func TestUniqueName(t *testing.T) {
	a, b := UniqueName("ftpconform"), UniqueName("ftpconform")
	if !regexp.MustCompile(`^ftpconform-[0-9a-f]{8}$`).MatchString(a) || a == b {
		t.Errorf("UniqueName gave %q and %q", a, b)
	}
}
