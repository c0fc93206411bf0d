package stress

import (
	"slices"
	"testing"
)

func TestListedNames(t *testing.T) {
	for _, tc := range []struct {
		listing string
		long    bool
		want    []string
	}{
		{"f000001.dat\r\nf000002.dat\r\n", false, []string{"f000001.dat", "f000002.dat"}},
		{"/home/u/ftpconform-stress-x-1/f000001.dat\nsub/\n.\n..\n", false, []string{"f000001.dat", "sub"}},
		{"-rw-r--r-- 1 u g 4096 Jan 02 03:04 f000001.dat\r\ndrwxr-xr-x 2 u g 0 Jan 02 03:04 d/\r\n", true, []string{"f000001.dat", "d"}},
		{"", false, nil},
		{"\r\n\r\n", true, nil},
	} {
		if got := slices.Collect(listedNames(tc.listing, tc.long)); !slices.Equal(got, tc.want) {
			t.Errorf("listedNames(%q, %v) = %q, want %q", tc.listing, tc.long, got, tc.want)
		}
	}
}
